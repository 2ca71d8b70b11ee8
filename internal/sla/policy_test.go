package sla

import (
	"encoding/json"
	"testing"
	"time"

	"kefu/internal/apperr"
)

func TestDefaultPoliciesValidAndLookup(t *testing.T) {
	s := DefaultPolicies()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		prio, tier, name string
		fr, res          time.Duration
	}{
		{"urgent", "regular", "urgent", 30 * time.Minute, 8 * time.Hour},
		{"urgent", "vip", "vip-urgent", 15 * time.Minute, 4 * time.Hour},
		{"high", "gold", "high", 2 * time.Hour, 24 * time.Hour},
		{"normal", "", "normal", 8 * time.Hour, 72 * time.Hour},
		{"low", "vip", "vip-low", 8 * time.Hour, 72 * time.Hour},
	}
	for _, tc := range cases {
		p, err := s.Lookup(tc.prio, tc.tier)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != tc.name || time.Duration(p.FirstResponse) != tc.fr || time.Duration(p.Resolution) != tc.res {
			t.Errorf("Lookup(%s,%s) = %+v", tc.prio, tc.tier, p)
		}
	}
	if _, err := s.Lookup("critical", "vip"); err == nil {
		t.Fatal("unknown priority found a policy")
	}
	// Round trip through JSON keeps every value.
	b, _ := json.Marshal(s)
	back, err := ParsePolicies(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Policies) != len(s.Policies) || back.Policies[4].FirstResponse != s.Policies[4].FirstResponse {
		t.Fatalf("round trip lost data: %s", b)
	}
}

func TestPolicyValidation(t *testing.T) {
	mk := func(mut func(*Policy)) PolicySet {
		s := DefaultPolicies()
		mut(&s.Policies[0])
		return s
	}
	cases := []struct {
		name  string
		set   PolicySet
		field string
	}{
		{"empty name", mk(func(p *Policy) { p.Name = " " }), "policies[0].name"},
		{"unknown priority", mk(func(p *Policy) { p.Priority = "critical" }), "policies[0].priority"},
		{"unknown tier", mk(func(p *Policy) { p.Tier = "platinum" }), "policies[0].tier"},
		{"zero first response", mk(func(p *Policy) { p.FirstResponse = 0 }), "policies[0].first_response"},
		{"resolution shorter than first response", mk(func(p *Policy) { p.Resolution = Duration(time.Minute) }), "policies[0].resolution"},
		{"warn percent 0", mk(func(p *Policy) { p.WarnAtPercent = 0 }), "policies[0].warn_at_percent"},
		{"warn percent 100", mk(func(p *Policy) { p.WarnAtPercent = 100 }), "policies[0].warn_at_percent"},
		{"bad breach action", mk(func(p *Policy) { p.OnBreach = []string{"explode"} }), "policies[0].on_breach"},
		{"duplicate", PolicySet{Policies: append(DefaultPolicies().Policies, DefaultPolicies().Policies[1])}, "policies[8]"},
		{"no catch-all for urgent", PolicySet{Policies: DefaultPolicies().Policies[1:]}, "policies"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ae, ok := apperr.As(tc.set.Validate())
			if !ok || ae.Field != tc.field {
				t.Fatalf("got %v, want field %s", ae, tc.field)
			}
		})
	}
	for _, bad := range []string{`{"policies":[{"name":"x","first_response":"soon"}]}`, `{"policies":[],"x":1}`, `[`} {
		if _, err := ParsePolicies([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestPolicyDue(t *testing.T) {
	cn := ChinaHours()
	p, _ := DefaultPolicies().Lookup("high", "regular") // 2h / 24h, warn at 75%
	tg := p.Start(cst("2026-03-02 09:00"))
	d := p.Due(tg, cn)
	want := Due{
		FirstResponse:     cst("2026-03-02 11:00"),
		FirstResponseWarn: cst("2026-03-02 10:30"),
		Resolution:        cst("2026-03-04 15:00"),
		// 18h of business time ends exactly at Tuesday's closing; a deadline that uses up a
		// working day lands on that day's close, not the next opening.
		ResolutionWarn: cst("2026-03-03 18:00"),
	}
	if d != want {
		t.Fatalf("due = %+v\nwant  %+v", d, want)
	}
	tg.FirstResponse = tg.FirstResponse.Stop(cst("2026-03-02 09:05"))
	if d := p.Due(tg, cn); !d.FirstResponse.IsZero() || d.Resolution.IsZero() {
		t.Fatalf("a met first response should have nothing left to schedule: %+v", d)
	}
}
