package aftersales

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"kefu/internal/apperr"
)

// Money is an amount in fen (0.01 CNY). Integer arithmetic keeps refunds exact.
type Money int64

// MaxMoney bounds any single amount (¥100 billion) so products with quantities never overflow.
const MaxMoney Money = 10_000_000_000_000

// String renders "¥12.34".
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, m/100, m%100)
}

// Tier is a customer tier (会员等级); policies differ by tier.
type Tier string

const (
	TierRegular Tier = "regular"
	TierSilver  Tier = "silver"
	TierGold    Tier = "gold"
	TierVIP     Tier = "vip"
)

// Tiers lists every tier, lowest first.
var Tiers = []Tier{TierRegular, TierSilver, TierGold, TierVIP}

// ParseTier reads a tier; an empty string is a regular customer.
func ParseTier(s string) (Tier, error) {
	t := Tier(strings.ToLower(strings.TrimSpace(s)))
	if t == "" {
		return TierRegular, nil
	}
	if !slices.Contains(Tiers, t) {
		return "", apperr.Invalid("tier", fmt.Sprintf("unknown tier %q (want regular, silver, gold or vip)", s))
	}
	return t, nil
}

// Reason is why the customer wants after-sales service.
type Reason string

const (
	ReasonNoReason       Reason = "no_reason" // 七天无理由
	ReasonQuality        Reason = "quality"
	ReasonDamaged        Reason = "damaged"
	ReasonWrongItem      Reason = "wrong_item"
	ReasonMissingParts   Reason = "missing_parts"
	ReasonNotAsDescribed Reason = "not_as_described"
	ReasonPriceDrop      Reason = "price_drop"
	ReasonService        Reason = "service" // complaints about service
	ReasonOther          Reason = "other"
)

// Reasons lists every reason.
var Reasons = []Reason{ReasonNoReason, ReasonQuality, ReasonDamaged, ReasonWrongItem, ReasonMissingParts,
	ReasonNotAsDescribed, ReasonPriceDrop, ReasonService, ReasonOther}

// ShopFault reports whether the reason is the shop's responsibility: then the shop pays return
// shipping and the longer quality window applies.
func (r Reason) ShopFault() bool {
	switch r {
	case ReasonQuality, ReasonDamaged, ReasonWrongItem, ReasonMissingParts, ReasonNotAsDescribed:
		return true
	}
	return false
}

// TierPolicy is what one customer tier gets. Windows are counted in days from delivery
// (purchase for price protection).
type TierPolicy struct {
	// ReturnWindowDays is the no-reason return/exchange window (七天无理由退货: at least 7).
	ReturnWindowDays int `json:"return_window_days"`
	// QualityWindowDays is the window for returns and refunds the shop is at fault for
	// (quality problems, wrong or damaged goods).
	QualityWindowDays int `json:"quality_window_days"`
	// QualityExchangeDays is the window for exchanging a faulty item; 0 means the same as
	// QualityWindowDays. Published policy: returns within 7 days, exchanges within 15.
	QualityExchangeDays int `json:"quality_exchange_days,omitempty"`
	// WarrantyDays is how long repairs are free (categories may have their own, see Policy).
	WarrantyDays int `json:"warranty_days"`
	// PriceProtectionDays is how long after purchase a price drop is refunded (价保).
	PriceProtectionDays int `json:"price_protection_days"`
	// AutoApproveBelow approves eligible requests under this amount without review; 0 never does.
	AutoApproveBelow Money `json:"auto_approve_below"`
	// FreeReturnShipping means the shop always pays return shipping, even for no-reason returns.
	FreeReturnShipping bool `json:"free_return_shipping"`
	// FreeReturnPickupsPerMonth is a monthly allowance of free no-reason return pickups for
	// tiers without FreeReturnShipping (silver: 1 per calendar month).
	FreeReturnPickupsPerMonth int `json:"free_return_pickups_per_month,omitempty"`
	// ReturnShipmentDays is how long after the return is requested the customer has to ship
	// the goods back (calendar days, ending 23:59:59 Beijing time); then the case expires.
	// 0 means DefaultReturnShipmentDays.
	ReturnShipmentDays int `json:"return_shipment_days,omitempty"`
}

// DefaultReturnShipmentDays is the published policy: 7 days to ship a return after approval.
const DefaultReturnShipmentDays = 7

// ShipmentDays is the return-shipment deadline in days with its default applied.
func (tp TierPolicy) ShipmentDays() int {
	if tp.ReturnShipmentDays > 0 {
		return tp.ReturnShipmentDays
	}
	return DefaultReturnShipmentDays
}

// ExchangeWindowDays is the quality exchange window with its default applied.
func (tp TierPolicy) ExchangeWindowDays() int {
	if tp.QualityExchangeDays > 0 {
		return tp.QualityExchangeDays
	}
	return tp.QualityWindowDays
}

// Policy is one shop's after-sales policy. It is data: stored as JSON, edited by the shop,
// checked by Validate before use.
type Policy struct {
	Tiers map[Tier]TierPolicy `json:"tiers"`
	// NoReasonExcluded are product categories (catalogue slugs) that cannot be returned without
	// a reason (food, underwear… as the law allows).
	NoReasonExcluded []string `json:"no_reason_excluded_categories"`
	// NoReasonExcludedTags are product tags that exclude a product from no-reason returns
	// whatever its category (personalised goods, hygiene items, perishables).
	NoReasonExcludedTags []string `json:"no_reason_excluded_tags,omitempty"`
	// EvidenceRequiredFor lists reasons that need photos; MinEvidencePhotos how many.
	EvidenceRequiredFor []Reason `json:"evidence_required_for"`
	MinEvidencePhotos   int      `json:"min_evidence_photos"`
	// RefundShippingOnShopFault refunds the original shipping fee when the shop is at fault.
	RefundShippingOnShopFault bool `json:"refund_shipping_on_shop_fault"`
	// RefundShippingBeforeShipment refunds the shipping fee when an unshipped order is refunded in full.
	RefundShippingBeforeShipment bool `json:"refund_shipping_before_shipment"`
	// CategoryWarrantyDays overrides the tier's warranty for catalogue categories with a
	// shorter (or longer) one, e.g. shoes and bags: 90 days. The shortest one among the
	// case's items applies.
	CategoryWarrantyDays map[string]int `json:"category_warranty_days,omitempty"`
	// TransitDamageReportHours: damage in transit and missing items must be reported within
	// this many hours of delivery; 0 means no limit beyond the quality window.
	TransitDamageReportHours int `json:"transit_damage_report_hours,omitempty"`
	// RefundOnlyQualityBelow: after delivery, a quality problem is refunded without return only
	// for amounts under this (the customer keeps a cheap item); 0 means no limit.
	RefundOnlyQualityBelow Money `json:"refund_only_quality_below,omitempty"`
}

// DefaultPolicy is the shop's published policy (internal/demo/content/policy.md, which is what
// customers are promised): no-reason returns within 7 days (regular, silver), 15 (gold) or 30
// (VIP) of sign-for; quality returns within 7 days and exchanges within 15 (gold and VIP may use
// their longer no-reason window); one-year warranty (shoes and bags 90 days); 15-day price
// protection for everyone; free return pickup for gold and VIP, once a month for silver; food,
// underwear and personalised, hygiene or perishable products are not returnable without a
// reason; damage in transit and missing items reported within 48 hours; refund without return
// for quality problems under ¥30; 7 days to ship a return after approval. Auto-approval (gold under ¥200, VIP under ¥1,000) is the
// shop's internal choice, not a promise, so policy.md does not mention it.
func DefaultPolicy() Policy {
	return Policy{
		Tiers: map[Tier]TierPolicy{
			TierRegular: {ReturnWindowDays: 7, QualityWindowDays: 7, QualityExchangeDays: 15, WarrantyDays: 365, PriceProtectionDays: 15, ReturnShipmentDays: 7},
			TierSilver: {ReturnWindowDays: 7, QualityWindowDays: 7, QualityExchangeDays: 15, WarrantyDays: 365, PriceProtectionDays: 15,
				FreeReturnPickupsPerMonth: 1, ReturnShipmentDays: 7},
			TierGold: {ReturnWindowDays: 15, QualityWindowDays: 15, QualityExchangeDays: 15, WarrantyDays: 365, PriceProtectionDays: 15,
				AutoApproveBelow: 20_000, FreeReturnShipping: true, ReturnShipmentDays: 7},
			TierVIP: {ReturnWindowDays: 30, QualityWindowDays: 30, QualityExchangeDays: 30, WarrantyDays: 365, PriceProtectionDays: 15,
				AutoApproveBelow: 100_000, FreeReturnShipping: true, ReturnShipmentDays: 7},
		},
		NoReasonExcluded:             []string{"food", "underwear"},
		NoReasonExcludedTags:         []string{"personalised", "hygiene", "perishable"},
		EvidenceRequiredFor:          []Reason{ReasonQuality, ReasonDamaged, ReasonWrongItem, ReasonNotAsDescribed},
		MinEvidencePhotos:            1,
		RefundShippingOnShopFault:    true,
		RefundShippingBeforeShipment: true,
		CategoryWarrantyDays:         map[string]int{"shoes": 90, "bags": 90},
		TransitDamageReportHours:     48,
		RefundOnlyQualityBelow:       3_000,
	}
}

// Validate checks the policy is complete and sensible, naming the offending field.
func (p Policy) Validate() error {
	for _, t := range Tiers {
		tp, ok := p.Tiers[t]
		f := "tiers." + string(t)
		if !ok {
			return apperr.Invalid(f, fmt.Sprintf("the policy has no settings for tier %q", t))
		}
		switch {
		case tp.ReturnWindowDays < 7 || tp.ReturnWindowDays > 365:
			// The Consumer Rights Protection Law gives 7 days for online purchases; less is not allowed.
			return apperr.Invalid(f+".return_window_days", "must be between 7 (the legal minimum) and 365 days")
		case tp.QualityWindowDays < tp.ReturnWindowDays || tp.QualityWindowDays > 365:
			return apperr.Invalid(f+".quality_window_days", "must be at least the return window and at most 365 days")
		case tp.QualityExchangeDays != 0 && (tp.QualityExchangeDays < tp.QualityWindowDays || tp.QualityExchangeDays > 365):
			return apperr.Invalid(f+".quality_exchange_days", "must be 0 (same as the quality window) or between the quality window and 365 days")
		case tp.FreeReturnPickupsPerMonth < 0 || tp.FreeReturnPickupsPerMonth > 31:
			return apperr.Invalid(f+".free_return_pickups_per_month", "must be between 0 and 31")
		case tp.WarrantyDays < 0 || tp.WarrantyDays > 3650:
			return apperr.Invalid(f+".warranty_days", "must be between 0 and 3650 days")
		case tp.PriceProtectionDays < 0 || tp.PriceProtectionDays > 365:
			return apperr.Invalid(f+".price_protection_days", "must be between 0 and 365 days")
		case tp.AutoApproveBelow < 0 || tp.AutoApproveBelow > MaxMoney:
			return apperr.Invalid(f+".auto_approve_below", "must be between 0 and "+MaxMoney.String())
		case tp.ReturnShipmentDays < 0 || tp.ReturnShipmentDays > 60:
			return apperr.Invalid(f+".return_shipment_days", "must be between 0 (the default, 7) and 60 days")
		}
	}
	for t := range p.Tiers {
		if !slices.Contains(Tiers, t) {
			return apperr.Invalid("tiers", fmt.Sprintf("unknown tier %q", t))
		}
	}
	for i, c := range p.NoReasonExcluded {
		if strings.TrimSpace(c) == "" || c != strings.ToLower(strings.TrimSpace(c)) {
			return apperr.Invalid(fmt.Sprintf("no_reason_excluded_categories[%d]", i), "category codes are non-empty, lower-case and trimmed")
		}
	}
	for i, c := range p.NoReasonExcludedTags {
		if strings.TrimSpace(c) == "" || c != strings.ToLower(strings.TrimSpace(c)) {
			return apperr.Invalid(fmt.Sprintf("no_reason_excluded_tags[%d]", i), "tags are non-empty, lower-case and trimmed")
		}
	}
	for c, days := range p.CategoryWarrantyDays {
		if strings.TrimSpace(c) == "" || c != strings.ToLower(strings.TrimSpace(c)) {
			return apperr.Invalid("category_warranty_days", fmt.Sprintf("category code %q must be non-empty, lower-case and trimmed", c))
		}
		if days < 0 || days > 3650 {
			return apperr.Invalid("category_warranty_days."+c, "must be between 0 and 3650 days")
		}
	}
	if p.TransitDamageReportHours < 0 || p.TransitDamageReportHours > 24*30 {
		return apperr.Invalid("transit_damage_report_hours", "must be between 0 (no limit) and 720 hours")
	}
	if p.RefundOnlyQualityBelow < 0 || p.RefundOnlyQualityBelow > MaxMoney {
		return apperr.Invalid("refund_only_quality_below", "must be between 0 and "+MaxMoney.String())
	}
	for i, r := range p.EvidenceRequiredFor {
		if !slices.Contains(Reasons, r) {
			return apperr.Invalid(fmt.Sprintf("evidence_required_for[%d]", i), fmt.Sprintf("unknown reason %q", r))
		}
	}
	if p.MinEvidencePhotos < 0 || p.MinEvidencePhotos > 9 {
		return apperr.Invalid("min_evidence_photos", "must be between 0 and 9")
	}
	if len(p.EvidenceRequiredFor) > 0 && p.MinEvidencePhotos == 0 {
		return apperr.Invalid("min_evidence_photos", "evidence is required for some reasons, so at least 1 photo")
	}
	return nil
}

// ParsePolicy reads and validates a policy from JSON; unknown fields are rejected so a typo
// ("retrun_window_days") is an error rather than a silently ignored setting.
func ParsePolicy(b []byte) (Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return Policy{}, apperr.BadRequest("invalid_policy", "after-sales policy: "+err.Error())
	}
	return p, p.Validate()
}

// For returns the settings of a tier (regular when unknown — the safe default).
func (p Policy) For(t Tier) TierPolicy {
	if tp, ok := p.Tiers[t]; ok {
		return tp
	}
	return p.Tiers[TierRegular]
}
