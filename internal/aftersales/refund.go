package aftersales

import (
	"fmt"
	"math/bits"
	"strings"

	"kefu/internal/apperr"
)

// OrderLine is one product line of a paid order.
type OrderLine struct {
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	UnitPrice Money  `json:"unit_price"`
	// RefundedQty counts units already refunded by earlier cases.
	RefundedQty int `json:"refunded_qty"`
}

// Order is what the customer paid: lines, shipping, and an order-level discount (coupons,
// full-reduction promotions) that is shared across the lines in proportion to their value.
type Order struct {
	Lines       []OrderLine `json:"lines"`
	ShippingFee Money       `json:"shipping_fee"`
	Discount    Money       `json:"discount"`
	// Refunded is everything already paid back on this order (any cause, incl. price protection).
	Refunded         Money `json:"refunded"`
	ShippingRefunded bool  `json:"shipping_refunded"`
	Shipped          bool  `json:"shipped"`
}

// RefundLine asks to refund Qty units of a SKU.
type RefundLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// LineRefund is the money for one line of a refund.
type LineRefund struct {
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
	Gross    Money  `json:"gross"`    // unit price × qty
	Discount Money  `json:"discount"` // this line's share of the order discount, for these units
	Net      Money  `json:"net"`      // Gross − Discount
}

// RefundBreakdown explains a refund amount line by line, with the rules that shaped it.
type RefundBreakdown struct {
	Lines    []LineRefund `json:"lines"`
	Items    Money        `json:"items"`
	Shipping Money        `json:"shipping"`
	Total    Money        `json:"total"`
	// Paid is what the order cost the customer; Remaining what could still be refunded before this.
	Paid      Money    `json:"paid"`
	Remaining Money    `json:"remaining"`
	Rules     []string `json:"rules"`
}

// Paid is the order's total: lines plus shipping minus the discount.
func (o Order) Paid() Money {
	var items Money
	for _, l := range o.Lines {
		items += l.UnitPrice * Money(l.Qty)
	}
	return items + o.ShippingFee - o.Discount
}

func (o Order) validate() error {
	if len(o.Lines) == 0 || len(o.Lines) > 1000 {
		return apperr.Invalid("order.lines", "an order has 1 to 1000 lines")
	}
	seen := map[string]bool{}
	var items Money
	for i, l := range o.Lines {
		f := fmt.Sprintf("order.lines[%d]", i)
		switch {
		case strings.TrimSpace(l.SKU) == "":
			return apperr.Invalid(f+".sku", "a line needs a SKU")
		case seen[l.SKU]:
			return apperr.Invalid(f+".sku", fmt.Sprintf("SKU %q appears twice", l.SKU))
		case l.Qty <= 0 || l.Qty > 100_000:
			return apperr.Invalid(f+".qty", "quantity must be between 1 and 100000")
		case l.UnitPrice < 0 || l.UnitPrice > MaxMoney/100_000:
			return apperr.Invalid(f+".unit_price", "unit price out of range")
		case l.RefundedQty < 0 || l.RefundedQty > l.Qty:
			return apperr.Invalid(f+".refunded_qty", "refunded quantity must be between 0 and the quantity")
		}
		seen[l.SKU] = true
		items += l.UnitPrice * Money(l.Qty)
	}
	if o.ShippingFee < 0 || o.ShippingFee > MaxMoney {
		return apperr.Invalid("order.shipping_fee", "shipping fee out of range")
	}
	if o.Discount < 0 || o.Discount > items {
		return apperr.Invalid("order.discount", "the discount must be between 0 and the items' total")
	}
	if o.Refunded < 0 || o.Refunded > o.Paid() {
		return apperr.Invalid("order.refunded", "already refunded must be between 0 and the amount paid")
	}
	return nil
}

// allocate splits total across weights in proportion, in whole fen, by the largest-remainder
// method: the shares always sum exactly to total, and no share is off by more than one fen.
func allocate(total Money, weights []Money) []Money {
	out := make([]Money, len(weights))
	var sum Money
	for _, w := range weights {
		sum += w
	}
	if sum == 0 || total == 0 {
		return out
	}
	type rem struct {
		i int
		r Money
	}
	var given Money
	rems := make([]rem, len(weights))
	for i, w := range weights {
		// total*w can exceed int64 for large orders; mulDiv is exact in 128 bits.
		q, r := mulDiv(total, w, sum)
		out[i] = q
		given += q
		rems[i] = rem{i, r}
	}
	// Hand out the leftover fen to the largest remainders (ties: earlier line first).
	for left := total - given; left > 0; left-- {
		best := -1
		for j, r := range rems {
			if r.r >= 0 && (best < 0 || r.r > rems[best].r) {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].r = -1
	}
	return out
}

// mulDiv returns a*b/c and the remainder, for non-negative values with a, b ≤ c ≤ MaxMoney,
// without overflowing: a*b can exceed int64, so it is done in 128-bit arithmetic.
func mulDiv(a, b, c Money) (Money, Money) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi, lo, uint64(c)) // a ≤ c, so the quotient fits (hi < c)
	return Money(q), Money(r)
}

// CalculateRefund prices a refund of some units of an order: each line's share of the order
// discount is taken off (so a coupon is never refunded as cash), partial quantities are priced
// so that successive partial refunds add up exactly to the line's net, the shipping fee is
// refunded when the policy says so, and the total never exceeds what is left of the payment.
func CalculateRefund(p Policy, o Order, req []RefundLine, reason Reason) (RefundBreakdown, error) {
	if err := o.validate(); err != nil {
		return RefundBreakdown{}, err
	}
	if len(req) == 0 {
		return RefundBreakdown{}, apperr.Invalid("lines", "name at least one line to refund")
	}
	index := map[string]int{}
	weights := make([]Money, len(o.Lines))
	for i, l := range o.Lines {
		index[l.SKU] = i
		weights[i] = l.UnitPrice * Money(l.Qty)
	}
	lineDiscount := allocate(o.Discount, weights)

	b := RefundBreakdown{Paid: o.Paid(), Remaining: o.Paid() - o.Refunded}
	if o.Discount > 0 {
		b.Rules = append(b.Rules, "discount_prorated")
	}
	requested := map[string]bool{}
	fullRefund := true
	after := make([]int, len(o.Lines)) // refunded units per line after this refund
	for i, l := range o.Lines {
		after[i] = l.RefundedQty
	}
	for i, rl := range req {
		f := fmt.Sprintf("lines[%d]", i)
		li, ok := index[rl.SKU]
		if !ok {
			return RefundBreakdown{}, apperr.Invalid(f+".sku", fmt.Sprintf("SKU %q is not in the order", rl.SKU))
		}
		if requested[rl.SKU] {
			return RefundBreakdown{}, apperr.Invalid(f+".sku", fmt.Sprintf("SKU %q is listed twice", rl.SKU))
		}
		requested[rl.SKU] = true
		l := o.Lines[li]
		if left := l.Qty - l.RefundedQty; rl.Qty <= 0 || rl.Qty > left {
			return RefundBreakdown{}, apperr.Invalid(f+".qty", fmt.Sprintf("%d of %s can still be refunded", left, rl.SKU))
		}
		net := weights[li] - lineDiscount[li]
		// Price units r+1..r+k as the difference of cumulative shares, so refunding a line in
		// several parts gives exactly the same total as refunding it at once.
		q := Money(l.Qty)
		cum := func(units int) Money { v, _ := mulDiv(net, Money(units), q); return v }
		cumGross := func(units int) Money { return l.UnitPrice * Money(units) }
		from, to := l.RefundedQty, l.RefundedQty+rl.Qty
		lr := LineRefund{SKU: l.SKU, Qty: rl.Qty, Gross: cumGross(to) - cumGross(from), Net: cum(to) - cum(from)}
		lr.Discount = lr.Gross - lr.Net
		b.Lines = append(b.Lines, lr)
		b.Items += lr.Net
		after[li] = to
	}
	for i, l := range o.Lines {
		if after[i] < l.Qty {
			fullRefund = false
		}
	}
	switch {
	case o.ShippingRefunded || o.ShippingFee == 0:
	case p.RefundShippingOnShopFault && reason.ShopFault():
		b.Shipping = o.ShippingFee
		b.Rules = append(b.Rules, "shipping_refunded_shop_fault")
	case p.RefundShippingBeforeShipment && !o.Shipped && fullRefund:
		b.Shipping = o.ShippingFee
		b.Rules = append(b.Rules, "shipping_refunded_before_shipment")
	default:
		b.Rules = append(b.Rules, "shipping_not_refunded")
	}
	b.Total = b.Items + b.Shipping
	if b.Total > b.Remaining {
		b.Total = b.Remaining
		b.Rules = append(b.Rules, "capped_at_remaining_paid")
	}
	return b, nil
}
