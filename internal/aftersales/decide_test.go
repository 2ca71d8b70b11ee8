package aftersales

import (
	"slices"
	"strings"
	"testing"
	"time"

	"kefu/internal/apperr"
)

var (
	cst       = time.FixedZone("CST", 8*3600)
	paid      = time.Date(2026, 3, 1, 10, 0, 0, 0, cst)
	shipped   = paid.Add(6 * time.Hour)
	delivered = time.Date(2026, 3, 3, 15, 0, 0, 0, cst)
	shirt     = Item{SKU: "TS-1", Name: "T恤", Category: "apparel", Qty: 1}
	snacks    = Item{SKU: "FD-9", Name: "坚果礼盒", Category: "food", Qty: 2}
	engraved  = Item{SKU: "RING-1", Name: "刻字戒指", Category: "jewelry", Qty: 1, ExcludedFromNoReason: true}
)

func day(n int) time.Time { return delivered.AddDate(0, 0, n) }

// req builds a return request with sensible defaults that tests then change.
func req(mut func(*Request)) Request {
	r := Request{Kind: KindReturn, Tier: TierRegular, Reason: ReasonNoReason, Now: day(3), PaidAt: paid,
		ShippedAt: shipped, DeliveredAt: delivered, Items: []Item{shirt}, Amount: 9_900}
	if mut != nil {
		mut(&r)
	}
	return r
}

func TestEvaluateRules(t *testing.T) {
	cases := []struct {
		name     string
		r        Request
		outcome  Outcome
		rule     string
		payer    Payer
		suggest  Kind
		retry    bool
		amount   Money
		mustPass []string // rules that must appear as passed in the trace
	}{
		// Return windows by tier (七天无理由: 7 regular & silver, 15 gold, 30 VIP).
		{"regular day 7 is in", req(func(r *Request) { r.Now = day(7) }), OutcomeNeedsReview, "manual_review", PayerBuyer, "", false, 9_900, []string{"delivered", "return_window"}},
		{"regular day 7 + 1 minute is out", req(func(r *Request) { r.Now = day(7).Add(time.Minute) }), OutcomeReject, "return_window", "", "", false, 9_900, nil},
		{"silver day 8 is out", req(func(r *Request) { r.Tier = TierSilver; r.Now = day(8) }), OutcomeReject, "return_window", "", "", false, 9_900, nil},
		{"gold day 15 is in, auto-approved, free pickup", req(func(r *Request) { r.Tier = TierGold; r.Now = day(15) }), OutcomeAutoApprove, "auto_approve_below", PayerShop, "", false, 9_900, []string{"return_window", "auto_approve_below"}},
		{"gold day 16 is out", req(func(r *Request) { r.Tier = TierGold; r.Now = day(16) }), OutcomeReject, "return_window", "", "", false, 9_900, nil},
		{"vip day 30 is in, free shipping", req(func(r *Request) { r.Tier = TierVIP; r.Now = day(30) }), OutcomeAutoApprove, "auto_approve_below", PayerShop, "", false, 9_900, []string{"tier_free_return_shipping"}},
		{"vip day 31 is out", req(func(r *Request) { r.Tier = TierVIP; r.Now = day(31) }), OutcomeReject, "return_window", "", "", false, 9_900, nil},
		{"empty tier means regular", req(func(r *Request) { r.Tier = ""; r.Now = day(8) }), OutcomeReject, "return_window", "", "", false, 9_900, nil},
		// Quality problems: return within 7 days, exchange within 15 (gold and VIP keep their
		// longer window), the shop pays shipping, photos are needed.
		{"quality return on day 7 is in", req(func(r *Request) { r.Reason = ReasonQuality; r.EvidencePhotos = 2; r.Now = day(7) }), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, []string{"quality_window", "evidence_required", "shop_fault_shipping"}},
		{"quality return on day 12 suggests an exchange", req(func(r *Request) { r.Reason = ReasonQuality; r.EvidencePhotos = 2; r.Now = day(12) }), OutcomeReject, "quality_window", "", KindExchange, false, 9_900, nil},
		{"quality exchange on day 15 is in", req(func(r *Request) {
			r.Kind = KindExchange
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Now = day(15)
		}), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, []string{"quality_exchange_window"}},
		{"quality exchange on day 16 suggests repair", req(func(r *Request) {
			r.Kind = KindExchange
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Now = day(16)
		}), OutcomeReject, "quality_exchange_window", "", KindRepair, false, 9_900, nil},
		{"gold quality return on day 15 is in", req(func(r *Request) {
			r.Tier = TierGold
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Now = day(15)
			r.Amount = 50_000
		}), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 50_000, []string{"quality_window"}},
		{"quality return past warranty suggests nothing", req(func(r *Request) { r.Reason = ReasonQuality; r.EvidencePhotos = 1; r.Now = day(400) }), OutcomeReject, "quality_window", "", "", false, 9_900, nil},
		{"quality without photos must retry", req(func(r *Request) { r.Reason = ReasonNotAsDescribed }), OutcomeReject, "evidence_required", "", "", true, 9_900, nil},
		// Damage in transit and missing items: reported within 48 hours of sign-for.
		{"damage reported after 47 hours", req(func(r *Request) {
			r.Reason = ReasonDamaged
			r.EvidencePhotos = 1
			r.Now = delivered.Add(47 * time.Hour)
		}), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, []string{"transit_damage_report_window", "quality_window"}},
		{"damage reported at 48 hours is in", req(func(r *Request) {
			r.Reason = ReasonDamaged
			r.EvidencePhotos = 1
			r.Now = delivered.Add(48 * time.Hour)
		}), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, nil},
		{"damage reported after 49 hours is out", req(func(r *Request) {
			r.Reason = ReasonDamaged
			r.EvidencePhotos = 1
			r.Now = delivered.Add(49 * time.Hour)
		}), OutcomeReject, "transit_damage_report_window", "", "", false, 9_900, nil},
		{"missing parts needs no photo by default", req(func(r *Request) { r.Reason = ReasonMissingParts; r.Now = day(1) }), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, nil},
		{"missing parts on day 3 is out", req(func(r *Request) { r.Reason = ReasonMissingParts }), OutcomeReject, "transit_damage_report_window", "", "", false, 9_900, nil},
		{"wrong item has no 48-hour limit", req(func(r *Request) { r.Reason = ReasonWrongItem; r.EvidencePhotos = 1; r.Now = day(6) }), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, nil},
		// Excluded categories only for no-reason returns.
		{"food cannot be returned without reason", req(func(r *Request) { r.Items = []Item{shirt, snacks} }), OutcomeReject, "no_reason_excluded_category", "", "", false, 9_900, nil},
		{"customised goods cannot either", req(func(r *Request) { r.Items = []Item{engraved} }), OutcomeReject, "no_reason_excluded_category", "", "", false, 9_900, nil},
		{"excluded category matched case-insensitively", req(func(r *Request) { r.Items = []Item{{SKU: "U1", Category: " Underwear ", Qty: 1}} }), OutcomeReject, "no_reason_excluded_category", "", "", false, 9_900, nil},
		{"personalised goods by tag", req(func(r *Request) {
			r.Items = []Item{{SKU: "M1", Category: "home", Qty: 1, Tags: []string{"gift", "personalised"}}}
		}), OutcomeReject, "no_reason_excluded_category", "", "", false, 9_900, nil},
		{"hygiene goods by tag", req(func(r *Request) { r.Items = []Item{{SKU: "B1", Category: "beauty", Qty: 1, Tags: []string{"Hygiene"}}} }), OutcomeReject, "no_reason_excluded_category", "", "", false, 9_900, nil},
		{"perishable goods by tag", req(func(r *Request) {
			r.Items = []Item{{SKU: "P1", Category: "pets", Qty: 1, Tags: []string{"perishable"}}}
		}), OutcomeReject, "no_reason_excluded_category", "", "", false, 9_900, nil},
		{"underwear by category", req(func(r *Request) { r.Items = []Item{{SKU: "U2", Category: "underwear", Qty: 1}} }), OutcomeReject, "no_reason_excluded_category", "", "", false, 9_900, nil},
		{"damaged food is returnable", req(func(r *Request) {
			r.Items = []Item{snacks}
			r.Reason = ReasonDamaged
			r.EvidencePhotos = 1
			r.Now = day(1)
		}), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, nil},
		// Not delivered yet.
		{"return before delivery", req(func(r *Request) { r.DeliveredAt = time.Time{} }), OutcomeReject, "delivered", "", KindRefundOnly, false, 9_900, nil},
		// Auto-approval thresholds: gold < ¥200, VIP < ¥1000; regular and silver never.
		{"gold at the limit needs review", req(func(r *Request) { r.Tier = TierGold; r.Amount = 20_000 }), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 20_000, nil},
		{"gold just under the limit", req(func(r *Request) { r.Tier = TierGold; r.Amount = 19_999 }), OutcomeAutoApprove, "auto_approve_below", PayerShop, "", false, 19_999, nil},
		{"vip large amount needs review", req(func(r *Request) { r.Tier = TierVIP; r.Amount = 150_000 }), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 150_000, nil},
		{"silver small amount still reviewed, first free pickup of the month", req(func(r *Request) { r.Tier = TierSilver; r.Amount = 100 }), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 100, []string{MonthlyFreePickupRule}},
		{"silver second return of the month pays shipping", req(func(r *Request) { r.Tier = TierSilver; r.FreePickupsUsedThisMonth = 1 }), OutcomeNeedsReview, "manual_review", PayerBuyer, "", false, 9_900, []string{"buyer_pays_no_reason_shipping"}},
		{"regular has no free pickup", req(nil), OutcomeNeedsReview, "manual_review", PayerBuyer, "", false, 9_900, []string{"buyer_pays_no_reason_shipping"}},
		// Exchanges follow the return rules.
		{"exchange in window", req(func(r *Request) { r.Kind = KindExchange; r.Tier = TierGold }), OutcomeAutoApprove, "auto_approve_below", PayerShop, "", false, 9_900, nil},
		{"exchange out of window", req(func(r *Request) { r.Kind = KindExchange; r.Now = day(9) }), OutcomeReject, "return_window", "", "", false, 9_900, nil},
		// Repairs: warranty window, evidence, shop pays shipping.
		{"repair within warranty", req(func(r *Request) {
			r.Kind = KindRepair
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Now = day(200)
		}), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, []string{"warranty_window", "warranty_shipping"}},
		{"repair past warranty", req(func(r *Request) {
			r.Kind = KindRepair
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Now = day(366)
		}), OutcomeReject, "warranty_window", "", "", false, 9_900, nil},
		{"vip repair has the same one-year warranty", req(func(r *Request) {
			r.Kind = KindRepair
			r.Tier = TierVIP
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Now = day(366)
		}), OutcomeReject, "warranty_window", "", "", false, 9_900, nil},
		{"vip repair on day 365 auto-approved", req(func(r *Request) {
			r.Kind = KindRepair
			r.Tier = TierVIP
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Now = day(365)
		}), OutcomeAutoApprove, "auto_approve_below", PayerShop, "", false, 9_900, nil},
		{"shoes have a 90-day warranty", req(func(r *Request) {
			r.Kind, r.Reason, r.EvidencePhotos, r.Now = KindRepair, ReasonQuality, 1, day(91)
			r.Items = []Item{{SKU: "SH-1", Category: "shoes", Qty: 1}}
		}), OutcomeReject, "warranty_window", "", "", false, 9_900, nil},
		{"bags on day 90 are covered", req(func(r *Request) {
			r.Kind, r.Reason, r.EvidencePhotos, r.Now = KindRepair, ReasonQuality, 1, day(90)
			r.Items = []Item{{SKU: "BG-1", Category: "bags", Qty: 1}}
		}), OutcomeNeedsReview, "manual_review", PayerShop, "", false, 9_900, nil},
		{"repair needs photos", req(func(r *Request) { r.Kind = KindRepair; r.Reason = ReasonQuality }), OutcomeReject, "evidence_required", "", "", true, 9_900, nil},
		{"repair before delivery", req(func(r *Request) { r.Kind = KindRepair; r.DeliveredAt = time.Time{} }), OutcomeReject, "delivered", "", KindRefundOnly, false, 9_900, nil},
		// Refund only.
		{"refund before shipment is automatic", req(func(r *Request) { r.Kind = KindRefundOnly; r.ShippedAt, r.DeliveredAt = time.Time{}, time.Time{} }), OutcomeAutoApprove, "refund_before_shipment", "", "", false, 9_900, nil},
		{"refund in transit needs an agent", req(func(r *Request) { r.Kind = KindRefundOnly; r.DeliveredAt = time.Time{} }), OutcomeNeedsReview, "refund_in_transit", "", "", false, 9_900, nil},
		{"refund only for change of mind is refused", req(func(r *Request) { r.Kind = KindRefundOnly }), OutcomeReject, "refund_only_needs_shop_fault", "", KindReturn, false, 9_900, nil},
		{"refund only for missing parts", req(func(r *Request) {
			r.Kind = KindRefundOnly
			r.Reason = ReasonMissingParts
			r.Tier = TierGold
			r.Now = day(1)
		}), OutcomeAutoApprove, "auto_approve_below", "", "", false, 9_900, []string{"refund_only_needs_shop_fault", "quality_window"}},
		{"refund only for damage without photos", req(func(r *Request) { r.Kind = KindRefundOnly; r.Reason = ReasonDamaged; r.Now = day(1) }), OutcomeReject, "evidence_required", "", "", true, 9_900, nil},
		{"refund only for missing parts late", req(func(r *Request) { r.Kind = KindRefundOnly; r.Reason = ReasonMissingParts; r.Now = day(20) }), OutcomeReject, "transit_damage_report_window", "", "", false, 9_900, nil},
		{"refund only for wrong item late", req(func(r *Request) {
			r.Kind = KindRefundOnly
			r.Reason = ReasonWrongItem
			r.EvidencePhotos = 1
			r.Now = day(8)
		}), OutcomeReject, "quality_window", "", "", false, 9_900, nil},
		{"refund only for a quality problem under ¥30", req(func(r *Request) {
			r.Kind = KindRefundOnly
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Amount = 2_999
		}), OutcomeNeedsReview, "manual_review", "", "", false, 2_999, []string{"refund_only_quality_limit"}},
		{"refund only for a quality problem at ¥30 suggests a return", req(func(r *Request) {
			r.Kind = KindRefundOnly
			r.Reason = ReasonQuality
			r.EvidencePhotos = 1
			r.Amount = 3_000
		}), OutcomeReject, "refund_only_quality_limit", "", KindReturn, false, 3_000, nil},
		// Price protection: window from purchase, positive difference × qty.
		{"price drop within 15 days", req(func(r *Request) {
			r.Kind, r.Reason, r.Now, r.PaidUnitPrice, r.CurrentUnitPrice, r.Qty = KindPriceProtection, ReasonPriceDrop, paid.AddDate(0, 0, 15), 29_900, 25_900, 2
		}), OutcomeNeedsReview, "manual_review", "", "", false, 8_000, []string{"price_protection_window", "price_dropped"}},
		{"price drop for gold auto-approved", req(func(r *Request) {
			r.Kind, r.Tier, r.Now, r.PaidUnitPrice, r.CurrentUnitPrice, r.Qty = KindPriceProtection, TierGold, paid.AddDate(0, 0, 15), 29_900, 25_900, 2
		}), OutcomeAutoApprove, "auto_approve_below", "", "", false, 8_000, nil},
		{"price drop after the window", req(func(r *Request) {
			r.Kind, r.Tier, r.Now, r.PaidUnitPrice, r.CurrentUnitPrice, r.Qty = KindPriceProtection, TierVIP, paid.AddDate(0, 0, 15).Add(time.Second), 29_900, 25_900, 1
		}), OutcomeReject, "price_protection_window", "", "", false, 9_900, nil},
		{"no price drop", req(func(r *Request) {
			r.Kind, r.PaidUnitPrice, r.CurrentUnitPrice, r.Qty = KindPriceProtection, 29_900, 29_900, 1
		}), OutcomeReject, "price_dropped", "", "", false, 9_900, nil},
		// Complaints always go to a person.
		{"complaint", req(func(r *Request) { r.Kind = KindComplaint; r.Reason = ReasonService; r.Items = nil }), OutcomeNeedsReview, "complaint_review", "", "", false, 9_900, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Evaluate(DefaultPolicy(), tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if d.Outcome != tc.outcome || d.RuleID != tc.rule {
				t.Fatalf("got %s by %s (%s), want %s by %s; trace %+v", d.Outcome, d.RuleID, d.ReasonEN, tc.outcome, tc.rule, d.Trace)
			}
			if d.Allowed != (tc.outcome != OutcomeReject) {
				t.Errorf("allowed = %v for %s", d.Allowed, d.Outcome)
			}
			if d.ReturnShippingPaidBy != tc.payer || d.Suggest != tc.suggest || d.Retry != tc.retry || d.Amount != tc.amount {
				t.Errorf("payer %q suggest %q retry %v amount %s; want %q %q %v %s",
					d.ReturnShippingPaidBy, d.Suggest, d.Retry, d.Amount, tc.payer, tc.suggest, tc.retry, tc.amount)
			}
			if d.ReasonZH == "" || d.ReasonEN == "" {
				t.Error("decision without an explanation")
			}
			// The deciding rule is always in the trace (except the two terminal outcome rules).
			if d.RuleID != "manual_review" && d.RuleID != "complaint_review" && !slices.ContainsFunc(d.Trace, func(c Check) bool { return c.RuleID == d.RuleID }) {
				t.Errorf("rule %s missing from trace %+v", d.RuleID, d.Trace)
			}
			for _, must := range tc.mustPass {
				if !slices.ContainsFunc(d.Trace, func(c Check) bool { return c.RuleID == must && c.Passed }) {
					t.Errorf("rule %s did not pass; trace %+v", must, d.Trace)
				}
			}
		})
	}
}

func TestEvaluateBadInput(t *testing.T) {
	cases := []struct {
		name  string
		p     Policy
		r     Request
		field string
	}{
		{"unknown kind", DefaultPolicy(), req(func(r *Request) { r.Kind = "gift" }), "kind"},
		{"unknown tier", DefaultPolicy(), req(func(r *Request) { r.Tier = "diamond" }), "tier"},
		{"unknown reason", DefaultPolicy(), req(func(r *Request) { r.Reason = "bored" }), "reason"},
		{"no time", DefaultPolicy(), req(func(r *Request) { r.Now = time.Time{} }), "now"},
		{"negative amount", DefaultPolicy(), req(func(r *Request) { r.Amount = -1 }), "amount"},
		{"absurd amount", DefaultPolicy(), req(func(r *Request) { r.Amount = MaxMoney + 1 }), "amount"},
		{"negative photos", DefaultPolicy(), req(func(r *Request) { r.EvidencePhotos = -1 }), "evidence_photos"},
		{"no items", DefaultPolicy(), req(func(r *Request) { r.Items = nil }), "items"},
		{"zero qty item", DefaultPolicy(), req(func(r *Request) { r.Items = []Item{{SKU: "x"}} }), "items[0].qty"},
		{"price protection without purchase time", DefaultPolicy(), req(func(r *Request) { r.Kind = KindPriceProtection; r.PaidAt = time.Time{}; r.Qty = 1; r.PaidUnitPrice = 1 }), "paid_at"},
		{"price protection without qty", DefaultPolicy(), req(func(r *Request) { r.Kind = KindPriceProtection; r.PaidUnitPrice = 1 }), "qty"},
		{"price protection without price", DefaultPolicy(), req(func(r *Request) { r.Kind = KindPriceProtection; r.Qty = 1 }), "paid_unit_price"},
		{"invalid policy", Policy{}, req(nil), "tiers.regular"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Evaluate(tc.p, tc.r)
			ae, ok := apperr.As(err)
			if !ok || ae.Field != tc.field {
				t.Fatalf("got %v, want an error on %s", err, tc.field)
			}
		})
	}
}

// A shop can change every rule through the policy data.
func TestEvaluateCustomPolicy(t *testing.T) {
	p := DefaultPolicy()
	p.NoReasonExcluded = nil
	p.EvidenceRequiredFor, p.MinEvidencePhotos = []Reason{ReasonMissingParts}, 3
	tp := p.Tiers[TierSilver]
	tp.ReturnWindowDays, tp.QualityWindowDays, tp.QualityExchangeDays, tp.AutoApproveBelow, tp.FreeReturnShipping = 10, 20, 20, 5_000, true
	p.Tiers[TierSilver] = tp
	p.TransitDamageReportHours = 0 // no 48-hour limit on missing parts

	d, _ := Evaluate(p, req(func(r *Request) { r.Items = []Item{snacks}; r.Tier = TierSilver; r.Now = day(10); r.Amount = 4_000 }))
	if d.Outcome != OutcomeAutoApprove || d.ReturnShippingPaidBy != PayerShop || d.ShippingRuleID != "tier_free_return_shipping" {
		t.Fatalf("custom silver: %+v", d)
	}
	d, _ = Evaluate(p, req(func(r *Request) { r.Reason = ReasonMissingParts; r.EvidencePhotos = 2 }))
	if d.RuleID != "evidence_required" || !strings.Contains(d.ReasonEN, "3 photo") {
		t.Fatalf("custom evidence: %+v", d)
	}
	d, _ = Evaluate(p, req(func(r *Request) { r.Reason = ReasonQuality }))
	if d.RuleID != "manual_review" {
		t.Fatalf("quality without photo rule: %+v", d)
	}
}
