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
	// QualityWindowDays is the window for returns and exchanges the shop is at fault for.
	QualityWindowDays int `json:"quality_window_days"`
	// WarrantyDays is how long repairs are free.
	WarrantyDays int `json:"warranty_days"`
	// PriceProtectionDays is how long after purchase a price drop is refunded (价保).
	PriceProtectionDays int `json:"price_protection_days"`
	// AutoApproveBelow approves eligible requests under this amount without review; 0 never does.
	AutoApproveBelow Money `json:"auto_approve_below"`
	// FreeReturnShipping means the shop pays return shipping even for no-reason returns.
	FreeReturnShipping bool `json:"free_return_shipping"`
}

// Policy is one shop's after-sales policy. It is data: stored as JSON, edited by the shop,
// checked by Validate before use.
type Policy struct {
	Tiers map[Tier]TierPolicy `json:"tiers"`
	// NoReasonExcluded are product categories that cannot be returned without a reason
	// (food, underwear, customised goods… as the law allows).
	NoReasonExcluded []string `json:"no_reason_excluded_categories"`
	// EvidenceRequiredFor lists reasons that need photos; MinEvidencePhotos how many.
	EvidenceRequiredFor []Reason `json:"evidence_required_for"`
	MinEvidencePhotos   int      `json:"min_evidence_photos"`
	// RefundShippingOnShopFault refunds the original shipping fee when the shop is at fault.
	RefundShippingOnShopFault bool `json:"refund_shipping_on_shop_fault"`
	// RefundShippingBeforeShipment refunds the shipping fee when an unshipped order is refunded in full.
	RefundShippingBeforeShipment bool `json:"refund_shipping_before_shipment"`
}

// DefaultPolicy: 7-day no-reason returns for everyone (15 gold, 30 VIP), 15 days for quality
// problems, one-year warranty, photos for quality claims, auto-approval for gold under ¥200 and
// VIP under ¥1,000, free return shipping for VIP.
func DefaultPolicy() Policy {
	return Policy{
		Tiers: map[Tier]TierPolicy{
			TierRegular: {ReturnWindowDays: 7, QualityWindowDays: 15, WarrantyDays: 365, PriceProtectionDays: 7},
			TierSilver:  {ReturnWindowDays: 7, QualityWindowDays: 15, WarrantyDays: 365, PriceProtectionDays: 7},
			TierGold: {ReturnWindowDays: 15, QualityWindowDays: 15, WarrantyDays: 365, PriceProtectionDays: 15,
				AutoApproveBelow: 20_000},
			TierVIP: {ReturnWindowDays: 30, QualityWindowDays: 30, WarrantyDays: 730, PriceProtectionDays: 30,
				AutoApproveBelow: 100_000, FreeReturnShipping: true},
		},
		NoReasonExcluded:             []string{"food", "fresh", "underwear", "cosmetics_opened", "customized", "digital_download"},
		EvidenceRequiredFor:          []Reason{ReasonQuality, ReasonDamaged, ReasonWrongItem, ReasonNotAsDescribed},
		MinEvidencePhotos:            1,
		RefundShippingOnShopFault:    true,
		RefundShippingBeforeShipment: true,
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
		case tp.WarrantyDays < 0 || tp.WarrantyDays > 3650:
			return apperr.Invalid(f+".warranty_days", "must be between 0 and 3650 days")
		case tp.PriceProtectionDays < 0 || tp.PriceProtectionDays > 365:
			return apperr.Invalid(f+".price_protection_days", "must be between 0 and 365 days")
		case tp.AutoApproveBelow < 0 || tp.AutoApproveBelow > MaxMoney:
			return apperr.Invalid(f+".auto_approve_below", "must be between 0 and "+MaxMoney.String())
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
