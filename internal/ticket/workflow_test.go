package ticket

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"kefu/internal/apperr"
)

// allowed is the workflow written out independently of the transitions table: "from>to" and
// the actor kinds that may make the move. Every other (from, to, actor) must be refused.
var allowed = map[string]string{
	"new>open": "agent,system", "new>pending": "agent", "new>on_hold": "agent",
	"new>resolved": "agent", "new>closed": "agent,system",
	"open>pending": "agent", "open>on_hold": "agent", "open>resolved": "agent", "open>closed": "agent,system",
	"pending>open": "agent,customer,system", "pending>on_hold": "agent",
	"pending>resolved": "agent,system", "pending>closed": "agent,system",
	"on_hold>open": "agent,customer,system", "on_hold>pending": "agent",
	"on_hold>resolved": "agent", "on_hold>closed": "agent,system",
	"resolved>open": "agent,customer,system", "resolved>closed": "agent,customer,system",
}

var actorKinds = []ActorKind{ActorAgent, ActorCustomer, ActorSystem}

func TestTransitionExhaustive(t *testing.T) {
	for _, from := range Statuses {
		for _, to := range Statuses {
			for _, kind := range actorKinds {
				err := Transition(from, to, Actor{Kind: kind})
				who, exists := allowed[string(from)+">"+string(to)]
				want := exists && slices.Contains(strings.Split(who, ","), string(kind))
				if want {
					if err != nil {
						t.Errorf("%s → %s by %s refused: %v", from, to, kind, err)
					}
					continue
				}
				ae, ok := apperr.As(err)
				if !ok || ae.Status != 409 {
					t.Errorf("%s → %s by %s: got %v, want a 409", from, to, kind, err)
					continue
				}
				wantCode := "invalid_transition"
				switch {
				case from == to:
					wantCode = "same_status"
				case from == StatusClosed:
					wantCode = "ticket_closed"
				case exists:
					wantCode = "actor_not_allowed"
				}
				if ae.Code != wantCode {
					t.Errorf("%s → %s by %s: code %s, want %s (%s)", from, to, kind, ae.Code, wantCode, ae.Message)
				}
			}
		}
	}
}

func TestTransitionMessages(t *testing.T) {
	err := Transition(StatusNew, StatusResolved, Customer(1, "c"))
	if ae, _ := apperr.As(err); ae == nil || !strings.Contains(ae.Message, "customer cannot move a ticket from new to resolved") {
		t.Fatalf("message: %v", err)
	}
	err = Transition(StatusResolved, StatusPending, Agent(1, "a"))
	if ae, _ := apperr.As(err); ae == nil || !strings.Contains(ae.Message, "allowed: open, closed") {
		t.Fatalf("message should list the allowed moves: %v", err)
	}
	for _, bad := range [][2]Status{{"bogus", StatusOpen}, {StatusOpen, "bogus"}} {
		ae, ok := apperr.As(Transition(bad[0], bad[1], System))
		if !ok || ae.Status != 400 || ae.Field != "status" {
			t.Errorf("unknown status %v: %v", bad, ae)
		}
	}
	if got := AllowedTransitions(StatusPending, Customer(1, "")); !slices.Equal(got, []Status{StatusOpen}) {
		t.Fatalf("customer from pending: %v", got)
	}
	if got := AllowedTransitions(StatusOpen, Agent(1, "")); !slices.Equal(got, []Status{StatusPending, StatusOnHold, StatusResolved, StatusClosed}) {
		t.Fatalf("agent from open: %v", got)
	}
	if got := AllowedTransitions(StatusClosed, Agent(1, "")); len(got) != 0 {
		t.Fatalf("closed is terminal: %v", got)
	}
}

// Random walks through the workflow only ever visit known statuses, and closed is final.
func TestPropertyWorkflowStaysDefined(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	candidates := append(slices.Clone(Statuses), "reopened", "", "CLOSED")
	for walk := 0; walk < 2000; walk++ {
		cur := StatusNew
		for step := 0; step < 30; step++ {
			to := candidates[r.IntN(len(candidates))]
			actor := Actor{Kind: actorKinds[r.IntN(len(actorKinds))]}
			if Transition(cur, to, actor) == nil {
				if cur == StatusClosed {
					t.Fatalf("left closed for %s", to)
				}
				cur = to
			}
			if !cur.Valid() {
				t.Fatalf("reached undefined status %q", cur)
			}
		}
	}
	// Every status can reach closed (no dead ends).
	for _, s := range Statuses {
		if s != StatusClosed && !reaches(s, StatusClosed, map[Status]bool{}) {
			t.Errorf("%s cannot reach closed", s)
		}
	}
}

func reaches(from, target Status, seen map[Status]bool) bool {
	if from == target {
		return true
	}
	seen[from] = true
	for to := range transitions[from] {
		if !seen[to] && reaches(to, target, seen) {
			return true
		}
	}
	return false
}

func TestCustomerReplyAndAutoClose(t *testing.T) {
	for s, want := range map[Status]Status{StatusNew: StatusNew, StatusOpen: StatusOpen, StatusPending: StatusOpen,
		StatusOnHold: StatusOpen, StatusResolved: StatusOpen, StatusClosed: StatusClosed} {
		got, reopen := OnCustomerReply(s)
		if got != want || reopen != (got != s) {
			t.Errorf("reply in %s → %s %v", s, got, reopen)
		}
		if reopen && Transition(s, got, Customer(1, "")) != nil {
			t.Errorf("reopen %s → %s not allowed for the customer", s, got)
		}
	}
	if !SLAPaused(StatusPending) || SLAPaused(StatusOnHold) || SLAPaused(StatusOpen) {
		t.Fatal("only pending pauses the SLA")
	}
	resolved := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		s     Status
		now   time.Time
		after time.Duration
		want  bool
	}{
		{StatusResolved, resolved.Add(7*24*time.Hour - time.Second), 0, false},
		{StatusResolved, resolved.Add(7 * 24 * time.Hour), 0, true},
		{StatusResolved, resolved.Add(3 * 24 * time.Hour), 3 * 24 * time.Hour, true},
		{StatusOpen, resolved.Add(30 * 24 * time.Hour), 0, false},
		{StatusClosed, resolved.Add(30 * 24 * time.Hour), 0, false},
	}
	for _, tc := range cases {
		if got := AutoCloseDue(tc.s, resolved, tc.now, tc.after); got != tc.want {
			t.Errorf("AutoCloseDue(%s, %s, %s) = %v", tc.s, tc.now, tc.after, got)
		}
	}
	if AutoCloseDue(StatusResolved, time.Time{}, resolved, 0) {
		t.Fatal("unknown resolve time must not close")
	}
	if Transition(StatusResolved, StatusClosed, System) != nil {
		t.Fatal("the system must be able to auto-close")
	}
}
