package aftersales

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"kefu/internal/apperr"
)

// Outcome is what the policy engine says to do with a request.
type Outcome string

const (
	OutcomeAutoApprove Outcome = "auto_approve"
	OutcomeNeedsReview Outcome = "needs_review"
	OutcomeReject      Outcome = "reject"
)

// Payer is who pays for shipping the goods back.
type Payer string

const (
	PayerBuyer Payer = "buyer"
	PayerShop  Payer = "shop"
)

// Check is one rule the engine evaluated, in order, for the audit trail.
type Check struct {
	RuleID string `json:"rule_id"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Decision is the engine's answer. RuleID names the rule that decided the outcome; Trace lists
// every rule looked at, so an agent (or an auditor) can see why.
type Decision struct {
	Allowed  bool    `json:"allowed"`
	Outcome  Outcome `json:"outcome"`
	RuleID   string  `json:"rule_id"`
	ReasonZH string  `json:"reason_zh"`
	ReasonEN string  `json:"reason_en"`
	// Retry is true when the customer can fix the request and submit again (e.g. add photos).
	Retry bool `json:"retry,omitempty"`
	// Suggest names a kind that would work instead (a late quality return → repair).
	Suggest Kind `json:"suggest,omitempty"`
	// ReturnShippingPaidBy is set for kinds where goods travel back to the shop.
	ReturnShippingPaidBy Payer  `json:"return_shipping_paid_by,omitempty"`
	ShippingRuleID       string `json:"shipping_rule_id,omitempty"`
	// Amount is the money at stake: the requested refund, or the computed price difference.
	Amount Money   `json:"amount"`
	Tier   Tier    `json:"tier"`
	Trace  []Check `json:"trace"`
	// Refund explains Amount line by line when it came from CalculateRefund (set by the service).
	Refund *RefundBreakdown `json:"refund,omitempty"`
}

// Item is one product line a request is about.
type Item struct {
	SKU                  string `json:"sku"`
	Name                 string `json:"name,omitempty"`
	Category             string `json:"category"`
	Qty                  int    `json:"qty"`
	ExcludedFromNoReason bool   `json:"excluded_from_no_reason,omitempty"` // customised goods, or a category flagged in the catalogue
	// Tags are the product's catalogue tags (personalised, hygiene, perishable…).
	Tags []string `json:"tags,omitempty"`
}

// Request is an after-sales request as the engine sees it. Times are absolute; Now is passed
// in so decisions are reproducible.
type Request struct {
	Kind   Kind   `json:"kind"`
	Tier   Tier   `json:"tier"`
	Reason Reason `json:"reason"`
	Now    time.Time
	// PaidAt, ShippedAt and DeliveredAt come from the order; zero means "not yet".
	PaidAt      time.Time `json:"paid_at"`
	ShippedAt   time.Time `json:"shipped_at"`
	DeliveredAt time.Time `json:"delivered_at"`
	Items       []Item    `json:"items"`
	// EvidencePhotos is how many photos the customer attached.
	EvidencePhotos int `json:"evidence_photos"`
	// Amount is the refund asked for (see CalculateRefund), or the goods' value for exchanges
	// and repairs; used for auto-approval.
	Amount Money `json:"amount"`
	// For price protection: what was paid per unit and today's price, for Qty units.
	PaidUnitPrice    Money `json:"paid_unit_price"`
	CurrentUnitPrice Money `json:"current_unit_price"`
	Qty              int   `json:"qty"`
	// FreePickupsUsedThisMonth counts the customer's no-reason returns this calendar month
	// whose pickup the shop already paid for under the tier's monthly allowance.
	FreePickupsUsedThisMonth int `json:"free_pickups_used_this_month"`
}

// Evaluate runs the policy over a request. A malformed request (unknown kind, missing times,
// negative amounts) is an error; everything else is a Decision, including rejections.
func Evaluate(p Policy, r Request) (Decision, error) {
	if err := p.Validate(); err != nil {
		return Decision{}, err
	}
	if err := r.validate(); err != nil {
		return Decision{}, err
	}
	tier, _ := ParseTier(string(r.Tier)) // validated above
	e := &engine{p: p, r: r, tp: p.For(tier), d: Decision{Tier: tier, Amount: r.Amount}}
	switch r.Kind {
	case KindReturn, KindExchange:
		e.returnOrExchange()
	case KindRepair:
		e.repair()
	case KindRefundOnly:
		e.refundOnly()
	case KindPriceProtection:
		e.priceProtection()
	case KindComplaint:
		e.review("complaint_review", "投诉由专人处理", "Complaints are always handled by a person")
	}
	return e.d, nil
}

func (r Request) validate() error {
	if _, ok := machines[r.Kind]; !ok {
		return apperr.Invalid("kind", fmt.Sprintf("unknown case kind %q", r.Kind))
	}
	if _, err := ParseTier(string(r.Tier)); err != nil {
		return err
	}
	if r.Reason != "" && !slices.Contains(Reasons, r.Reason) {
		return apperr.Invalid("reason", fmt.Sprintf("unknown reason %q", r.Reason))
	}
	if r.Now.IsZero() {
		return apperr.Invalid("now", "the decision time is required")
	}
	if r.Amount < 0 || r.Amount > MaxMoney {
		return apperr.Invalid("amount", "amount must be between 0 and "+MaxMoney.String())
	}
	if r.EvidencePhotos < 0 {
		return apperr.Invalid("evidence_photos", "cannot be negative")
	}
	switch r.Kind {
	case KindReturn, KindExchange, KindRepair:
		if len(r.Items) == 0 {
			return apperr.Invalid("items", "name at least one item")
		}
	case KindPriceProtection:
		if r.PaidAt.IsZero() {
			return apperr.Invalid("paid_at", "price protection needs the purchase time")
		}
		if r.Qty <= 0 || r.Qty > 100_000 {
			return apperr.Invalid("qty", "quantity must be between 1 and 100000")
		}
		if r.PaidUnitPrice <= 0 || r.PaidUnitPrice > MaxMoney || r.CurrentUnitPrice < 0 || r.CurrentUnitPrice > MaxMoney {
			return apperr.Invalid("paid_unit_price", "unit prices must be positive amounts")
		}
	}
	for i, it := range r.Items {
		if it.Qty <= 0 || it.Qty > 100_000 {
			return apperr.Invalid(fmt.Sprintf("items[%d].qty", i), "quantity must be between 1 and 100000")
		}
	}
	return nil
}

type engine struct {
	p  Policy
	r  Request
	tp TierPolicy
	d  Decision
}

func (e *engine) check(rule string, passed bool, detail string) {
	e.d.Trace = append(e.d.Trace, Check{RuleID: rule, Passed: passed, Detail: detail})
}

func (e *engine) decide(o Outcome, rule, zh, en string) {
	e.d.Outcome, e.d.RuleID, e.d.ReasonZH, e.d.ReasonEN = o, rule, zh, en
	e.d.Allowed = o != OutcomeReject
}

func (e *engine) reject(rule, zh, en string) { e.decide(OutcomeReject, rule, zh, en) }
func (e *engine) review(rule, zh, en string) { e.decide(OutcomeNeedsReview, rule, zh, en) }

// within reports whether now is at most days after from, and how many whole days have passed.
func within(from, now time.Time, days int) (bool, int) {
	elapsed := now.Sub(from)
	if elapsed < 0 {
		elapsed = 0
	}
	return !now.After(from.AddDate(0, 0, days)), int(elapsed / (24 * time.Hour))
}

func (e *engine) returnOrExchange() {
	r := e.r
	if !e.delivered() {
		return
	}
	if !e.transitDamageReported() {
		return
	}
	// 1. Window: no-reason requests get the tier's return window; shop-fault ones the quality
	// window (returns) or the quality exchange window (exchanges).
	window, rule := e.tp.ReturnWindowDays, "return_window"
	if r.Reason.ShopFault() {
		window, rule = e.tp.QualityWindowDays, "quality_window"
		if r.Kind == KindExchange {
			window, rule = e.tp.ExchangeWindowDays(), "quality_exchange_window"
		}
	}
	ok, days := within(r.DeliveredAt, r.Now, window)
	e.check(rule, ok, fmt.Sprintf("%d days since delivery, window %d days (%s)", days, window, e.d.Tier))
	if !ok {
		if r.Reason.ShopFault() {
			if canExchange, _ := within(r.DeliveredAt, r.Now, e.tp.ExchangeWindowDays()); canExchange && r.Kind == KindReturn {
				e.d.Suggest = KindExchange
			} else if inWarranty, _ := within(r.DeliveredAt, r.Now, e.warrantyDays()); inWarranty {
				e.d.Suggest = KindRepair
			}
		}
		e.reject(rule, fmt.Sprintf("已超过 %d 天的售后期限（签收后 %d 天）", window, days),
			fmt.Sprintf("Past the %d-day window (%d days since delivery)", window, days))
		return
	}
	// 2. Categories excluded from no-reason returns.
	if r.Reason == ReasonNoReason || r.Reason == "" {
		if bad := e.excludedItems(); len(bad) > 0 {
			e.check("no_reason_excluded_category", false, "excluded: "+strings.Join(bad, ", "))
			e.reject("no_reason_excluded_category",
				"以下商品不支持七天无理由退换："+strings.Join(bad, "、"),
				"These items cannot be returned without a reason: "+strings.Join(bad, ", "))
			return
		}
		e.check("no_reason_excluded_category", true, "no excluded category")
	}
	if !e.evidence() {
		return
	}
	e.shipping()
	e.autoApprove()
}

func (e *engine) repair() {
	if !e.delivered() {
		return
	}
	warranty := e.warrantyDays()
	ok, days := within(e.r.DeliveredAt, e.r.Now, warranty)
	e.check("warranty_window", ok, fmt.Sprintf("%d days since delivery, warranty %d days", days, warranty))
	if !ok {
		e.reject("warranty_window", fmt.Sprintf("已超出 %d 天保修期，可申请付费维修", warranty),
			fmt.Sprintf("Out of the %d-day warranty; paid repair is available", warranty))
		return
	}
	if !e.evidence() {
		return
	}
	// Warranty repairs are the shop's obligation, so the shop pays shipping both ways.
	e.d.ReturnShippingPaidBy, e.d.ShippingRuleID = PayerShop, "warranty_shipping"
	e.check("warranty_shipping", true, "shop pays shipping for warranty repairs")
	e.autoApprove()
}

func (e *engine) refundOnly() {
	r := e.r
	if r.ShippedAt.IsZero() && r.DeliveredAt.IsZero() {
		// Refunding an order that has not left the warehouse costs the shop nothing.
		e.check("refund_before_shipment", true, "order not shipped")
		e.decide(OutcomeAutoApprove, "refund_before_shipment", "订单未发货，自动退款", "Order not shipped yet: refunded automatically")
		return
	}
	if r.DeliveredAt.IsZero() {
		e.check("refund_in_transit", false, "order shipped, not delivered")
		e.review("refund_in_transit", "包裹运输中，需人工拦截快递后退款", "Parcel in transit: an agent must intercept it before refunding")
		return
	}
	// After delivery, keeping the goods and getting money back is only for the shop's faults
	// (missing parts, damage, wrong item…); a change of mind is a return.
	if !r.Reason.ShopFault() {
		e.check("refund_only_needs_shop_fault", false, "reason "+string(r.Reason))
		e.d.Suggest = KindReturn
		e.reject("refund_only_needs_shop_fault", "已签收的商品仅退款需为商家责任（如少件、破损），其他情况请申请退货退款",
			"A refund without return after delivery is for problems caused by the shop (missing or damaged items); please request a return instead")
		return
	}
	e.check("refund_only_needs_shop_fault", true, "reason "+string(r.Reason))
	if !e.transitDamageReported() {
		return
	}
	if limit := e.p.RefundOnlyQualityBelow; limit > 0 && (r.Reason == ReasonQuality || r.Reason == ReasonNotAsDescribed) {
		ok := r.Amount < limit
		e.check("refund_only_quality_limit", ok, fmt.Sprintf("amount %s, limit %s", r.Amount, limit))
		if !ok {
			e.d.Suggest = KindReturn
			e.reject("refund_only_quality_limit", fmt.Sprintf("质量问题仅退款限 %s 以下的商品，请申请退货退款或换货", limit),
				fmt.Sprintf("A refund without return for a quality problem is for items under %s; please request a return or an exchange", limit))
			return
		}
	}
	ok, days := within(r.DeliveredAt, r.Now, e.tp.QualityWindowDays)
	e.check("quality_window", ok, fmt.Sprintf("%d days since delivery, window %d days", days, e.tp.QualityWindowDays))
	if !ok {
		e.reject("quality_window", fmt.Sprintf("已超过 %d 天的售后期限", e.tp.QualityWindowDays),
			fmt.Sprintf("Past the %d-day window", e.tp.QualityWindowDays))
		return
	}
	if !e.evidence() {
		return
	}
	e.autoApprove()
}

func (e *engine) priceProtection() {
	r := e.r
	ok, days := within(r.PaidAt, r.Now, e.tp.PriceProtectionDays)
	e.check("price_protection_window", ok, fmt.Sprintf("%d days since purchase, window %d days", days, e.tp.PriceProtectionDays))
	if !ok {
		e.reject("price_protection_window", fmt.Sprintf("已超过 %d 天价保期", e.tp.PriceProtectionDays),
			fmt.Sprintf("Past the %d-day price-protection period", e.tp.PriceProtectionDays))
		return
	}
	diff := r.PaidUnitPrice - r.CurrentUnitPrice
	if diff <= 0 {
		e.check("price_dropped", false, fmt.Sprintf("paid %s, now %s", r.PaidUnitPrice, r.CurrentUnitPrice))
		e.reject("price_dropped", "当前价格不低于购买价，无差价可退", "The current price is not lower than what you paid")
		return
	}
	e.d.Amount = diff * Money(r.Qty)
	e.check("price_dropped", true, fmt.Sprintf("(%s − %s) × %d = %s", r.PaidUnitPrice, r.CurrentUnitPrice, r.Qty, e.d.Amount))
	e.autoApprove()
}

// transitDamageReported checks damage in transit and missing items were reported soon enough
// after delivery (the carrier only accepts claims for a short time).
func (e *engine) transitDamageReported() bool {
	limit := e.p.TransitDamageReportHours
	if limit <= 0 || (e.r.Reason != ReasonDamaged && e.r.Reason != ReasonMissingParts) {
		return true
	}
	elapsed := e.r.Now.Sub(e.r.DeliveredAt)
	ok := elapsed <= time.Duration(limit)*time.Hour
	e.check("transit_damage_report_window", ok, fmt.Sprintf("%.0f hours since delivery, limit %d hours", elapsed.Hours(), limit))
	if !ok {
		e.reject("transit_damage_report_window",
			fmt.Sprintf("运输破损或少件需在签收后 %d 小时内反馈；如是商品质量问题，请按质量问题申请", limit),
			fmt.Sprintf("Damage in transit and missing items must be reported within %d hours of delivery; for a quality problem, please apply as a quality problem", limit))
	}
	return ok
}

// warrantyDays is the warranty that covers every item of the request: the tier's, or the
// shortest category override among the items.
func (e *engine) warrantyDays() int {
	days := e.tp.WarrantyDays
	for _, it := range e.r.Items {
		if d, ok := e.p.CategoryWarrantyDays[strings.ToLower(strings.TrimSpace(it.Category))]; ok && d < days {
			days = d
		}
	}
	return days
}

// delivered rejects return-type requests for goods the customer does not have yet.
func (e *engine) delivered() bool {
	ok := !e.r.DeliveredAt.IsZero()
	e.check("delivered", ok, "delivery recorded")
	if !ok {
		e.d.Suggest = KindRefundOnly
		e.reject("delivered", "订单尚未签收，可直接申请仅退款（取消订单）",
			"The order has not been delivered; request a refund (order cancellation) instead")
	}
	return ok
}

func (e *engine) excludedItems() []string {
	var bad []string
	for _, it := range e.r.Items {
		cat := strings.ToLower(strings.TrimSpace(it.Category))
		if it.ExcludedFromNoReason || slices.Contains(e.p.NoReasonExcluded, cat) || e.excludedTag(it.Tags) {
			name := it.Name
			if name == "" {
				name = it.SKU
			}
			bad = append(bad, name)
		}
	}
	return bad
}

func (e *engine) excludedTag(tags []string) bool {
	for _, t := range tags {
		if slices.Contains(e.p.NoReasonExcludedTags, strings.ToLower(strings.TrimSpace(t))) {
			return true
		}
	}
	return false
}

// evidence requires photos for the reasons the policy lists.
func (e *engine) evidence() bool {
	if !slices.Contains(e.p.EvidenceRequiredFor, e.r.Reason) {
		return true
	}
	ok := e.r.EvidencePhotos >= e.p.MinEvidencePhotos
	e.check("evidence_required", ok, fmt.Sprintf("%d of %d photos", e.r.EvidencePhotos, e.p.MinEvidencePhotos))
	if !ok {
		e.d.Retry = true
		e.reject("evidence_required", fmt.Sprintf("请上传至少 %d 张商品问题照片后重新提交", e.p.MinEvidencePhotos),
			fmt.Sprintf("Please attach at least %d photo(s) of the problem and submit again", e.p.MinEvidencePhotos))
	}
	return ok
}

// shipping decides who pays to send goods back: the shop when it is at fault or the tier ships
// free, the buyer otherwise.
func (e *engine) shipping() {
	switch {
	case e.r.Reason.ShopFault():
		e.d.ReturnShippingPaidBy, e.d.ShippingRuleID = PayerShop, "shop_fault_shipping"
	case e.tp.FreeReturnShipping:
		e.d.ReturnShippingPaidBy, e.d.ShippingRuleID = PayerShop, "tier_free_return_shipping"
	case e.r.FreePickupsUsedThisMonth < e.tp.FreeReturnPickupsPerMonth:
		e.d.ReturnShippingPaidBy, e.d.ShippingRuleID = PayerShop, MonthlyFreePickupRule
	default:
		e.d.ReturnShippingPaidBy, e.d.ShippingRuleID = PayerBuyer, "buyer_pays_no_reason_shipping"
	}
	e.check(e.d.ShippingRuleID, true, "return shipping paid by "+string(e.d.ReturnShippingPaidBy))
}

// MonthlyFreePickupRule is the shipping rule of a return whose pickup uses the tier's monthly
// allowance; the service counts cases decided by it to know what is left this month.
const MonthlyFreePickupRule = "tier_monthly_free_pickup"

// autoApprove approves without review when the tier trusts amounts this small.
func (e *engine) autoApprove() {
	limit := e.tp.AutoApproveBelow
	ok := limit > 0 && e.d.Amount < limit
	e.check("auto_approve_below", ok, fmt.Sprintf("amount %s, %s limit %s", e.d.Amount, e.d.Tier, limit))
	if ok {
		e.decide(OutcomeAutoApprove, "auto_approve_below",
			fmt.Sprintf("%s会员 %s 以下自动通过", tierZh(e.d.Tier), limit),
			fmt.Sprintf("Automatically approved: %s customer, under %s", e.d.Tier, limit))
		return
	}
	e.review("manual_review", "符合售后政策，等待客服审核", "Eligible; waiting for an agent to review")
}

func tierZh(t Tier) string {
	switch t {
	case TierVIP:
		return "VIP"
	case TierGold:
		return "金卡"
	case TierSilver:
		return "银卡"
	}
	return "普通"
}
