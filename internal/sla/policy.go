package sla

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kefu/internal/apperr"
)

// Duration is a time.Duration written as "4h30m" in JSON so policies stay human-editable.
type Duration time.Duration

// MarshalJSON writes "4h0m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "4h", "90m" or "1h30m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string like \"4h\" or \"30m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: want a string like \"4h\" or \"30m\"", s)
	}
	*d = Duration(v)
	return nil
}

// Priorities and tiers the policies are keyed by. They are plain strings here (the ticket and
// crm packages own the richer types) so sla stays a leaf package.
var (
	Priorities = []string{"urgent", "high", "normal", "low"}
	Tiers      = []string{"regular", "silver", "gold", "vip"}
)

// Breach actions a policy may ask for when a target is missed.
const (
	OnBreachNotifySupervisor = "notify_supervisor"
	OnBreachReassign         = "reassign"
	OnBreachRaisePriority    = "raise_priority"
)

// Policy sets the business-time targets for tickets of one priority (and optionally one tier).
type Policy struct {
	Name     string `json:"name"`
	Priority string `json:"priority"`
	// Tier narrows the policy to one customer tier; empty applies to every tier.
	Tier          string   `json:"tier,omitempty"`
	FirstResponse Duration `json:"first_response"`
	Resolution    Duration `json:"resolution"`
	// WarnAtPercent is how much of a target may elapse before agents are warned (1-99).
	WarnAtPercent int      `json:"warn_at_percent"`
	OnBreach      []string `json:"on_breach,omitempty"`
}

// WarnBefore is the business time before a target's deadline at which the warning fires.
func (p Policy) WarnBefore(target time.Duration) time.Duration {
	return target * time.Duration(100-p.WarnAtPercent) / 100
}

// PolicySet is a shop's SLA configuration.
type PolicySet struct {
	Policies []Policy `json:"policies"`
}

// DefaultPolicies are sensible starting targets (business time): VIP customers get roughly
// half the time of everyone else, and an urgent ticket is answered within half an hour.
func DefaultPolicies() PolicySet {
	esc := []string{OnBreachNotifySupervisor}
	mk := func(name, prio, tier string, fr, res time.Duration) Policy {
		return Policy{Name: name, Priority: prio, Tier: tier, FirstResponse: Duration(fr),
			Resolution: Duration(res), WarnAtPercent: 75, OnBreach: esc}
	}
	return PolicySet{Policies: []Policy{
		mk("urgent", "urgent", "", 30*time.Minute, 8*time.Hour),
		mk("high", "high", "", 2*time.Hour, 24*time.Hour),
		mk("normal", "normal", "", 8*time.Hour, 72*time.Hour),
		mk("low", "low", "", 24*time.Hour, 120*time.Hour),
		mk("vip-urgent", "urgent", "vip", 15*time.Minute, 4*time.Hour),
		mk("vip-high", "high", "vip", time.Hour, 12*time.Hour),
		mk("vip-normal", "normal", "vip", 4*time.Hour, 36*time.Hour),
		mk("vip-low", "low", "vip", 8*time.Hour, 72*time.Hour),
	}}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Validate checks every policy and that each priority has a catch-all (tier-less) policy, so
// Lookup never fails for a valid priority.
func (s PolicySet) Validate() error {
	seen := map[string]bool{}
	for i, p := range s.Policies {
		field := fmt.Sprintf("policies[%d]", i)
		if strings.TrimSpace(p.Name) == "" {
			return apperr.Invalid(field+".name", "a policy needs a name")
		}
		if !contains(Priorities, p.Priority) {
			return apperr.Invalid(field+".priority", fmt.Sprintf("unknown priority %q (want urgent, high, normal or low)", p.Priority))
		}
		if p.Tier != "" && !contains(Tiers, p.Tier) {
			return apperr.Invalid(field+".tier", fmt.Sprintf("unknown tier %q (want regular, silver, gold, vip or empty)", p.Tier))
		}
		if p.FirstResponse <= 0 {
			return apperr.Invalid(field+".first_response", "first-response target must be positive")
		}
		if p.Resolution < p.FirstResponse {
			return apperr.Invalid(field+".resolution", "resolution target must not be shorter than the first-response target")
		}
		if p.WarnAtPercent < 1 || p.WarnAtPercent > 99 {
			return apperr.Invalid(field+".warn_at_percent", "warn_at_percent must be between 1 and 99")
		}
		for _, a := range p.OnBreach {
			if a != OnBreachNotifySupervisor && a != OnBreachReassign && a != OnBreachRaisePriority {
				return apperr.Invalid(field+".on_breach", fmt.Sprintf("unknown breach action %q", a))
			}
		}
		key := p.Priority + "/" + p.Tier
		if seen[key] {
			return apperr.Invalid(field, fmt.Sprintf("two policies for priority %q and tier %q", p.Priority, p.Tier))
		}
		seen[key] = true
	}
	for _, prio := range Priorities {
		if !seen[prio+"/"] {
			return apperr.Invalid("policies", fmt.Sprintf("no policy for priority %q that applies to every tier", prio))
		}
	}
	return nil
}

// ParsePolicies reads and validates a policy set from JSON.
func ParsePolicies(b []byte) (PolicySet, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s PolicySet
	if err := dec.Decode(&s); err != nil {
		return PolicySet{}, apperr.BadRequest("invalid_sla_policy", err.Error())
	}
	return s, s.Validate()
}

// Lookup picks the policy for a priority and tier: a tier-specific policy wins over the
// catch-all one.
func (s PolicySet) Lookup(priority, tier string) (Policy, error) {
	var fallback *Policy
	for i := range s.Policies {
		p := &s.Policies[i]
		if p.Priority != priority {
			continue
		}
		if p.Tier != "" && p.Tier == tier {
			return *p, nil
		}
		if p.Tier == "" && fallback == nil {
			fallback = p
		}
	}
	if fallback == nil {
		return Policy{}, apperr.Invalid("priority", fmt.Sprintf("no SLA policy for priority %q", priority))
	}
	return *fallback, nil
}

// Targets are the two clocks a new ticket starts with.
type Targets struct {
	Policy        string `json:"policy"`
	FirstResponse Clock  `json:"first_response"`
	Resolution    Clock  `json:"resolution"`
}

// Start begins both clocks of a policy at the given instant.
func (p Policy) Start(at time.Time) Targets {
	return Targets{
		Policy:        p.Name,
		FirstResponse: NewClock(at, time.Duration(p.FirstResponse)),
		Resolution:    NewClock(at, time.Duration(p.Resolution)),
	}
}

// Due are the absolute instants derived from a ticket's clocks, what a job scheduler needs.
type Due struct {
	FirstResponse     time.Time `json:"first_response_due,omitzero"`
	FirstResponseWarn time.Time `json:"first_response_warn,omitzero"`
	Resolution        time.Time `json:"resolution_due,omitzero"`
	ResolutionWarn    time.Time `json:"resolution_warn,omitzero"`
}

// Due computes deadlines and warning instants; a paused or stopped clock yields zero times
// (nothing to schedule until it runs again).
func (p Policy) Due(t Targets, h BusinessHours) Due {
	var d Due
	if !t.FirstResponse.IsStopped() {
		d.FirstResponse, _ = t.FirstResponse.Deadline(h)
		d.FirstResponseWarn, _ = t.FirstResponse.WarnAt(p.WarnBefore(t.FirstResponse.Target), h)
	}
	if !t.Resolution.IsStopped() {
		d.Resolution, _ = t.Resolution.Deadline(h)
		d.ResolutionWarn, _ = t.Resolution.WarnAt(p.WarnBefore(t.Resolution.Target), h)
	}
	return d
}
