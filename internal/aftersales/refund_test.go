package aftersales

import (
	"math/rand/v2"
	"slices"
	"testing"

	"kefu/internal/apperr"
)

// order: 2 shirts at ¥99, 1 jacket at ¥399, 3 socks at ¥10.01; ¥12 shipping; ¥50 coupon.
func sampleOrder() Order {
	return Order{
		Lines: []OrderLine{
			{SKU: "SHIRT", Qty: 2, UnitPrice: 9_900},
			{SKU: "JACKET", Qty: 1, UnitPrice: 39_900},
			{SKU: "SOCKS", Qty: 3, UnitPrice: 1_001},
		},
		ShippingFee: 1_200, Discount: 5_000, Shipped: true,
	}
}

func TestCalculateRefund(t *testing.T) {
	p := DefaultPolicy()
	o := sampleOrder() // items 19_800 + 39_900 + 3_003 = 62_703; paid 62_703 + 1_200 − 5_000 = 58_903
	cases := []struct {
		name     string
		o        Order
		lines    []RefundLine
		reason   Reason
		items    Money
		shipping Money
		total    Money
		rules    []string
	}{
		// Coupon shares by largest remainder: shirts 5000×19800/62703 = 1578.9 → 1579, jacket
		// 3181.7 → 3182, socks 239.46 → 239 (sum 5000). One shirt of two gets ⌊18221/2⌋ = 9110;
		// the other shirt later gets the remaining 9111.
		{"one shirt, no reason", o, []RefundLine{{"SHIRT", 1}}, ReasonNoReason, 9_110, 0, 9_110,
			[]string{"discount_prorated", "shipping_not_refunded"}},
		{"both shirts", o, []RefundLine{{"SHIRT", 2}}, ReasonNoReason, 19_800 - 1_579, 0, 18_221,
			[]string{"discount_prorated", "shipping_not_refunded"}},
		{"jacket damaged: shipping refunded", o, []RefundLine{{"JACKET", 1}}, ReasonDamaged, 39_900 - 3_182, 1_200, 36_718 + 1_200,
			[]string{"discount_prorated", "shipping_refunded_shop_fault"}},
		{"everything before shipment", func() Order { x := sampleOrder(); x.Shipped = false; return x }(),
			[]RefundLine{{"SHIRT", 2}, {"JACKET", 1}, {"SOCKS", 3}}, ReasonNoReason, 62_703 - 5_000, 1_200, 58_903,
			[]string{"discount_prorated", "shipping_refunded_before_shipment"}},
		{"part of an unshipped order keeps shipping", func() Order { x := sampleOrder(); x.Shipped = false; return x }(),
			[]RefundLine{{"SOCKS", 3}}, ReasonNoReason, 3_003 - 239, 0, 2_764, []string{"discount_prorated", "shipping_not_refunded"}},
		{"shipping already refunded", func() Order { x := sampleOrder(); x.ShippingRefunded = true; return x }(),
			[]RefundLine{{"SOCKS", 1}}, ReasonQuality, 921, 0, 921, []string{"discount_prorated"}},
		{"no coupon", Order{Lines: []OrderLine{{SKU: "A", Qty: 3, UnitPrice: 1_000}}, ShippingFee: 0, Shipped: true},
			[]RefundLine{{"A", 2}}, ReasonNoReason, 2_000, 0, 2_000, nil},
		{"earlier refunds cap the total", func() Order { x := sampleOrder(); x.Refunded = 58_000; return x }(),
			[]RefundLine{{"JACKET", 1}}, ReasonNoReason, 36_718, 0, 903, []string{"discount_prorated", "shipping_not_refunded", "capped_at_remaining_paid"}},
		{"zero-priced gift line", Order{Lines: []OrderLine{{SKU: "A", Qty: 1, UnitPrice: 5_000}, {SKU: "GIFT", Qty: 1}}, Discount: 1_000, Shipped: true},
			[]RefundLine{{"GIFT", 1}}, ReasonNoReason, 0, 0, 0, []string{"discount_prorated"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := CalculateRefund(p, tc.o, tc.lines, tc.reason)
			if err != nil {
				t.Fatal(err)
			}
			if b.Items != tc.items || b.Shipping != tc.shipping || b.Total != tc.total {
				t.Fatalf("items %s shipping %s total %s; want %s %s %s (%+v)", b.Items, b.Shipping, b.Total, tc.items, tc.shipping, tc.total, b.Lines)
			}
			if !slices.Equal(b.Rules, tc.rules) {
				t.Fatalf("rules %v, want %v", b.Rules, tc.rules)
			}
			for _, l := range b.Lines {
				if l.Gross-l.Discount != l.Net || l.Net < 0 {
					t.Fatalf("line arithmetic %+v", l)
				}
			}
		})
	}
	if got := sampleOrder().Paid(); got != 58_903 {
		t.Fatalf("paid = %s", got)
	}
}

func TestAllocateSharesSumExactly(t *testing.T) {
	got := allocate(5_000, []Money{19_800, 39_900, 3_003})
	if !slices.Equal(got, []Money{1_579, 3_182, 239}) {
		t.Fatalf("allocate = %v", got)
	}
	if got := allocate(1, []Money{1, 1, 1}); !slices.Equal(got, []Money{1, 0, 0}) {
		t.Fatalf("tie goes to the first line: %v", got)
	}
	// Huge values still exact (128-bit intermediate).
	big := MaxMoney / 100_000 * 100_000
	if got := allocate(big, []Money{big / 3, big - big/3}); got[0]+got[1] != big {
		t.Fatalf("big allocation %v", got)
	}
}

func TestCalculateRefundErrors(t *testing.T) {
	p := DefaultPolicy()
	mut := func(f func(*Order)) Order { o := sampleOrder(); f(&o); return o }
	cases := []struct {
		name  string
		o     Order
		lines []RefundLine
		field string
	}{
		{"empty order", Order{}, []RefundLine{{"A", 1}}, "order.lines"},
		{"blank sku", mut(func(o *Order) { o.Lines[0].SKU = " " }), []RefundLine{{"SHIRT", 1}}, "order.lines[0].sku"},
		{"duplicate sku in order", mut(func(o *Order) { o.Lines[1].SKU = "SHIRT" }), []RefundLine{{"SHIRT", 1}}, "order.lines[1].sku"},
		{"zero qty line", mut(func(o *Order) { o.Lines[0].Qty = 0 }), []RefundLine{{"SHIRT", 1}}, "order.lines[0].qty"},
		{"negative price", mut(func(o *Order) { o.Lines[0].UnitPrice = -1 }), []RefundLine{{"SHIRT", 1}}, "order.lines[0].unit_price"},
		{"refunded more than bought", mut(func(o *Order) { o.Lines[0].RefundedQty = 3 }), []RefundLine{{"JACKET", 1}}, "order.lines[0].refunded_qty"},
		{"discount above items", mut(func(o *Order) { o.Discount = 70_000 }), []RefundLine{{"SHIRT", 1}}, "order.discount"},
		{"negative shipping", mut(func(o *Order) { o.ShippingFee = -1 }), []RefundLine{{"SHIRT", 1}}, "order.shipping_fee"},
		{"refunded above paid", mut(func(o *Order) { o.Refunded = 60_000 }), []RefundLine{{"SHIRT", 1}}, "order.refunded"},
		{"nothing asked", sampleOrder(), nil, "lines"},
		{"unknown sku", sampleOrder(), []RefundLine{{"HAT", 1}}, "lines[0].sku"},
		{"same sku twice", sampleOrder(), []RefundLine{{"SHIRT", 1}, {"SHIRT", 1}}, "lines[1].sku"},
		{"zero qty", sampleOrder(), []RefundLine{{"SHIRT", 0}}, "lines[0].qty"},
		{"more than left", mut(func(o *Order) { o.Lines[0].RefundedQty = 1 }), []RefundLine{{"SHIRT", 2}}, "lines[0].qty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CalculateRefund(p, tc.o, tc.lines, ReasonNoReason)
			ae, ok := apperr.As(err)
			if !ok || ae.Field != tc.field {
				t.Fatalf("got %v, want an error on %s", err, tc.field)
			}
		})
	}
}

// Refunding an order in random partial steps, whatever the order, pays back exactly what was
// paid for the items (never a fen more), and no single refund exceeds what is left.
func TestPropertyPartialRefundsAddUp(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 6))
	p := DefaultPolicy()
	for trial := 0; trial < 500; trial++ {
		var o Order
		var items Money
		for i := 0; i < 1+r.IntN(5); i++ {
			l := OrderLine{SKU: string(rune('A' + i)), Qty: 1 + r.IntN(7), UnitPrice: Money(r.Int64N(100_000))}
			o.Lines = append(o.Lines, l)
			items += l.UnitPrice * Money(l.Qty)
		}
		o.ShippingFee = Money(r.Int64N(2_000))
		if items > 0 {
			o.Discount = Money(r.Int64N(int64(items) + 1))
		}
		o.Shipped = true
		var total Money
		for {
			var open []int
			for i, l := range o.Lines {
				if l.RefundedQty < l.Qty {
					open = append(open, i)
				}
			}
			if len(open) == 0 {
				break
			}
			i := open[r.IntN(len(open))]
			left := o.Lines[i].Qty - o.Lines[i].RefundedQty
			qty := 1 + r.IntN(left)
			reason := ReasonNoReason
			if r.IntN(5) == 0 {
				reason = ReasonQuality
			}
			b, err := CalculateRefund(p, o, []RefundLine{{o.Lines[i].SKU, qty}}, reason)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			if b.Total < 0 || b.Total > b.Remaining {
				t.Fatalf("trial %d: refund %s with %s remaining", trial, b.Total, b.Remaining)
			}
			total += b.Total
			o.Refunded += b.Total
			o.Lines[i].RefundedQty += qty
			if b.Shipping > 0 {
				o.ShippingRefunded = true
			}
		}
		want := items - o.Discount
		if o.ShippingRefunded {
			want += o.ShippingFee
		}
		if total != want {
			t.Fatalf("trial %d: partial refunds total %s, want %s (order %+v)", trial, total, want, o)
		}
		if total > o.Paid() {
			t.Fatalf("trial %d: refunded %s of %s paid", trial, total, o.Paid())
		}
	}
}
