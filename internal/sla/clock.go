package sla

import (
	"time"

	"kefu/internal/apperr"
)

// Pause is a span during which an SLA clock stood still, e.g. a ticket pending on the customer.
// To is zero while the pause is still open.
type Pause struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Clock measures one SLA target (first response or resolution) of one ticket in business time.
// It is a value: Pause, Resume and Stop return an updated copy, so the caller decides when to
// persist it. Times earlier than the clock's last recorded event are clamped to that event, so
// a skewed server clock can never make the SLA run backwards.
type Clock struct {
	Start  time.Time     `json:"start"`
	Target time.Duration `json:"target"` // business time allowed
	Pauses []Pause       `json:"pauses,omitempty"`
	// StoppedAt is when the target was met (first reply sent, ticket resolved); zero while running.
	StoppedAt time.Time `json:"stopped_at,omitzero"`
}

// NewClock starts a clock with a business-time target.
func NewClock(start time.Time, target time.Duration) Clock {
	return Clock{Start: start, Target: target}
}

// State names where a clock stands at a moment.
type State string

const (
	StateRunning  State = "running"
	StateWarning  State = "warning"  // inside the warning window before the deadline
	StatePaused   State = "paused"   // waiting on the customer; deadline not yet reached
	StateBreached State = "breached" // deadline passed and target not met
	StateMet      State = "met"      // stopped on or before the deadline
	StateMissed   State = "missed"   // stopped after the deadline
)

// IsPaused reports whether the clock is paused right now.
func (c Clock) IsPaused() bool {
	return len(c.Pauses) > 0 && c.Pauses[len(c.Pauses)-1].To.IsZero()
}

// IsStopped reports whether the target has been met (successfully or late).
func (c Clock) IsStopped() bool { return !c.StoppedAt.IsZero() }

// lastEvent is the latest instant the clock has recorded.
func (c Clock) lastEvent() time.Time {
	last := c.Start
	if n := len(c.Pauses); n > 0 {
		p := c.Pauses[n-1]
		if p.From.After(last) {
			last = p.From
		}
		if p.To.After(last) {
			last = p.To
		}
	}
	return last
}

func (c Clock) clamp(at time.Time) time.Time {
	if last := c.lastEvent(); at.Before(last) {
		return last
	}
	return at
}

// Pause stops the clock from counting, e.g. when the ticket goes pending on the customer.
func (c Clock) Pause(at time.Time) (Clock, error) {
	if c.IsStopped() {
		return c, apperr.Conflict("sla_stopped", "the SLA target was already met; it cannot be paused")
	}
	if c.IsPaused() {
		return c, apperr.Conflict("sla_already_paused", "the SLA clock is already paused")
	}
	out := c.clone()
	out.Pauses = append(out.Pauses, Pause{From: c.clamp(at)})
	return out, nil
}

// Resume restarts counting; the paused span never counts against the target.
func (c Clock) Resume(at time.Time) (Clock, error) {
	if !c.IsPaused() {
		return c, apperr.Conflict("sla_not_paused", "the SLA clock is not paused")
	}
	out := c.clone()
	out.Pauses[len(out.Pauses)-1].To = c.clamp(at)
	return out, nil
}

// Stop records that the target was met at the given time (closing any open pause). Stopping a
// stopped clock keeps the first stop: the SLA is judged on the first response, not the last.
func (c Clock) Stop(at time.Time) Clock {
	if c.IsStopped() {
		return c
	}
	out := c.clone()
	at = c.clamp(at)
	if out.IsPaused() {
		out.Pauses[len(out.Pauses)-1].To = at
	}
	out.StoppedAt = at
	return out
}

func (c Clock) clone() Clock {
	c.Pauses = append([]Pause(nil), c.Pauses...)
	return c
}

// Elapsed is the business time counted by the clock up to now: working time since Start, minus
// working time inside pauses, frozen once stopped. It never decreases as now grows.
func (c Clock) Elapsed(now time.Time, h BusinessHours) time.Duration {
	end := now
	if c.IsStopped() && c.StoppedAt.Before(end) {
		end = c.StoppedAt
	}
	if !end.After(c.Start) {
		return 0
	}
	total := BusinessTime(c.Start, end, h)
	for _, p := range c.Pauses {
		to := p.To
		if to.IsZero() || to.After(end) {
			to = end
		}
		total -= BusinessTime(p.From, to, h)
	}
	if total < 0 { // only reachable with hand-built overlapping pauses
		return 0
	}
	return total
}

// Remaining is the business time left before the deadline; negative once breached.
func (c Clock) Remaining(now time.Time, h BusinessHours) time.Duration {
	return c.Target - c.Elapsed(now, h)
}

// Deadline is the instant the target runs out. ok is false while the clock is paused before
// reaching it: the deadline depends on when the customer replies.
func (c Clock) Deadline(h BusinessHours) (deadline time.Time, ok bool) {
	return c.reach(c.Target, h)
}

// WarnAt is the instant at which only warnBefore of business time is left.
func (c Clock) WarnAt(warnBefore time.Duration, h BusinessHours) (time.Time, bool) {
	return c.reach(c.Target-warnBefore, h)
}

// reach finds when the clock's elapsed time first reaches d, skipping pauses.
func (c Clock) reach(d time.Duration, h BusinessHours) (time.Time, bool) {
	cursor, remaining := c.Start, d
	for _, p := range c.Pauses {
		if remaining <= BusinessTime(cursor, p.From, h) {
			return Deadline(cursor, remaining, h), true
		}
		remaining -= BusinessTime(cursor, p.From, h)
		if p.To.IsZero() {
			return time.Time{}, false
		}
		if p.To.After(cursor) {
			cursor = p.To
		}
	}
	return Deadline(cursor, remaining, h), true
}

// Breached reports whether the deadline passed without the target being met by then.
func (c Clock) Breached(now time.Time, h BusinessHours) bool {
	dl, ok := c.Deadline(h)
	if !ok || !now.After(dl) {
		return false
	}
	return !c.IsStopped() || c.StoppedAt.After(dl)
}

// StateAt classifies the clock at now; warnBefore is the business time before the deadline at
// which agents are warned.
func (c Clock) StateAt(now time.Time, warnBefore time.Duration, h BusinessHours) State {
	dl, ok := c.Deadline(h)
	if c.IsStopped() && !c.StoppedAt.After(now) {
		if ok && c.StoppedAt.After(dl) {
			return StateMissed
		}
		return StateMet
	}
	if ok && now.After(dl) {
		return StateBreached
	}
	if c.IsPaused() {
		return StatePaused
	}
	if warnBefore > 0 {
		if w, ok := c.WarnAt(warnBefore, h); ok && !now.Before(w) {
			return StateWarning
		}
	}
	return StateRunning
}
