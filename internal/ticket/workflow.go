package ticket

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"kefu/internal/apperr"
)

// Status is where a ticket stands in its workflow.
type Status string

const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusPending  Status = "pending" // waiting on the customer: SLA paused
	StatusOnHold   Status = "on_hold" // waiting on a third party (carrier, supplier)
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusResolved, StatusClosed}

var statusNames = map[Status][2]string{
	StatusNew: {"新建", "New"}, StatusOpen: {"处理中", "Open"}, StatusPending: {"待客户回复", "Pending"},
	StatusOnHold: {"挂起", "On hold"}, StatusResolved: {"已解决", "Resolved"}, StatusClosed: {"已关闭", "Closed"},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := statusNames[s]; return ok }

// Label is the status's display name.
func (s Status) Label(lang string) string {
	n, ok := statusNames[s]
	if !ok {
		return string(s)
	}
	if isZh(lang) {
		return n[0]
	}
	return n[1]
}

// ParseStatus reads a status code.
func ParseStatus(s string) (Status, error) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		return "", apperr.Invalid("status", fmt.Sprintf("unknown status %q", s))
	}
	return st, nil
}

// ActorKind says who causes a change; the workflow allows different moves to each.
type ActorKind string

const (
	ActorAgent    ActorKind = "agent"
	ActorCustomer ActorKind = "customer"
	ActorSystem   ActorKind = "system" // timers, automations, the bot
)

// Actor is who did something, recorded on every event.
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   int64     `json:"id,omitempty"`
	Name string    `json:"name,omitempty"`
}

// Agent, Customer and System are shorthands for building actors.
func Agent(id int64, name string) Actor    { return Actor{Kind: ActorAgent, ID: id, Name: name} }
func Customer(id int64, name string) Actor { return Actor{Kind: ActorCustomer, ID: id, Name: name} }

// System is the actor for timers and automations.
var System = Actor{Kind: ActorSystem, Name: "system"}

type actors []ActorKind

func (a actors) has(k ActorKind) bool {
	for _, x := range a {
		if x == k {
			return true
		}
	}
	return false
}

var (
	agentOnly   = actors{ActorAgent}
	agentSystem = actors{ActorAgent, ActorSystem}
	anyone      = actors{ActorAgent, ActorSystem, ActorCustomer}
)

// transitions is the workflow: from → to → who may make the move.
//
// A customer reply reopens pending, on-hold and resolved tickets (they speak, we act). A
// closed ticket is final: a later message starts a follow-up ticket instead, so resolution
// statistics never change after the fact.
var transitions = map[Status]map[Status]actors{
	StatusNew: {
		StatusOpen:     agentSystem,
		StatusPending:  agentOnly,
		StatusOnHold:   agentOnly,
		StatusResolved: agentOnly,
		StatusClosed:   agentSystem, // spam, duplicates merged away
	},
	StatusOpen: {
		StatusPending:  agentOnly,
		StatusOnHold:   agentOnly,
		StatusResolved: agentOnly,
		StatusClosed:   agentSystem,
	},
	StatusPending: {
		StatusOpen:     anyone,
		StatusOnHold:   agentOnly,
		StatusResolved: agentSystem, // no reply after a reminder: resolve automatically
		StatusClosed:   agentSystem,
	},
	StatusOnHold: {
		StatusOpen:     anyone,
		StatusPending:  agentOnly,
		StatusResolved: agentOnly,
		StatusClosed:   agentSystem,
	},
	StatusResolved: {
		StatusOpen:   anyone, // the customer replies, or an agent reopens
		StatusClosed: anyone, // confirmation or automatic close after N days
	},
	StatusClosed: {},
}

// Transition checks a status change. It returns nil when allowed; otherwise an apperr 409
// Conflict whose message says why, or a 400 for an unknown status.
func Transition(from, to Status, actor Actor) error {
	if !from.Valid() {
		return apperr.Invalid("status", fmt.Sprintf("unknown current status %q", from))
	}
	if !to.Valid() {
		return apperr.Invalid("status", fmt.Sprintf("unknown status %q", to))
	}
	if from == to {
		return apperr.Conflict("same_status", fmt.Sprintf("the ticket is already %s", to))
	}
	if from == StatusClosed {
		return apperr.Conflict("ticket_closed", "a closed ticket cannot change; open a follow-up ticket instead")
	}
	who, ok := transitions[from][to]
	if !ok {
		return apperr.Conflict("invalid_transition", fmt.Sprintf("a ticket cannot go from %s to %s (allowed: %s)",
			from, to, joinStatuses(allowedTargets(from))))
	}
	if !who.has(actor.Kind) {
		return apperr.Conflict("actor_not_allowed", fmt.Sprintf("a %s cannot move a ticket from %s to %s",
			actorName(actor.Kind), from, to))
	}
	return nil
}

func actorName(k ActorKind) string {
	if k == "" {
		return "unknown actor"
	}
	return string(k)
}

// AllowedTransitions lists the statuses an actor may move a ticket to, e.g. for a menu.
func AllowedTransitions(from Status, actor Actor) []Status {
	var out []Status
	for _, to := range allowedTargets(from) {
		if transitions[from][to].has(actor.Kind) {
			out = append(out, to)
		}
	}
	return out
}

func allowedTargets(from Status) []Status {
	var out []Status
	for to := range transitions[from] {
		out = append(out, to)
	}
	sort.Slice(out, func(i, j int) bool { return statusOrder(out[i]) < statusOrder(out[j]) })
	return out
}

func statusOrder(s Status) int {
	for i, x := range Statuses {
		if x == s {
			return i
		}
	}
	return len(Statuses)
}

func joinStatuses(ss []Status) string {
	if len(ss) == 0 {
		return "none"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// OnCustomerReply is the status a ticket moves to when the customer writes: pending, on-hold
// and resolved tickets reopen. reopen is false when the status stays (new, open) or the ticket
// is closed (the caller then opens a follow-up ticket).
func OnCustomerReply(s Status) (next Status, reopen bool) {
	switch s {
	case StatusPending, StatusOnHold, StatusResolved:
		return StatusOpen, true
	}
	return s, false
}

// SLAPaused reports whether the SLA clocks stand still in a status: only while waiting on the
// customer. On-hold (waiting on a carrier or supplier) keeps counting — the customer is still
// waiting on us.
func SLAPaused(s Status) bool { return s == StatusPending }

// DefaultAutoCloseAfter is how long a resolved ticket waits for the customer before closing.
const DefaultAutoCloseAfter = 7 * 24 * time.Hour

// AutoCloseDue reports whether a resolved ticket should close automatically now.
func AutoCloseDue(s Status, resolvedAt, now time.Time, after time.Duration) bool {
	if s != StatusResolved || resolvedAt.IsZero() {
		return false
	}
	if after <= 0 {
		after = DefaultAutoCloseAfter
	}
	return !now.Before(resolvedAt.Add(after))
}
