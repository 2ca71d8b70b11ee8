package aftersales

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"kefu/internal/apperr"
)

// expected writes every workflow out by hand, independently of the machines table:
// "state event next actors" (actors: a=agent, s=system, c=customer). Anything not listed
// must be refused.
var expected = map[Kind]string{
	KindReturn: `
requested approve approved as
requested reject rejected as
requested cancel cancelled ac
approved request_return awaiting_return_shipment as
approved cancel cancelled ac
awaiting_return_shipment ship_return return_in_transit acs
awaiting_return_shipment cancel cancelled ac
awaiting_return_shipment expire expired s
expired reopen awaiting_return_shipment ac
expired close closed acs
return_in_transit receive received as
received pass_inspection inspected a
received fail_inspection rejected a
inspected refund refunded as
refunded close closed as
rejected appeal requested ac
rejected close closed acs`,
	KindRefundOnly: `
requested approve approved as
requested reject rejected as
requested cancel cancelled ac
approved refund refunded as
refunded close closed as
rejected appeal requested ac
rejected close closed acs`,
	KindExchange: `
requested approve approved as
requested reject rejected as
requested cancel cancelled ac
approved request_return awaiting_return_shipment as
approved cancel cancelled ac
awaiting_return_shipment ship_return return_in_transit acs
awaiting_return_shipment cancel cancelled ac
awaiting_return_shipment expire expired s
expired reopen awaiting_return_shipment ac
expired close closed acs
return_in_transit receive received as
received pass_inspection inspected a
received fail_inspection rejected a
inspected reship reshipped as
reshipped close closed acs
rejected appeal requested ac
rejected close closed acs`,
	KindRepair: `
requested approve approved as
requested reject rejected as
requested cancel cancelled ac
approved request_return awaiting_return_shipment as
approved cancel cancelled ac
awaiting_return_shipment ship_return return_in_transit acs
awaiting_return_shipment cancel cancelled ac
awaiting_return_shipment expire expired s
expired reopen awaiting_return_shipment ac
expired close closed acs
return_in_transit receive received as
received start_repair repairing a
received fail_inspection rejected a
repairing return_to_customer returned_to_customer as
returned_to_customer close closed acs
rejected appeal requested ac
rejected close closed acs`,
	KindPriceProtection: `
requested approve approved as
requested reject rejected as
requested cancel cancelled ac
approved refund refunded as
refunded close closed as
rejected appeal requested ac
rejected close closed acs`,
	KindComplaint: `
open investigate investigating a
open resolve resolved a
open cancel cancelled ac
investigating resolve resolved a
resolved close closed acs
resolved reopen investigating ac`,
}

var allEvents = []EventName{EventApprove, EventReject, EventRequestReturn, EventShipReturn, EventReceive,
	EventPassInspection, EventFailInspection, EventRefund, EventReship, EventStartRepair, EventReturnToCustomer,
	EventInvestigate, EventResolve, EventReopen, EventAppeal, EventExpire, EventCancel, EventClose}

var actorOf = map[byte]ActorKind{'a': ActorAgent, 's': ActorSystem, 'c': ActorCustomer}

// validEvent fills in what each event needs so the test exercises the workflow, not payloads.
func validEvent(n EventName) Event {
	return Event{Name: n, TrackingNumber: "SF1234567890", Amount: 100, Note: "checked"}
}

func TestTransitionTableExhaustive(t *testing.T) {
	for _, k := range Kinds {
		type key struct {
			s  State
			ev EventName
		}
		want := map[key]struct {
			next   State
			actors string
		}{}
		states := map[State]bool{StateClosed: true, StateCancelled: true}
		for _, line := range strings.Split(strings.TrimSpace(expected[k]), "\n") {
			f := strings.Fields(line)
			want[key{State(f[0]), EventName(f[1])}] = struct {
				next   State
				actors string
			}{State(f[2]), f[3]}
			states[State(f[0])], states[State(f[2])] = true, true
		}
		// The machine has exactly the states the table mentions.
		var wantStates []State
		for s := range states {
			wantStates = append(wantStates, s)
		}
		slices.Sort(wantStates)
		if got := States(k); !slices.Equal(got, wantStates) {
			t.Errorf("%s states = %v, want %v", k, got, wantStates)
		}
		for s := range states {
			for _, ev := range allEvents {
				for code, actor := range actorOf {
					c := Case{Kind: k, State: s}
					got, err := Transition(c, validEvent(ev), Actor{Kind: actor})
					w, listed := want[key{s, ev}]
					allowed := listed && strings.IndexByte(w.actors, code) >= 0
					if allowed {
						if err != nil || got.State != w.next {
							t.Errorf("%s: %s -%s-> by %s: got %s, %v; want %s", k, s, ev, actor, got.State, err, w.next)
						}
						continue
					}
					ae, ok := apperr.As(err)
					if !ok || ae.Status != 409 || got.State != s {
						t.Errorf("%s: %s -%s-> by %s should be a 409 leaving the state, got %v (%s)", k, s, ev, actor, err, got.State)
						continue
					}
					wantCode := "invalid_case_transition"
					switch {
					case IsTerminal(s):
						wantCode = "case_finished"
					case listed:
						wantCode = "actor_not_allowed"
					}
					if ae.Code != wantCode {
						t.Errorf("%s: %s -%s-> by %s: code %s, want %s", k, s, ev, actor, ae.Code, wantCode)
					}
				}
			}
		}
	}
}

func TestTransitionPayloads(t *testing.T) {
	agent, cust := Actor{Kind: ActorAgent}, Actor{Kind: ActorCustomer}
	awaiting := Case{Kind: KindReturn, State: StateAwaitingReturnShipment}
	cases := []struct {
		name  string
		c     Case
		ev    Event
		actor Actor
		field string // "" = success
		check func(Case) bool
	}{
		{"tracking normalised", awaiting, Event{Name: EventShipReturn, TrackingNumber: " sf 1234 5678 90 "}, cust, "",
			func(c Case) bool { return c.ReturnTracking == "SF1234567890" }},
		{"tracking required", awaiting, Event{Name: EventShipReturn}, cust, "tracking_number", nil},
		{"tracking too short", awaiting, Event{Name: EventShipReturn, TrackingNumber: "12"}, cust, "tracking_number", nil},
		{"tracking with symbols", awaiting, Event{Name: EventShipReturn, TrackingNumber: "SF123;DROP TABLE"}, cust, "tracking_number", nil},
		{"tracking with full-width digits", awaiting, Event{Name: EventShipReturn, TrackingNumber: "ＳＦ１２３４５６７"}, cust, "tracking_number", nil},
		{"reject needs a note", Case{Kind: KindReturn, State: StateRequested}, Event{Name: EventReject, Note: "  "}, agent, "note", nil},
		{"reject note kept", Case{Kind: KindReturn, State: StateRequested}, Event{Name: EventReject, Note: "超出七天"}, agent, "",
			func(c Case) bool { return c.LastNote == "超出七天" }},
		{"overlong note", Case{Kind: KindReturn, State: StateRequested}, Event{Name: EventReject, Note: strings.Repeat("长", MaxNoteLen+1)}, agent, "note", nil},
		{"failed inspection needs a note", Case{Kind: KindRepair, State: StateReceived}, Event{Name: EventFailInspection}, agent, "note", nil},
		{"refund needs an amount", Case{Kind: KindRefundOnly, State: StateApproved}, Event{Name: EventRefund}, agent, "amount", nil},
		{"refund within the approved limit", Case{Kind: KindRefundOnly, State: StateApproved, RefundLimit: 5000}, Event{Name: EventRefund, Amount: 5000}, agent, "",
			func(c Case) bool { return c.Refunded == 5000 }},
		{"refund over the approved limit", Case{Kind: KindRefundOnly, State: StateApproved, RefundLimit: 5000}, Event{Name: EventRefund, Amount: 5001}, agent, "amount", nil},
		{"reship records outbound tracking", Case{Kind: KindExchange, State: StateInspected}, Event{Name: EventReship, TrackingNumber: "YT9988776655"}, agent, "",
			func(c Case) bool { return c.OutboundTracking == "YT9988776655" && c.ReturnTracking == "" }},
		{"first appeal allowed", Case{Kind: KindReturn, State: StateRejected}, Event{Name: EventAppeal}, cust, "",
			func(c Case) bool { return c.Appeals == 1 && c.State == StateRequested }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Transition(tc.c, tc.ev, tc.actor)
			if tc.field != "" {
				ae, ok := apperr.As(err)
				if !ok || ae.Field != tc.field || got.State != tc.c.State {
					t.Fatalf("got %v (state %s), want an error on %s", err, got.State, tc.field)
				}
				return
			}
			if err != nil || !tc.check(got) {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	_, err := Transition(Case{Kind: KindReturn, State: StateRejected, Appeals: MaxAppeals}, Event{Name: EventAppeal}, cust)
	if ae, ok := apperr.As(err); !ok || ae.Code != "appeal_limit" {
		t.Fatalf("second appeal: %v", err)
	}
	for _, bad := range []Case{{Kind: "gift_card", State: StateRequested}, {Kind: KindReturn, State: StateRepairing}, {Kind: KindComplaint, State: StateRequested}} {
		if _, err := Transition(bad, Event{Name: EventApprove}, agent); err == nil {
			t.Errorf("%+v accepted", bad)
		} else if ae, _ := apperr.As(err); ae == nil || ae.Status != 400 {
			t.Errorf("%+v: want a 400, got %v", bad, err)
		}
	}
	if got := Events(Case{Kind: KindReturn, State: StateAwaitingReturnShipment}, cust); !slices.Equal(got, []EventName{EventCancel, EventShipReturn}) {
		t.Fatalf("customer events: %v", got)
	}
	if _, err := NewCase("voucher"); err == nil {
		t.Fatal("unknown kind accepted")
	}
	for _, k := range Kinds {
		c, err := NewCase(k)
		if err != nil || c.State != InitialState(k) {
			t.Fatalf("NewCase(%s) = %+v %v", k, c, err)
		}
		if pk, err := ParseKind(" " + strings.ToUpper(string(k))); err != nil || pk != k {
			t.Fatalf("ParseKind(%s) = %s %v", k, pk, err)
		}
	}
}

// Random event sequences by random actors never reach a state outside the kind's workflow,
// never leave a terminal state, and failed events never change the case.
func TestPropertyRandomEventsStayDefined(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 2026))
	actors := []ActorKind{ActorAgent, ActorSystem, ActorCustomer, "robot"}
	events := append(slices.Clone(allEvents), "explode", "")
	for _, k := range Kinds {
		states := States(k)
		for walk := 0; walk < 500; walk++ {
			c, _ := NewCase(k)
			for step := 0; step < 40; step++ {
				ev := Event{Name: events[r.IntN(len(events))]}
				if r.IntN(4) > 0 { // usually a well-formed payload, sometimes an empty one
					ev = validEvent(ev.Name)
				}
				next, err := Transition(c, ev, Actor{Kind: actors[r.IntN(len(actors))]})
				if err != nil {
					if next != c {
						t.Fatalf("%s: failed %s changed the case %+v → %+v", k, ev.Name, c, next)
					}
					continue
				}
				if IsTerminal(c.State) {
					t.Fatalf("%s: left terminal state %s", k, c.State)
				}
				if !slices.Contains(states, next.State) {
					t.Fatalf("%s: reached undefined state %q", k, next.State)
				}
				if next.Refunded < c.Refunded || next.Appeals > MaxAppeals {
					t.Fatalf("%s: money or appeals went wrong: %+v", k, next)
				}
				c = next
			}
		}
		// Every state can still finish (reach closed or cancelled): no dead ends.
		for _, s := range states {
			if !canFinish(k, s, map[State]bool{}) {
				t.Errorf("%s: state %s can never finish", k, s)
			}
		}
	}
}

func canFinish(k Kind, s State, seen map[State]bool) bool {
	if IsTerminal(s) {
		return true
	}
	seen[s] = true
	for _, e := range machines[k][s] {
		if !seen[e.to] && canFinish(k, e.to, seen) {
			return true
		}
	}
	return false
}
