package aftersales

import (
	"slices"

	"encoding/json"
	"kefu/internal/demo/content"
	"testing"

	"kefu/internal/apperr"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[Tier]int{TierRegular: 7, TierSilver: 7, TierGold: 15, TierVIP: 30}
	for tier, days := range want {
		if got := p.For(tier).ReturnWindowDays; got != days {
			t.Errorf("%s return window = %d, want %d", tier, got, days)
		}
	}
	if p.For("diamond") != p.For(TierRegular) {
		t.Error("unknown tier should get the regular settings")
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePolicy(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.For(TierVIP) != p.For(TierVIP) || len(back.NoReasonExcluded) != len(p.NoReasonExcluded) {
		t.Fatalf("round trip lost data: %s", b)
	}
}

func TestPolicyValidation(t *testing.T) {
	mut := func(f func(*Policy)) Policy {
		p := DefaultPolicy()
		p.Tiers = map[Tier]TierPolicy{}
		for k, v := range DefaultPolicy().Tiers {
			p.Tiers[k] = v
		}
		f(&p)
		return p
	}
	setTier := func(t Tier, f func(*TierPolicy)) func(*Policy) {
		return func(p *Policy) { tp := p.Tiers[t]; f(&tp); p.Tiers[t] = tp }
	}
	cases := []struct {
		name  string
		p     Policy
		field string
	}{
		{"missing tier", mut(func(p *Policy) { delete(p.Tiers, TierSilver) }), "tiers.silver"},
		{"unknown tier", mut(func(p *Policy) { p.Tiers["diamond"] = p.Tiers[TierVIP] }), "tiers"},
		{"return window below the legal 7 days", mut(setTier(TierRegular, func(t *TierPolicy) { t.ReturnWindowDays = 6 })), "tiers.regular.return_window_days"},
		{"return window over a year", mut(setTier(TierVIP, func(t *TierPolicy) { t.ReturnWindowDays = 400; t.QualityWindowDays = 400 })), "tiers.vip.return_window_days"},
		{"quality window shorter than return window", mut(setTier(TierGold, func(t *TierPolicy) { t.QualityWindowDays = 10 })), "tiers.gold.quality_window_days"},
		{"negative warranty", mut(setTier(TierGold, func(t *TierPolicy) { t.WarrantyDays = -1 })), "tiers.gold.warranty_days"},
		{"price protection too long", mut(setTier(TierGold, func(t *TierPolicy) { t.PriceProtectionDays = 366 })), "tiers.gold.price_protection_days"},
		{"negative auto-approve", mut(setTier(TierSilver, func(t *TierPolicy) { t.AutoApproveBelow = -1 })), "tiers.silver.auto_approve_below"},
		{"blank excluded category", mut(func(p *Policy) { p.NoReasonExcluded = []string{"food", " "} }), "no_reason_excluded_categories[1]"},
		{"upper-case excluded category", mut(func(p *Policy) { p.NoReasonExcluded = []string{"Food"} }), "no_reason_excluded_categories[0]"},
		{"unknown evidence reason", mut(func(p *Policy) { p.EvidenceRequiredFor = []Reason{"vibes"} }), "evidence_required_for[0]"},
		{"evidence without photos", mut(func(p *Policy) { p.MinEvidencePhotos = 0 }), "min_evidence_photos"},
		{"too many photos", mut(func(p *Policy) { p.MinEvidencePhotos = 10 }), "min_evidence_photos"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ae, ok := apperr.As(tc.p.Validate())
			if !ok || ae.Field != tc.field || ae.Status != 400 {
				t.Fatalf("got %v, want a 400 on %s", ae, tc.field)
			}
		})
	}
	// No evidence rules at all is fine with zero photos.
	p := mut(func(p *Policy) { p.EvidenceRequiredFor, p.MinEvidencePhotos = nil, 0 })
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"tiers":{},"retrun_window_days":7}`, `{"tiers":{"vip":{"return_window_days":"30"}}}`, `nope`} {
		_, err := ParsePolicy([]byte(bad))
		if ae, ok := apperr.As(err); !ok || ae.Status != 400 {
			t.Errorf("ParsePolicy(%s) = %v", bad, err)
		}
	}
	if _, err := ParsePolicy([]byte(`{"tiers":{}}`)); err == nil {
		t.Fatal("empty tiers accepted")
	}
	for s, want := range map[string]Tier{"": TierRegular, " VIP ": TierVIP, "gold": TierGold} {
		if got, err := ParseTier(s); err != nil || got != want {
			t.Errorf("ParseTier(%q) = %s %v", s, got, err)
		}
	}
	if _, err := ParseTier("platinum"); err == nil {
		t.Fatal("unknown tier accepted")
	}
	if Money(123456).String() != "¥1234.56" || Money(-5).String() != "-¥0.05" {
		t.Fatalf("money: %s %s", Money(123456), Money(-5))
	}
}

// DefaultPolicy is what customers are promised in the shop's published policy
// (internal/demo/content/policy.md, whose numbers content.Tiers() carries for code): this test
// fails when either side changes without the other.
func TestDefaultPolicyMatchesPublishedPolicy(t *testing.T) {
	p := DefaultPolicy()
	for _, pub := range content.Tiers() {
		tp, ok := p.Tiers[Tier(pub.Key)]
		if !ok {
			t.Errorf("published tier %q has no policy", pub.Key)
			continue
		}
		check := func(what string, got, want int) {
			if got != want {
				t.Errorf("%s %s: policy %d, published %d", pub.Key, what, got, want)
			}
		}
		check("return window", tp.ReturnWindowDays, pub.ReturnDays)
		check("quality return window", tp.QualityWindowDays, pub.QualityReturnDays)
		check("quality exchange window", tp.ExchangeWindowDays(), pub.QualityExchangeDays)
		check("warranty", tp.WarrantyDays, pub.WarrantyDays)
		check("price protection", tp.PriceProtectionDays, pub.PriceProtectionDays)
		switch pub.FreeReturnPickup {
		case "always":
			if !tp.FreeReturnShipping {
				t.Errorf("%s: published free pickup always, policy does not pay return shipping", pub.Key)
			}
		case "monthly":
			if tp.FreeReturnShipping || tp.FreeReturnPickupsPerMonth != 1 {
				t.Errorf("%s: published one free pickup a month, policy %+v", pub.Key, tp)
			}
		case "none":
			if tp.FreeReturnShipping || tp.FreeReturnPickupsPerMonth != 0 {
				t.Errorf("%s: published no free pickup, policy %+v", pub.Key, tp)
			}
		default:
			t.Errorf("%s: unknown free_return_pickup %q", pub.Key, pub.FreeReturnPickup)
		}
	}
	// Every catalogue category closed to no-reason returns is excluded by the engine too, and the
	// engine excludes no category the catalogue allows.
	for _, c := range content.Categories() {
		if excluded := slices.Contains(p.NoReasonExcluded, c.Slug); excluded == c.NoReasonReturn {
			t.Errorf("category %s: catalogue no_reason_return=%v, policy excluded=%v", c.Slug, c.NoReasonReturn, excluded)
		}
	}
	// The tags content.ReturnableWithoutReason treats as excluded.
	for _, tag := range []string{"personalised", "hygiene", "perishable"} {
		cat := content.Category{Slug: "apparel", NoReasonReturn: true}
		if content.ReturnableWithoutReason(content.Product{Tags: []string{tag}}, cat) || !slices.Contains(p.NoReasonExcludedTags, tag) {
			t.Errorf("tag %s: content and policy disagree", tag)
		}
	}
}
