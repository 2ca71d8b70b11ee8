package aftersales

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/jobs"
	"kefu/internal/store"
)

// The return-shipment deadline. Once a return, exchange or repair is waiting for the customer
// to send the goods back, two durable jobs are queued in the same transaction: a reminder
// before the deadline and the expiry at it. They live in the jobs table, so a server stopped
// and started again still fires them (late, if it was down at the time), and both check the
// case first, so a case shipped, cancelled or reopened meanwhile is left alone.
const (
	ReturnReminderJob = "aftersales.return_reminder"
	ReturnExpiryJob   = "aftersales.return_expiry"
)

// ReturnReminderLead is how long before the deadline the customer is reminded; for windows of
// under twice that, the reminder comes half-way.
const ReturnReminderLead = 48 * time.Hour

// ReturnDeadline is when goods must be shipped back when the wait starts at `from`: the end
// (23:59:59, Beijing time — the policy counts calendar days) of the day `days` days later, and
// when to remind the customer.
func ReturnDeadline(from time.Time, days int) (due, remind time.Time) {
	if days <= 0 {
		days = DefaultReturnShipmentDays
	}
	local := from.In(policyMonth)
	due = time.Date(local.Year(), local.Month(), local.Day()+days, 23, 59, 59, 0, policyMonth).UTC()
	lead := ReturnReminderLead
	if window := due.Sub(from); window < 2*lead {
		lead = window / 2
	}
	return due, due.Add(-lead)
}

type deadlineJob struct {
	CaseID int64 `json:"case_id"`
}

func deadlineKeys(caseID int64) (reminder, expiry string) {
	return fmt.Sprintf("%s:%d", ReturnReminderJob, caseID), fmt.Sprintf("%s:%d", ReturnExpiryJob, caseID)
}

// startReturnDeadline computes the case's deadline from its customer's tier policy and queues
// the reminder and expiry jobs (replacing any earlier ones of the case).
func (s *Service) startReturnDeadline(ctx context.Context, q store.Querier, rec *Record, now time.Time) (time.Time, error) {
	var tier string
	if err := q.QueryRow(ctx, `SELECT tier FROM customers WHERE id = ?`, rec.CustomerID).Scan(&tier); err != nil && !store.IsNoRows(err) {
		return time.Time{}, err
	}
	pol, err := s.policy(ctx, q)
	if err != nil {
		return time.Time{}, err
	}
	due, remind := ReturnDeadline(now, pol.For(Tier(tier)).ShipmentDays())
	reminderKey, expiryKey := deadlineKeys(rec.ID)
	p := deadlineJob{CaseID: rec.ID}
	if err := jobs.Enqueue(ctx, q, ReturnReminderJob, p, jobs.Options{RunAt: remind, UniqueKey: reminderKey}); err != nil {
		return time.Time{}, err
	}
	if err := jobs.Enqueue(ctx, q, ReturnExpiryJob, p, jobs.Options{RunAt: due, UniqueKey: expiryKey}); err != nil {
		return time.Time{}, err
	}
	return due, nil
}

// stopReturnDeadline cancels the queued jobs once the goods are on their way (or the case is
// cancelled). A job already running finds the case moved on and does nothing.
func stopReturnDeadline(ctx context.Context, q store.Querier, caseID int64) error {
	reminderKey, expiryKey := deadlineKeys(caseID)
	if err := jobs.Cancel(ctx, q, reminderKey); err != nil {
		return err
	}
	return jobs.Cancel(ctx, q, expiryKey)
}

// awaitingReturn loads the case a deadline job is about, or nil when the job is stale: the case
// no longer waits for the goods. A job that fires before the case's current deadline (clock
// skew between instances) runs again at the deadline.
func (s *Service) awaitingReturn(ctx context.Context, tx store.Querier, j *jobs.Job) (*Record, time.Time, error) {
	var p deadlineJob
	if err := j.Decode(&p); err != nil || p.CaseID <= 0 {
		return nil, time.Time{}, jobs.Permanent(fmt.Errorf("bad %s payload %s", j.Kind, j.Payload))
	}
	rec, err := s.get(ctx, tx, p.CaseID)
	if ae, ok := apperr.As(err); ok && ae.Status == http.StatusNotFound {
		return nil, time.Time{}, nil // the case is gone: nothing to remind or expire
	} else if err != nil {
		return nil, time.Time{}, err
	}
	if rec.State != StateAwaitingReturnShipment || rec.ReturnDueAt == nil {
		return nil, time.Time{}, nil
	}
	return rec, *rec.ReturnDueAt, nil
}

// RemindReturnShipment is the reminder job: the customer is told, once, that the deadline is
// near. It runs in the job's transaction, so the reminder is recorded exactly once.
func (s *Service) RemindReturnShipment(ctx context.Context, tx *store.Tx, j *jobs.Job) error {
	rec, due, err := s.awaitingReturn(ctx, tx, j)
	if err != nil || rec == nil {
		return err
	}
	now := s.now()
	if !now.Before(due) {
		return nil // too late to remind; the expiry job closes it
	}
	if err := insertCaseEvent(ctx, tx, rec.ID, now, Actor{Kind: ActorSystem}, rec.State, rec.State, "return shipment reminder sent",
		map[string]any{"event": "return_reminder", "due_at": due}); err != nil {
		return err
	}
	return notify(ctx, tx, rec, "case.return_reminder", ReturnReminderMessage(rec.Ref, rec.Kind, due), now)
}

// ExpireReturnShipment is the expiry job: a case still waiting for the goods at its deadline
// moves to expired (by the system, with the rule in the history) and the customer is told how
// to reopen it. It runs in the job's transaction: exactly once, even across a restart.
func (s *Service) ExpireReturnShipment(ctx context.Context, tx *store.Tx, j *jobs.Job) error {
	rec, due, err := s.awaitingReturn(ctx, tx, j)
	if err != nil || rec == nil {
		return err
	}
	if now := s.now(); now.Before(due) {
		j.RunAgainAt(due)
		return nil
	}
	_, err = s.apply(ctx, tx, rec, Event{Name: EventExpire, Note: "return_shipment_deadline"}, Actor{Kind: ActorSystem}, s.now(), true)
	return err
}

// Register installs the deadline job handlers.
func (s *Service) Register(q *jobs.Queue) {
	q.HandleTx(ReturnReminderJob, s.RemindReturnShipment)
	q.HandleTx(ReturnExpiryJob, s.ExpireReturnShipment)
}
