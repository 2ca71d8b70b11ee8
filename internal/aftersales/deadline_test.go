package aftersales

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"kefu/internal/jobs"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func TestReturnDeadline(t *testing.T) {
	bj := policyMonth
	cases := []struct {
		name        string
		from        time.Time
		days        int
		due, remind time.Time
	}{
		{"7 days, end of the 7th day Beijing time", time.Date(2026, 3, 6, 10, 0, 0, 0, bj), 7,
			time.Date(2026, 3, 13, 23, 59, 59, 0, bj), time.Date(2026, 3, 11, 23, 59, 59, 0, bj)},
		{"late evening UTC is the next day in Beijing", time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC), 7,
			time.Date(2026, 3, 14, 23, 59, 59, 0, bj), time.Date(2026, 3, 12, 23, 59, 59, 0, bj)},
		{"0 means the default 7", time.Date(2026, 3, 6, 10, 0, 0, 0, bj), 0,
			time.Date(2026, 3, 13, 23, 59, 59, 0, bj), time.Date(2026, 3, 11, 23, 59, 59, 0, bj)},
		{"month end", time.Date(2026, 1, 28, 9, 0, 0, 0, bj), 7,
			time.Date(2026, 2, 4, 23, 59, 59, 0, bj), time.Date(2026, 2, 2, 23, 59, 59, 0, bj)},
		{"1 day: reminded half-way", time.Date(2026, 3, 6, 11, 59, 59, 0, bj), 1,
			time.Date(2026, 3, 7, 23, 59, 59, 0, bj), time.Date(2026, 3, 7, 5, 59, 59, 0, bj)},
	}
	for _, c := range cases {
		due, remind := ReturnDeadline(c.from, c.days)
		if !due.Equal(c.due) || !remind.Equal(c.remind) {
			t.Errorf("%s: due %v remind %v, want %v %v", c.name, due.In(bj), remind.In(bj), c.due, c.remind)
		}
		if !remind.After(c.from) || !remind.Before(due) || due.Location() != time.UTC {
			t.Errorf("%s: reminder must fall between the start and the deadline (UTC)", c.name)
		}
	}
}

func TestPolicyReturnShipmentDays(t *testing.T) {
	p := DefaultPolicy()
	for _, tier := range Tiers {
		if d := p.For(tier).ShipmentDays(); d != 7 {
			t.Errorf("%s: %d days to ship a return, the published policy says 7", tier, d)
		}
	}
	vip := p.Tiers[TierVIP]
	vip.ReturnShipmentDays = 61
	p.Tiers[TierVIP] = vip
	if err := p.Validate(); code(err) != "invalid_field:tiers.vip.return_shipment_days" {
		t.Fatalf("61 days: %v", err)
	}
	vip.ReturnShipmentDays = 0
	p.Tiers[TierVIP] = vip
	if err := p.Validate(); err != nil || p.For(TierVIP).ShipmentDays() != DefaultReturnShipmentDays {
		t.Fatalf("0 = default: %v", err)
	}
}

func TestExpiredReturnReopensOnce(t *testing.T) {
	cust := Actor{Kind: ActorCustomer, ID: 1}
	c := Case{Kind: KindReturn, State: StateExpired}
	c, err := Transition(c, Event{Name: EventReopen}, cust)
	if err != nil || c.State != StateAwaitingReturnShipment || c.ReturnReopens != 1 {
		t.Fatalf("first reopen: %+v %v", c, err)
	}
	c.State = StateExpired
	if _, err := Transition(c, Event{Name: EventReopen}, cust); code(err) != "reopen_limit:" {
		t.Fatalf("second reopen: %v", err)
	}
	if m := CaseMessage("AS-1", c); m.ZH == "" || m.EN == "" {
		t.Fatal("no expiry message")
	}
	if CaseMessage("AS-1", Case{Kind: KindReturn, State: StateExpired}).EN == CaseMessage("AS-1", c).EN {
		t.Error("the expiry message must only offer reopening while it is still possible")
	}
}

// deadlineRig runs the real job queue against the shop, with one clock for both.
type deadlineRig struct {
	*shop
	queue *jobs.Queue
}

func newDeadlineRig(t *testing.T, db *store.DB) *deadlineRig {
	s := newShop(t, db)
	r := &deadlineRig{shop: s}
	r.queue = r.newQueue()
	return r
}

// newQueue is a fresh worker, as after a restart: nothing is kept in memory between them.
func (r *deadlineRig) newQueue() *jobs.Queue {
	q := jobs.New(r.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	q.Now = func() time.Time { return r.clock }
	svc := &Service{DB: r.db, Now: func() time.Time { return r.clock }}
	svc.Register(q)
	return q
}

func (r *deadlineRig) runDue(t *testing.T) int {
	t.Helper()
	n := 0
	for {
		ran, err := r.queue.RunOne(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return n
		}
		n++
	}
}

func (r *deadlineRig) notifications(t *testing.T, caseID int64, kind string) []string {
	t.Helper()
	rows, err := r.db.Query(context.Background(), `SELECT body FROM notifications WHERE case_id = ? AND kind = ? ORDER BY id`, caseID, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		rows.Scan(&b)
		out = append(out, b)
	}
	return out
}

// approvedReturn files and approves a return of the regular customer's shirts and asks for the
// goods back: the deadline starts.
func (r *deadlineRig) approvedReturn(t *testing.T) *Record {
	t.Helper()
	ctx := context.Background()
	agent := Actor{Kind: ActorAgent, ID: 7}
	rec, err := r.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: r.regular, OrderID: r.order,
		Items: []CaseItem{{OrderItemID: r.shirtLine, Qty: 1}}}, Actor{Kind: ActorCustomer, ID: r.regular})
	if err != nil {
		t.Fatal(err)
	}
	if rec.State == StateRequested {
		if rec, err = r.svc.Transition(ctx, rec.ID, 0, Event{Name: EventApprove}, agent); err != nil {
			t.Fatal(err)
		}
	}
	if rec, err = r.svc.Transition(ctx, rec.ID, 0, Event{Name: EventRequestReturn}, agent); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestReturnShipmentDeadlineRemindsThenExpiresOnceAcrossRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newDeadlineRig(t, db)
		ctx := context.Background()
		rec := r.approvedReturn(t)
		wantDue, wantRemind := ReturnDeadline(r.clock, 7)
		if rec.State != StateAwaitingReturnShipment || rec.ReturnDueAt == nil || !rec.ReturnDueAt.Equal(wantDue) {
			t.Fatalf("case %s due %v, want %v", rec.State, rec.ReturnDueAt, wantDue)
		}
		told := r.notifications(t, rec.ID, "case."+string(StateAwaitingReturnShipment))
		if len(told) != 1 || told[0] != CaseMessage(rec.Ref, Case{Kind: KindReturn, State: StateAwaitingReturnShipment, ReturnDueAt: wantDue}).EN {
			t.Fatalf("the customer must be told the deadline: %q", told)
		}
		if n := r.runDue(t); n != 0 {
			t.Fatalf("%d jobs ran before anything was due", n)
		}

		// The worker restarts after the reminder instant: the new one sends it, once.
		r.clock = wantRemind.Add(time.Minute)
		r.queue = r.newQueue()
		if n := r.runDue(t); n != 1 {
			t.Fatalf("%d jobs at the reminder, want 1", n)
		}
		r.runDue(t)
		reminders := r.notifications(t, rec.ID, "case.return_reminder")
		if len(reminders) != 1 || reminders[0] != ReturnReminderMessage(rec.Ref, KindReturn, wantDue).EN {
			t.Fatalf("reminders %q", reminders)
		}

		// Down over the deadline, started again a day later: the case expires exactly once.
		r.clock = wantDue.Add(24 * time.Hour)
		r.queue = r.newQueue()
		r.runDue(t)
		r.queue = r.newQueue()
		r.runDue(t)
		got, err := r.svc.Get(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != StateExpired || got.ReturnDueAt != nil {
			t.Fatalf("after the deadline: %s due %v", got.State, got.ReturnDueAt)
		}
		expired := r.notifications(t, rec.ID, "case.expired")
		if len(expired) != 1 || expired[0] != CaseMessage(rec.Ref, Case{Kind: KindReturn, State: StateExpired}).EN {
			t.Fatalf("expiry told %q", expired)
		}
		events, _ := r.svc.Events(ctx, rec.ID)
		last := events[len(events)-1]
		if last.ActorKind != "system" || last.From != StateAwaitingReturnShipment || last.To != StateExpired || last.Note != "return_shipment_deadline" {
			t.Fatalf("audit trail %+v", last)
		}

		// Reopened once: a fresh deadline and fresh jobs; the second expiry cannot reopen again.
		cust := Actor{Kind: ActorCustomer, ID: r.regular}
		again, err := r.svc.Transition(ctx, rec.ID, 0, Event{Name: EventReopen}, cust)
		if err != nil {
			t.Fatal(err)
		}
		due2, _ := ReturnDeadline(r.clock, 7)
		if again.State != StateAwaitingReturnShipment || again.ReturnDueAt == nil || !again.ReturnDueAt.Equal(due2) || again.ReturnReopens != 1 {
			t.Fatalf("reopened %+v", again)
		}
		r.clock = due2.Add(time.Second)
		r.runDue(t)
		if got, _ := r.svc.Get(ctx, rec.ID); got.State != StateExpired {
			t.Fatalf("second deadline: %s", got.State)
		}
		if _, err := r.svc.Transition(ctx, rec.ID, 0, Event{Name: EventReopen}, cust); code(err) != "reopen_limit:" {
			t.Fatalf("third chance: %v", err)
		}
		if n := len(r.notifications(t, rec.ID, "case.expired")); n != 2 {
			t.Fatalf("expiry notifications %d, want one per expiry", n)
		}
	})
}

func TestShippedReturnCancelsTheDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newDeadlineRig(t, db)
		ctx := context.Background()
		rec := r.approvedReturn(t)
		due := *rec.ReturnDueAt
		rec, err := r.svc.Transition(ctx, rec.ID, 0, Event{Name: EventShipReturn, TrackingNumber: "SF1234567890"}, Actor{Kind: ActorCustomer, ID: r.regular})
		if err != nil {
			t.Fatal(err)
		}
		var live int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind IN (?, ?) AND status = 'queued'`, ReturnReminderJob, ReturnExpiryJob).Scan(&live)
		if live != 0 || rec.ReturnDueAt != nil {
			t.Fatalf("after shipping: %d deadline jobs still queued, due %v", live, rec.ReturnDueAt)
		}
		r.clock = due.Add(time.Hour)
		r.runDue(t)
		got, _ := r.svc.Get(ctx, rec.ID)
		if got.State != StateReturnInTransit || len(r.notifications(t, rec.ID, "case.return_reminder")) != 0 {
			t.Fatalf("a shipped return must not be reminded or expired: %s", got.State)
		}
	})
}
