// Package aftersales holds the pure rules of after-sales service (售后): case state machines for
// returns, refunds, exchanges, repairs, price protection and complaints; a per-shop, per-tier
// policy engine that decides eligibility and automation and records which rule decided; refund
// arithmetic; and the texts that keep the customer informed. No I/O happens here.
package aftersales

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"kefu/internal/apperr"
)

// Kind is the type of after-sales case; each has its own workflow.
type Kind string

const (
	KindReturn          Kind = "return"           // 退货退款
	KindRefundOnly      Kind = "refund_only"      // 仅退款
	KindExchange        Kind = "exchange"         // 换货
	KindRepair          Kind = "repair"           // 维修/保修
	KindPriceProtection Kind = "price_protection" // 价保
	KindComplaint       Kind = "complaint"        // 投诉
)

// Kinds lists every case kind.
var Kinds = []Kind{KindReturn, KindRefundOnly, KindExchange, KindRepair, KindPriceProtection, KindComplaint}

// ParseKind reads a kind code.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := machines[k]; !ok {
		return "", apperr.Invalid("kind", fmt.Sprintf("unknown case kind %q", s))
	}
	return k, nil
}

// State is where a case stands.
type State string

const (
	StateRequested              State = "requested"
	StateApproved               State = "approved"
	StateRejected               State = "rejected"
	StateAwaitingReturnShipment State = "awaiting_return_shipment" // customer to send the goods back
	StateReturnInTransit        State = "return_in_transit"        // customer gave a tracking number
	StateExpired                State = "expired"                  // not shipped back in time; may be reopened once
	StateReceived               State = "received"
	StateInspected              State = "inspected"
	StateRefunded               State = "refunded"
	StateReshipped              State = "reshipped"
	StateRepairing              State = "repairing"
	StateReturnedToCustomer     State = "returned_to_customer"
	StateOpen                   State = "open"
	StateInvestigating          State = "investigating"
	StateResolved               State = "resolved"
	StateClosed                 State = "closed"
	StateCancelled              State = "cancelled"
)

// EventName is something that happens to a case.
type EventName string

const (
	EventApprove          EventName = "approve"
	EventReject           EventName = "reject" // needs a note: the customer is told why
	EventRequestReturn    EventName = "request_return"
	EventShipReturn       EventName = "ship_return" // needs the return tracking number
	EventReceive          EventName = "receive"
	EventPassInspection   EventName = "pass_inspection"
	EventFailInspection   EventName = "fail_inspection" // needs a note
	EventRefund           EventName = "refund"          // needs an amount
	EventReship           EventName = "reship"          // needs the outbound tracking number
	EventStartRepair      EventName = "start_repair"
	EventReturnToCustomer EventName = "return_to_customer" // needs the outbound tracking number
	EventInvestigate      EventName = "investigate"
	EventResolve          EventName = "resolve"
	EventReopen           EventName = "reopen"
	EventAppeal           EventName = "appeal"
	EventExpire           EventName = "expire" // the customer never shipped the goods back
	EventCancel           EventName = "cancel"
	EventClose            EventName = "close"
)

// ActorKind is who causes an event.
type ActorKind string

const (
	ActorAgent    ActorKind = "agent"
	ActorCustomer ActorKind = "customer"
	ActorSystem   ActorKind = "system" // policy auto-approval, logistics webhooks, timers
)

// Actor is who did something.
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   int64     `json:"id,omitempty"`
	Name string    `json:"name,omitempty"`
}

// MaxAppeals is how often a customer may appeal a rejection before a person must be contacted.
const MaxAppeals = 1

// MaxReturnReopens is how often an expired return may be reopened: the published policy
// (internal/demo/content/policy.md) says a return not shipped within 7 days of approval closes
// and "can be reopened once".
const MaxReturnReopens = 1

type edge struct {
	to  State
	who []ActorKind
}

var (
	staff     = []ActorKind{ActorAgent, ActorSystem}
	agentOnly = []ActorKind{ActorAgent}
	buyer     = []ActorKind{ActorCustomer, ActorAgent} // agents act for customers on the phone
	anyone    = []ActorKind{ActorAgent, ActorSystem, ActorCustomer}
	shipper   = []ActorKind{ActorCustomer, ActorAgent, ActorSystem}
)

// reviewEdges are the first steps shared by every kind but complaints.
func reviewEdges(approved State) map[EventName]edge {
	return map[EventName]edge{
		EventApprove: {approved, staff},
		EventReject:  {StateRejected, staff},
		EventCancel:  {StateCancelled, buyer},
	}
}

// returnLeg is the "send the goods back to us" part of returns, exchanges and repairs.
func returnLeg(m map[State]map[EventName]edge) {
	m[StateApproved] = map[EventName]edge{
		EventRequestReturn: {StateAwaitingReturnShipment, staff},
		EventCancel:        {StateCancelled, buyer},
	}
	m[StateAwaitingReturnShipment] = map[EventName]edge{
		EventShipReturn: {StateReturnInTransit, shipper},
		EventCancel:     {StateCancelled, buyer},
		EventExpire:     {StateExpired, []ActorKind{ActorSystem}}, // the return-shipment deadline job
	}
	m[StateExpired] = map[EventName]edge{
		EventReopen: {StateAwaitingReturnShipment, buyer}, // once, with a fresh deadline
		EventClose:  {StateClosed, anyone},
	}
	m[StateReturnInTransit] = map[EventName]edge{EventReceive: {StateReceived, staff}}
}

func rejectedEdges() map[EventName]edge {
	return map[EventName]edge{
		EventAppeal: {StateRequested, buyer},
		EventClose:  {StateClosed, anyone},
	}
}

// machines holds every kind's transition table: state → event → (next state, who may).
var machines = func() map[Kind]map[State]map[EventName]edge {
	ret := map[State]map[EventName]edge{StateRequested: reviewEdges(StateApproved), StateRejected: rejectedEdges()}
	returnLeg(ret)
	ret[StateReceived] = map[EventName]edge{
		EventPassInspection: {StateInspected, agentOnly},
		EventFailInspection: {StateRejected, agentOnly},
	}
	ret[StateInspected] = map[EventName]edge{EventRefund: {StateRefunded, staff}}
	ret[StateRefunded] = map[EventName]edge{EventClose: {StateClosed, staff}}

	refund := map[State]map[EventName]edge{
		StateRequested: reviewEdges(StateApproved),
		StateApproved:  {EventRefund: {StateRefunded, staff}},
		StateRefunded:  {EventClose: {StateClosed, staff}},
		StateRejected:  rejectedEdges(),
	}

	exch := map[State]map[EventName]edge{StateRequested: reviewEdges(StateApproved), StateRejected: rejectedEdges()}
	returnLeg(exch)
	exch[StateReceived] = map[EventName]edge{
		EventPassInspection: {StateInspected, agentOnly},
		EventFailInspection: {StateRejected, agentOnly},
	}
	exch[StateInspected] = map[EventName]edge{EventReship: {StateReshipped, staff}}
	exch[StateReshipped] = map[EventName]edge{EventClose: {StateClosed, anyone}}

	repair := map[State]map[EventName]edge{StateRequested: reviewEdges(StateApproved), StateRejected: rejectedEdges()}
	returnLeg(repair)
	repair[StateReceived] = map[EventName]edge{
		EventStartRepair:    {StateRepairing, agentOnly},
		EventFailInspection: {StateRejected, agentOnly}, // not covered: misuse, tampering
	}
	repair[StateRepairing] = map[EventName]edge{EventReturnToCustomer: {StateReturnedToCustomer, staff}}
	repair[StateReturnedToCustomer] = map[EventName]edge{EventClose: {StateClosed, anyone}}

	price := map[State]map[EventName]edge{
		StateRequested: reviewEdges(StateApproved),
		StateApproved:  {EventRefund: {StateRefunded, staff}},
		StateRefunded:  {EventClose: {StateClosed, staff}},
		StateRejected:  rejectedEdges(),
	}

	complaint := map[State]map[EventName]edge{
		StateOpen: {
			EventInvestigate: {StateInvestigating, agentOnly},
			EventResolve:     {StateResolved, agentOnly},
			EventCancel:      {StateCancelled, buyer}, // the customer withdraws it
		},
		StateInvestigating: {EventResolve: {StateResolved, agentOnly}},
		StateResolved: {
			EventClose:  {StateClosed, anyone},
			EventReopen: {StateInvestigating, buyer},
		},
	}
	all := map[Kind]map[State]map[EventName]edge{
		KindReturn: ret, KindRefundOnly: refund, KindExchange: exch, KindRepair: repair,
		KindPriceProtection: price, KindComplaint: complaint,
	}
	for _, m := range all {
		m[StateClosed] = map[EventName]edge{}
		m[StateCancelled] = map[EventName]edge{}
	}
	return all
}()

// InitialState is where a new case of a kind starts.
func InitialState(k Kind) State {
	if k == KindComplaint {
		return StateOpen
	}
	return StateRequested
}

// States lists the states of a kind's workflow, sorted.
func States(k Kind) []State {
	var out []State
	for s := range machines[k] {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// IsTerminal reports whether nothing more can happen to a case in state s.
func IsTerminal(s State) bool { return s == StateClosed || s == StateCancelled }

// Case is the workflow part of an after-sales case (the service stores the rest).
type Case struct {
	Kind             Kind   `json:"kind"`
	State            State  `json:"state"`
	ReturnTracking   string `json:"return_tracking,omitempty"`   // goods coming back to the shop
	OutboundTracking string `json:"outbound_tracking,omitempty"` // replacement or repaired goods going out
	// RefundLimit caps what may be refunded (the approved amount); 0 means not set.
	RefundLimit Money `json:"refund_limit,omitempty"`
	Refunded    Money `json:"refunded,omitempty"`
	Appeals     int   `json:"appeals,omitempty"`
	// ReturnReopens counts reopenings of an expired return (at most MaxReturnReopens).
	ReturnReopens int `json:"return_reopens,omitempty"`
	// ReturnDueAt is when the goods must be shipped back by (awaiting_return_shipment only);
	// the customer is told it.
	ReturnDueAt time.Time `json:"return_due_at,omitzero"`
	LastNote    string    `json:"last_note,omitempty"`
}

// NewCase starts a case of a kind in its initial state.
func NewCase(k Kind) (Case, error) {
	if _, ok := machines[k]; !ok {
		return Case{}, apperr.Invalid("kind", fmt.Sprintf("unknown case kind %q", k))
	}
	return Case{Kind: k, State: InitialState(k)}, nil
}

// Event is one step requested on a case, with what that step needs.
type Event struct {
	Name           EventName `json:"name"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	Amount         Money     `json:"amount,omitempty"`
	Note           string    `json:"note,omitempty"`
}

// MaxNoteLen bounds a note, in characters.
const MaxNoteLen = 2000

// Events lists the events a case accepts now from an actor, e.g. for the agent's buttons.
func Events(c Case, actor Actor) []EventName {
	var out []EventName
	for ev, e := range machines[c.Kind][c.State] {
		if hasActor(e.who, actor.Kind) {
			out = append(out, ev)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func hasActor(list []ActorKind, k ActorKind) bool {
	for _, x := range list {
		if x == k {
			return true
		}
	}
	return false
}

// Transition applies an event to a case and returns the updated case. Invalid moves are 409
// Conflicts naming the allowed events; a missing tracking number, amount or note is a 400.
func Transition(c Case, ev Event, actor Actor) (Case, error) {
	m, ok := machines[c.Kind]
	if !ok {
		return c, apperr.Invalid("kind", fmt.Sprintf("unknown case kind %q", c.Kind))
	}
	edges, ok := m[c.State]
	if !ok {
		return c, apperr.Invalid("state", fmt.Sprintf("%q is not a state of a %s case", c.State, c.Kind))
	}
	if IsTerminal(c.State) {
		return c, apperr.Conflict("case_finished", fmt.Sprintf("the case is %s; nothing more can happen to it", c.State))
	}
	e, ok := edges[ev.Name]
	if !ok {
		var names []string
		for n := range edges {
			names = append(names, string(n))
		}
		sort.Strings(names)
		return c, apperr.Conflict("invalid_case_transition", fmt.Sprintf("a %s case in state %s cannot %s (allowed: %s)",
			c.Kind, c.State, printable(string(ev.Name)), strings.Join(names, ", ")))
	}
	if !hasActor(e.who, actor.Kind) {
		return c, apperr.Conflict("actor_not_allowed", fmt.Sprintf("a %s cannot %s a %s case", printable(string(actor.Kind)), ev.Name, c.Kind))
	}
	out := c
	note := strings.TrimSpace(ev.Note)
	if len([]rune(note)) > MaxNoteLen {
		return c, apperr.Invalid("note", fmt.Sprintf("a note is at most %d characters", MaxNoteLen))
	}
	switch ev.Name {
	case EventReject, EventFailInspection:
		if note == "" {
			return c, apperr.Invalid("note", "say why, the customer will see it")
		}
	case EventShipReturn:
		tn, err := CleanTrackingNumber(ev.TrackingNumber)
		if err != nil {
			return c, err
		}
		out.ReturnTracking = tn
	case EventReship, EventReturnToCustomer:
		tn, err := CleanTrackingNumber(ev.TrackingNumber)
		if err != nil {
			return c, err
		}
		out.OutboundTracking = tn
	case EventRefund:
		if ev.Amount <= 0 {
			return c, apperr.Invalid("amount", "a refund needs a positive amount")
		}
		if c.RefundLimit > 0 && c.Refunded+ev.Amount > c.RefundLimit {
			return c, apperr.Invalid("amount", fmt.Sprintf("refund %s exceeds the approved %s (already refunded %s)",
				ev.Amount, c.RefundLimit, c.Refunded))
		}
		out.Refunded = c.Refunded + ev.Amount
	case EventAppeal:
		if c.Appeals >= MaxAppeals {
			return c, apperr.Conflict("appeal_limit", "this case was already appealed; please contact an agent")
		}
		out.Appeals++
	case EventReopen:
		if c.State == StateExpired {
			if c.ReturnReopens >= MaxReturnReopens {
				return c, apperr.Conflict("reopen_limit", "this return already expired once after being reopened; please open a new request")
			}
			out.ReturnReopens++
		}
	}
	out.State = e.to
	out.LastNote = note
	return out, nil
}

// CleanTrackingNumber normalises a carrier tracking number (upper case, no spaces) and checks
// it looks like one: 6-40 letters, digits or dashes.
func CleanTrackingNumber(s string) (string, error) {
	tn := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if n := len(tn); n < 6 || n > 40 {
		return "", apperr.Invalid("tracking_number", "a tracking number has 6-40 letters or digits")
	}
	for _, r := range tn {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-') {
			return "", apperr.Invalid("tracking_number", "a tracking number has only letters, digits and dashes")
		}
	}
	return tn, nil
}

// printable keeps hostile event names from turning error messages into something else.
func printable(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}
