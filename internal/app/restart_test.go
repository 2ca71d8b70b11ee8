package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"kefu/internal/app"
	"kefu/internal/conversation"
	"kefu/internal/jobs"
	"kefu/internal/notify"
	"kefu/internal/pii"
	"kefu/internal/sla"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
	"kefu/internal/ticket"
)

// clock is a controllable time shared by every service of one or more app instances.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func useClock(a *app.App, c *clock) {
	a.Tickets.Now, a.Aftersales.Now, a.Notify.Now, a.Jobs.Now, a.Webhooks.Now = c.Now, c.Now, c.Now, c.Now, c.Now
}

// round runs the due jobs of a queue a bounded number of times (recurring sweeps reschedule
// themselves, so "until the queue is empty" would never end).
//
// app/jobs.go reschedules the SLA sweep from the wall clock (time.Now()+30s) rather than the
// queue's clock; under this test's clock, 10+ minutes ahead, that would make the sweep due
// again at once and starve every other job. So after each run a sweep rescheduled that way is
// moved to the same 30 seconds on the test clock.
func round(t *testing.T, q *jobs.Queue, c *clock) {
	t.Helper()
	c.Advance(31 * time.Second)
	for i := 0; i < 12; i++ {
		ran, err := q.RunOne(context.Background())
		if err != nil {
			t.Fatalf("job run: %v", err)
		}
		if !ran {
			return
		}
		if _, err := q.DB.Exec(context.Background(), `UPDATE jobs SET run_at = ? WHERE kind = ? AND status = 'queued' AND run_at > ? AND run_at < ?`,
			c.Now().Add(30*time.Second), app.SLASweepJob, time.Now().Add(20*time.Second), c.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestJobRunnerKilledMidwayFiresSLAAndNotificationsOnce kills the job runner in the middle of
// its SLA sweep and its notification delivery (after their effects, before the jobs are marked
// done), keeps the server down while the first-response deadline passes, then starts a new
// instance on the same database. The warning, the breach, the supervisor alert and every
// customer message must each exist exactly once, however many sweeps run afterwards.
func TestJobRunnerKilledMidwayFiresSLAAndNotificationsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box, err := pii.New(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		// Ten minutes ahead of the wall clock: jobs enqueued at time.Now() are due, while the
		// hourly auto-close sweep (rescheduled from the wall clock in app/jobs.go) stays out of
		// the way for the ~45 simulated minutes of this test.
		clk := &clock{t: time.Now().UTC().Add(10 * time.Minute).Truncate(time.Second)}
		first := app.New(db, box, log)
		useClock(first, clk)
		if err := first.Tickets.SetDefaultHours(ctx, sla.BusinessHours{Weekly: map[string][]sla.Interval{}}); err != nil { // 24×7
			t.Fatal(err)
		}
		customer, err := store.InsertID(ctx, db, `INSERT INTO customers (name, tier, lang, created_at) VALUES ('Tom', 'regular', 'en', ?) RETURNING id`, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		conv, err := first.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: customer, Channel: "web", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := first.Tickets.Create(ctx, ticket.CreateInput{Subject: "Parcel stuck for a week", CustomerID: customer,
			ConversationID: conv.ID, Priority: ticket.PriorityUrgent, Source: "api"}, ticket.Agent(0, "shop form"))
		if err != nil {
			t.Fatal(err)
		}
		// Urgent: first response within 30 minutes, warning at 75% (22.5 minutes).
		if tk.FirstResponseDueAt == nil || !tk.FirstResponseDueAt.Equal(tk.CreatedAt.Add(30*time.Minute)) {
			t.Fatalf("first response due %v, created %v", tk.FirstResponseDueAt, tk.CreatedAt)
		}
		if err := app.ScheduleRecurringJobs(ctx, db); err != nil {
			t.Fatal(err)
		}
		// The nightly NLU retraining is not under test and takes seconds of CPU.
		if err := jobs.Cancel(ctx, db, app.NightlyJob); err != nil {
			t.Fatal(err)
		}
		round(t, first.Jobs, clk)
		round(t, first.Jobs, clk)

		// An agent puts the ticket on hold (the customer is to be told), then time reaches the
		// warning instant. The runner now "dies" inside both sweeps: the SLA sweep has recorded
		// the warning, the notification sweep has posted the message, and neither job is
		// marked done — the process is gone before that, holding their leases.
		if _, err := first.Tickets.Transition(ctx, tk.ID, 0, ticket.StatusOnHold, ticket.Agent(0, "Alice"), "asked the carrier"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(23 * time.Minute)
		killed := map[string]bool{}
		var kill context.CancelFunc
		crash := func(kind string, work func(ctx context.Context) error) {
			first.Jobs.Handle(kind, func(ctx context.Context, j *jobs.Job) error {
				if err := work(ctx); err != nil {
					return err
				}
				// The process dies here: its context ends, so the queue cannot record that
				// the job finished (or failed); the row stays "running" under its lease.
				killed[kind] = true
				kill()
				return ctx.Err()
			})
		}
		crash(app.SLASweepJob, func(ctx context.Context) error { _, err := first.Tickets.SweepSLA(ctx); return err })
		crash(notify.SweepJob, func(ctx context.Context) error { return postPendingLikeDeliver(ctx, db, first.Conversations) })
		first.Jobs.Lease = 2 * time.Minute
		for i := 0; i < 12 && !(killed[app.SLASweepJob] && killed[notify.SweepJob]); i++ {
			runCtx, cancel := context.WithCancel(ctx)
			kill = cancel
			first.Jobs.RunOne(runCtx) // fails for a killed run: the dead runner cannot write
			cancel()
		}
		if !killed[app.SLASweepJob] || !killed[notify.SweepJob] {
			t.Fatalf("the runner was not killed inside both sweeps: %v", killed)
		}
		var running int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE status = 'running' AND kind IN (?, ?)`, app.SLASweepJob, notify.SweepJob).Scan(&running)
		if running != 2 {
			t.Fatalf("%d sweeps left running by the dead runner, want 2", running)
		}
		if got := countEvents(t, db, tk.ID, "first_response", "warning"); got != 1 {
			t.Fatalf("warning events before the restart: %d", got)
		}

		// Down for 17 minutes: the first-response deadline (30 min) passes, leases expire.
		clk.Advance(17 * time.Minute)
		second := app.New(db, box, log)
		useClock(second, clk)
		if err := app.ScheduleRecurringJobs(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := jobs.Cancel(ctx, db, app.NightlyJob); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			round(t, second.Jobs, clk)
		}
		if got := countEvents(t, db, tk.ID, "first_response", "warning"); got != 1 {
			t.Errorf("first-response warning recorded %d times, want once", got)
		}
		if got := countEvents(t, db, tk.ID, "first_response", "breached"); got != 1 {
			t.Errorf("first-response breach recorded %d times, want once", got)
		}
		var alerts int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE ticket_id = ? AND channel = 'supervisor' AND kind = 'sla.breach'`, tk.ID).Scan(&alerts)
		if alerts != 1 {
			t.Errorf("supervisor alerted %d times, want once", alerts)
		}
		got, err := second.Tickets.Get(ctx, tk.ID)
		if err != nil || !got.SLABreached || got.SLA.FirstResponseState != sla.StateBreached {
			t.Fatalf("ticket after restart: %+v %v", got, err)
		}
		told := systemMessages(t, db, conv.ID)
		want := []string{ticket.StatusMessage(tk.Ref, ticket.StatusNew).EN, ticket.StatusMessage(tk.Ref, ticket.StatusOnHold).EN}
		if fmt.Sprint(told) != fmt.Sprint(want) {
			t.Errorf("customer was told %q, want each update once: %q", told, want)
		}
		var pending int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE channel = 'chat' AND status = 'pending'`).Scan(&pending)
		if pending != 0 {
			t.Errorf("%d chat notifications still pending", pending)
		}
	})
}

// postPendingLikeDeliver is the first half of notify.Deliver: it posts each pending chat
// notification with Deliver's idempotency key, then "dies" before marking it sent.
func postPendingLikeDeliver(ctx context.Context, db *store.DB, convs *conversation.Service) error {
	rows, err := db.Query(ctx, `SELECT id, conversation_id, body FROM notifications WHERE channel = 'chat' AND status = 'pending' ORDER BY id`)
	if err != nil {
		return err
	}
	type row struct {
		id, conv int64
		body     string
	}
	var batch []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.conv, &r.body); err != nil {
			rows.Close()
			return err
		}
		batch = append(batch, r)
	}
	rows.Close()
	for _, r := range batch {
		if _, _, err := convs.Post(ctx, conversation.NewMessage{ConversationID: r.conv, SenderKind: "system", Body: r.body,
			ClientMsgID: fmt.Sprintf("notification-%d", r.id)}); err != nil {
			return err
		}
	}
	return nil
}

func countEvents(t *testing.T, db *store.DB, ticketID int64, field, after string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? AND kind = 'sla' AND field = ? AND after_value = ?`,
		ticketID, field, after).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
