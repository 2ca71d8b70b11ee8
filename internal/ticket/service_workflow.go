package ticket

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/sla"
	"kefu/internal/store"
)

// change runs fn on the current ticket inside a transaction and writes it back only if nobody
// changed it meanwhile. version is what the editor saw; 0 means "whatever is current" (for
// system and customer actions, which have no form to go stale) — the UPDATE is still guarded,
// so a concurrent edit in between is never lost, it just fails with stale_version.
func (s *Service) change(ctx context.Context, id int64, version int, fn func(q store.Querier, t *Ticket, now time.Time) error) (*Ticket, error) {
	var out *Ticket
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.changeTx(ctx, tx, id, version, fn)
		return err
	})
	return out, err
}

// changeTx is change inside the caller's transaction.
func (s *Service) changeTx(ctx context.Context, tx store.Querier, id int64, version int, fn func(q store.Querier, t *Ticket, now time.Time) error) (*Ticket, error) {
	t, err := s.get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && t.Version != version {
		return nil, staleVersion(t.Version)
	}
	seen := t.Version
	if err := fn(tx, t, s.now()); err != nil {
		return nil, err
	}
	res, err := tx.Exec(ctx, `UPDATE tickets SET status = ?, priority = ?, priority_reasons = ?, priority_overridden = ?,
		assignee_id = ?, team_id = ?, tags = ?, first_response_due_at = ?, resolution_due_at = ?, first_responded_at = ?,
		sla_paused_at = ?, sla_paused_seconds = ?, sla_breached = ?, merged_into_id = ?, resolved_at = ?, closed_at = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(t.Status), string(t.Priority), toJSON(t.PriorityReasons), t.PriorityOverridden, t.AssigneeID, t.TeamID,
		toJSON(t.Tags), t.FirstResponseDueAt, t.ResolutionDueAt, t.FirstRespondedAt, t.SLAPausedAt, t.SLAPausedSeconds,
		t.SLABreached, t.MergedIntoID, t.ResolvedAt, t.ClosedAt, s.now(), id, seen)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, staleVersion(seen)
	}
	return s.get(ctx, tx, id)
}

func staleVersion(v int) error {
	return apperr.Conflict("stale_version", fmt.Sprintf("the ticket was changed by someone else (now version %d or later); reload it and try again", v))
}

// hoursFor is the schedule of the ticket's team.
func (s *Service) hoursFor(ctx context.Context, q store.Querier, t *Ticket) (sla.BusinessHours, error) {
	var team int64
	if t.TeamID != nil {
		team = *t.TeamID
	}
	return s.teamHours(ctx, q, team)
}

// syncSLA recomputes deadlines after the clocks changed and stores them.
func (s *Service) syncSLA(ctx context.Context, q store.Querier, t *Ticket, now time.Time) error {
	if t.SLA == nil {
		return nil
	}
	h, err := s.hoursFor(ctx, q, t)
	if err != nil {
		return err
	}
	due := t.SLA.refresh(now, h)
	t.FirstResponseDueAt, t.ResolutionDueAt = ptrTime(due.FirstResponse), ptrTime(due.Resolution)
	return t.SLA.update(ctx, q, t.ID, now)
}

// Transition moves a ticket to another status, checking the workflow for this actor, pausing
// or resuming the SLA clocks, recording the event and notifying the customer.
func (s *Service) Transition(ctx context.Context, id int64, version int, to Status, actor Actor, note string) (*Ticket, error) {
	note, err := cleanText("note", note, 0, 5000)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, func(q store.Querier, t *Ticket, now time.Time) error {
		return s.applyStatus(ctx, q, t, to, actor, note, now)
	})
}

func (s *Service) applyStatus(ctx context.Context, q store.Querier, t *Ticket, to Status, actor Actor, note string, now time.Time) error {
	from := t.Status
	if err := Transition(from, to, actor); err != nil {
		return err
	}
	t.Status = to
	if st := t.SLA; st != nil {
		c := &st.Clocks
		if SLAPaused(from) && !SLAPaused(to) {
			c.FirstResponse, _ = c.FirstResponse.Resume(now) // not paused (e.g. already stopped) is fine
			c.Resolution, _ = c.Resolution.Resume(now)
		}
		if SLAPaused(to) && !SLAPaused(from) {
			if !c.FirstResponse.IsStopped() {
				c.FirstResponse, _ = c.FirstResponse.Pause(now)
			}
			if !c.Resolution.IsStopped() {
				c.Resolution, _ = c.Resolution.Pause(now)
			}
		}
		switch to {
		case StatusResolved, StatusClosed:
			// Resolving answers the customer too, so it also meets an open first-response target.
			c.FirstResponse = c.FirstResponse.Stop(now)
			c.Resolution = c.Resolution.Stop(now)
		case StatusOpen:
			if from == StatusResolved {
				// A reopened ticket gets a fresh resolution target; the first one was met or missed.
				c.Resolution = sla.NewClock(now, c.Resolution.Target)
			}
		}
	}
	if SLAPaused(to) && !SLAPaused(from) {
		t.SLAPausedAt = &now
	}
	if SLAPaused(from) && !SLAPaused(to) && t.SLAPausedAt != nil {
		t.SLAPausedSeconds += int64(now.Sub(*t.SLAPausedAt) / time.Second)
		t.SLAPausedAt = nil
	}
	switch to {
	case StatusResolved:
		t.ResolvedAt = &now
	case StatusClosed:
		t.ClosedAt = &now
	case StatusOpen:
		t.ResolvedAt = nil
	}
	if err := s.syncSLA(ctx, q, t, now); err != nil {
		return err
	}
	if err := insertEvent(ctx, q, t.ID, now, actor, Event{Kind: "status", Field: "status", Before: string(from), After: string(to), Body: note}); err != nil {
		return err
	}
	if err := s.notify(ctx, q, t, "ticket."+string(to), StatusMessage(t.Ref, to), now); err != nil {
		return err
	}
	if to == StatusResolved {
		// Asked right after the resolution message, in the same transaction: a resolved ticket
		// always has its survey, and a rolled-back resolve never leaves one behind.
		return s.askCSAT(ctx, q, t, now)
	}
	return nil
}

func (s *Service) notify(ctx context.Context, q store.Querier, t *Ticket, kind string, m Message, now time.Time) error {
	var cust, conv int64
	if t.CustomerID != nil {
		cust = *t.CustomerID
	}
	if t.ConversationID != nil {
		conv = *t.ConversationID
	}
	return notifyCustomer(ctx, q, t.ID, cust, conv, t.lang, kind, m, now)
}

// RecordAgentReply notes that an agent answered the customer: the first-response clock stops
// (once), and a new ticket becomes open.
func (s *Service) RecordAgentReply(ctx context.Context, id int64, actor Actor) (*Ticket, error) {
	if actor.Kind != ActorAgent {
		return nil, apperr.Invalid("actor", "only an agent reply counts as a response")
	}
	return s.change(ctx, id, 0, func(q store.Querier, t *Ticket, now time.Time) error {
		if t.Status == StatusClosed {
			return apperr.Conflict("ticket_closed", "a closed ticket cannot change; open a follow-up ticket instead")
		}
		if t.FirstRespondedAt == nil {
			t.FirstRespondedAt = &now
			if t.SLA != nil {
				t.SLA.Clocks.FirstResponse = t.SLA.Clocks.FirstResponse.Stop(now)
			}
		}
		if err := insertEvent(ctx, q, t.ID, now, actor, Event{Kind: "reply"}); err != nil {
			return err
		}
		if t.Status == StatusNew {
			return s.applyStatus(ctx, q, t, StatusOpen, actor, "", now)
		}
		return s.syncSLA(ctx, q, t, now)
	})
}

// errNoChange rolls back a change that turned out to change nothing.
var errNoChange = errors.New("no change")

// CustomerReplied reopens a pending, on-hold or resolved ticket when the customer writes.
// followUp is true for a closed ticket: the caller should open a new ticket instead. The
// decision is taken inside the transaction, on the current status.
func (s *Service) CustomerReplied(ctx context.Context, id int64, customer Actor) (t *Ticket, followUp bool, err error) {
	if customer.Kind != ActorCustomer {
		return nil, false, apperr.Invalid("actor", "must be the customer")
	}
	t, err = s.change(ctx, id, 0, func(q store.Querier, t *Ticket, now time.Time) error {
		if t.Status == StatusClosed {
			followUp = true
			return errNoChange
		}
		next, reopen := OnCustomerReply(t.Status)
		if !reopen {
			return errNoChange
		}
		return s.applyStatus(ctx, q, t, next, customer, "", now)
	})
	if errors.Is(err, errNoChange) {
		t, err = s.Get(ctx, id)
	}
	return t, followUp, err
}

var mentionRE = regexp.MustCompile(`@([\p{L}\p{N}_.\-]{1,40})`)

// Mentions lists the @names in a note, each once, in order.
func Mentions(body string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(body, -1) {
		if !contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// AddNote records an internal note (never shown to the customer); @mentions are stored with it.
func (s *Service) AddNote(ctx context.Context, id int64, actor Actor, body string) (*Event, error) {
	body, err := cleanText("body", body, 1, 10000)
	if err != nil {
		return nil, err
	}
	if actor.Kind != ActorAgent {
		return nil, apperr.Invalid("actor", "only agents write internal notes")
	}
	var ev *Event
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, id); err != nil {
			return err
		}
		now := s.now()
		e := Event{Kind: "note", Body: body, Internal: true, After: toJSON(Mentions(body))}
		if err := insertEvent(ctx, tx, id, now, actor, e); err != nil {
			return err
		}
		e.TicketID, e.At, e.ActorKind = id, now, string(actor.Kind)
		ev = &e
		return nil
	})
	return ev, err
}

// SetPriority is an agent's override; it is recorded with the reasons, and the SLA targets
// follow the new priority for clocks that are still running.
func (s *Service) SetPriority(ctx context.Context, id int64, version int, p Priority, actor Actor, why string) (*Ticket, error) {
	if !p.Valid() {
		return nil, apperr.Invalid("priority", fmt.Sprintf("unknown priority %q", p))
	}
	why, err := cleanText("note", why, 0, 1000)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, func(q store.Querier, t *Ticket, now time.Time) error {
		if t.Status == StatusClosed {
			return apperr.Conflict("ticket_closed", "a closed ticket cannot change")
		}
		if t.Priority == p {
			return apperr.Conflict("same_priority", "the ticket already has that priority")
		}
		old := t.Priority
		r := overrideReason(old, p, actor)
		if why != "" {
			r.ZH += "：" + why
			r.EN += ": " + why
		}
		t.PriorityReasons = append(t.PriorityReasons, r)
		t.Priority, t.PriorityOverridden = p, true
		if err := s.retarget(ctx, q, t); err != nil {
			return err
		}
		if err := s.syncSLA(ctx, q, t, now); err != nil {
			return err
		}
		return insertEvent(ctx, q, t.ID, now, actor, Event{Kind: "priority", Field: "priority", Before: string(old), After: string(p), Body: why})
	})
}

// retarget gives running clocks the targets of the ticket's (new) priority.
func (s *Service) retarget(ctx context.Context, q store.Querier, t *Ticket) error {
	if t.SLA == nil {
		return nil
	}
	policies, err := s.slaPolicies(ctx, q)
	if err != nil {
		return err
	}
	pol, err := policies.Lookup(string(t.Priority), t.Summary.Tier)
	if err != nil {
		return err
	}
	c := &t.SLA.Clocks
	if !c.FirstResponse.IsStopped() {
		c.FirstResponse.Target = time.Duration(pol.FirstResponse)
	}
	if !c.Resolution.IsStopped() {
		c.Resolution.Target = time.Duration(pol.Resolution)
	}
	t.SLA.Policy, t.SLA.warnAtPercent, t.SLA.onBreach = pol.Name, pol.WarnAtPercent, pol.OnBreach
	c.Policy = pol.Name
	return nil
}

// Reassign sets the team and/or agent by hand (0 clears it: back to the queue).
func (s *Service) Reassign(ctx context.Context, id int64, version int, teamID, agentID int64, actor Actor) (*Ticket, error) {
	return s.change(ctx, id, version, func(q store.Querier, t *Ticket, now time.Time) error {
		if t.Status == StatusClosed {
			return apperr.Conflict("ticket_closed", "a closed ticket cannot change")
		}
		if teamID > 0 {
			var n int
			if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM teams WHERE id = ?`, teamID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return apperr.Invalid("team_id", "no such team")
			}
		}
		if agentID > 0 {
			var disabled bool
			err := q.QueryRow(ctx, `SELECT disabled FROM users WHERE id = ?`, agentID).Scan(&disabled)
			if store.IsNoRows(err) || disabled {
				return apperr.Invalid("agent_id", "no such active agent")
			} else if err != nil {
				return err
			}
		}
		before := fmt.Sprintf("team=%d agent=%d", deref(t.TeamID), deref(t.AssigneeID))
		t.TeamID, t.AssigneeID = idPtr(teamID), idPtr(agentID)
		after := fmt.Sprintf("team=%d agent=%d", teamID, agentID)
		if before == after {
			return apperr.Conflict("same_assignment", "the ticket is already assigned that way")
		}
		if err := s.syncSLA(ctx, q, t, now); err != nil { // the team's hours may differ
			return err
		}
		return insertEvent(ctx, q, t.ID, now, actor, Event{Kind: "assign", Field: "assignee", Before: before, After: after})
	})
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func idPtr(id int64) *int64 {
	if id <= 0 {
		return nil
	}
	return &id
}

// CheckSLA evaluates a ticket's clocks now (a durable job calls it at the warning and due
// instants): it records warnings and breaches once, and on a breach applies the policy's
// escalation — raise the priority, return the ticket to the team queue, notify a supervisor.
func (s *Service) CheckSLA(ctx context.Context, id int64) (*Ticket, error) {
	return s.change(ctx, id, 0, func(q store.Querier, t *Ticket, now time.Time) error {
		if t.SLA == nil {
			return nil
		}
		before := map[string]sla.State{"first_response": t.SLA.FirstResponseState, "resolution": t.SLA.ResolutionState}
		if err := s.syncSLA(ctx, q, t, now); err != nil {
			return err
		}
		after := map[string]sla.State{"first_response": t.SLA.FirstResponseState, "resolution": t.SLA.ResolutionState}
		breachedNow := false
		for _, metric := range []string{"first_response", "resolution"} {
			b, a := before[metric], after[metric]
			if a == b || (a != sla.StateWarning && a != sla.StateBreached) {
				continue
			}
			if err := insertEvent(ctx, q, t.ID, now, System, Event{Kind: "sla", Field: metric, Before: string(b), After: string(a)}); err != nil {
				return err
			}
			if a == sla.StateBreached {
				breachedNow = true
			}
		}
		if !breachedNow || t.SLABreached {
			return nil
		}
		t.SLABreached = true
		for _, action := range t.SLA.onBreach {
			switch action {
			case sla.OnBreachRaisePriority:
				if up := raise(t.Priority); up != t.Priority {
					old := t.Priority
					t.Priority = up
					t.PriorityReasons = append(t.PriorityReasons, Reason{Code: "sla_breached", Points: 0,
						ZH: "SLA 超时，优先级自动提升", EN: "SLA breached: priority raised"})
					if err := insertEvent(ctx, q, t.ID, now, System, Event{Kind: "priority", Field: "priority", Before: string(old), After: string(up), Body: "sla_breached"}); err != nil {
						return err
					}
				}
			case sla.OnBreachReassign:
				if t.AssigneeID != nil {
					old := *t.AssigneeID
					t.AssigneeID = nil
					if err := insertEvent(ctx, q, t.ID, now, System, Event{Kind: "assign", Field: "assignee", Before: strconv.FormatInt(old, 10), After: "0", Body: "sla_breached: back to the team queue"}); err != nil {
						return err
					}
				}
			case sla.OnBreachNotifySupervisor:
				if _, err := q.Exec(ctx, `INSERT INTO notifications (ticket_id, channel, kind, body, status, created_at)
					VALUES (?, 'supervisor', 'sla.breach', ?, 'pending', ?)`, t.ID,
					fmt.Sprintf("%s SLA breached (%s, priority %s)", t.Ref, t.SLA.Policy, t.Priority), now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func raise(p Priority) Priority {
	switch p {
	case PriorityLow:
		return PriorityNormal
	case PriorityNormal:
		return PriorityHigh
	}
	return PriorityUrgent
}

// AutoClose closes every ticket resolved at least `after` ago (DefaultAutoCloseAfter when ≤ 0)
// and returns how many it closed. Tickets changed concurrently are skipped, not failed.
func (s *Service) AutoClose(ctx context.Context, after time.Duration) (int, error) {
	if after <= 0 {
		after = DefaultAutoCloseAfter
	}
	cutoff := s.now().Add(-after)
	rows, err := s.DB.Query(ctx, `SELECT id FROM tickets WHERE status = 'resolved' AND resolved_at <= ? ORDER BY id LIMIT 1000`, cutoff)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	closed := 0
	for _, id := range ids {
		_, err := s.Transition(ctx, id, 0, StatusClosed, System, "auto-closed after no reply")
		if ae, ok := apperr.As(err); ok && ae.Status == 409 {
			continue // reopened or edited meanwhile
		}
		if err != nil {
			return closed, err
		}
		closed++
	}
	return closed, nil
}

// SLADue lists up to 500 open tickets with an SLA warning or deadline at or before now that has
// not been recorded yet: the sweep a job runs (and runs again after a restart), calling
// CheckSLA for each. Paused clocks have no deadline and are not listed.
func (s *Service) SLADue(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := s.DB.Query(ctx, `SELECT t.id FROM tickets t JOIN ticket_sla s ON s.ticket_id = t.id
		WHERE t.status NOT IN ('resolved', 'closed') AND (
			(s.first_response_state = 'running' AND s.first_response_warn_at <= ?) OR
			(s.first_response_state IN ('running', 'warning') AND t.first_response_due_at < ?) OR
			(s.resolution_state = 'running' AND s.resolution_warn_at <= ?) OR
			(s.resolution_state IN ('running', 'warning') AND t.resolution_due_at < ?))
		ORDER BY t.id LIMIT 500`, now, now, now, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NextSLACheck is the next instant CheckSLA should run for a ticket (a warning or a deadline
// still ahead of its clock's current state); ok is false when nothing is pending. A job
// scheduler uses it to enqueue one durable job per ticket (e.g. unique key "sla:ticket:42").
func NextSLACheck(t *Ticket) (at time.Time, ok bool) {
	if t.SLA == nil || t.Status == StatusResolved || t.Status == StatusClosed {
		return time.Time{}, false
	}
	consider := func(state sla.State, warn, due *time.Time) {
		var next *time.Time
		switch state {
		case sla.StateRunning:
			next = warn
		case sla.StateWarning:
			if due != nil {
				d := due.Add(time.Nanosecond) // breached strictly after the deadline
				next = &d
			}
		}
		if next != nil && (!ok || next.Before(at)) {
			at, ok = *next, true
		}
	}
	consider(t.SLA.FirstResponseState, t.SLA.FirstResponseWarn, t.FirstResponseDueAt)
	consider(t.SLA.ResolutionState, t.SLA.ResolutionWarn, t.ResolutionDueAt)
	return at, ok
}

// SweepSLA checks every ticket with a warning or deadline due now (see SLADue) and returns how
// many it checked. A recurring durable job calls it every minute or so: because it reads the
// due instants from the database, warnings and breaches missed while the server was down fire
// on the first sweep after a restart. A ticket edited concurrently is picked up next sweep.
func (s *Service) SweepSLA(ctx context.Context) (int, error) {
	ids, err := s.SLADue(ctx, s.now())
	if err != nil {
		return 0, err
	}
	checked := 0
	for _, id := range ids {
		_, err := s.CheckSLA(ctx, id)
		if ae, ok := apperr.As(err); ok && ae.Status == 409 {
			continue
		}
		if err != nil {
			return checked, err
		}
		checked++
	}
	return checked, nil
}
