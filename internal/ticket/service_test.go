package ticket

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/sla"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// fixture is a small shop: a VIP team, a general team, three agents, two customers, one order.
type fixture struct {
	db                          *store.DB
	svc                         *Service
	clock                       time.Time
	vipTeam, generalTeam        int64
	vipAgent, agentA, agentB    int64
	vipCustomer, regular, order int64
	conversation                int64
}

var beijing = time.FixedZone("CST", 8*3600)

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, clock: time.Date(2026, 3, 2, 10, 0, 0, 0, beijing)} // Monday 10:00 Beijing
	f.svc = &Service{DB: db, Now: func() time.Time { return f.clock }}
	ins := func(q string, args ...any) int64 {
		t.Helper()
		id, err := store.InsertID(ctx, db, q+" RETURNING id", args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	now := f.clock
	f.vipTeam = ins(`INSERT INTO teams (name, skills, serves_vip, assignment, created_at) VALUES ('VIP 服务组', '{}', ?, 'least_loaded', ?)`, true, now)
	f.generalTeam = ins(`INSERT INTO teams (name, skills, serves_vip, assignment, created_at) VALUES ('售后组', '{"languages":["zh","en"]}', ?, 'round_robin', ?)`, false, now)
	user := func(email, name, status string) int64 {
		return ins(`INSERT INTO users (email, name, password_hash, role, status, capacity, created_at) VALUES (?, ?, 'x', 'agent', ?, 5, ?)`, email, name, status, now)
	}
	f.vipAgent, f.agentA, f.agentB = user("vip@x", "Vivian", "online"), user("a@x", "Alice", "online"), user("b@x", "Bob", "online")
	for _, m := range [][2]int64{{f.vipTeam, f.vipAgent}, {f.generalTeam, f.agentA}, {f.generalTeam, f.agentB}} {
		if _, err := db.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	f.vipCustomer = ins(`INSERT INTO customers (name, tier, lang, created_at) VALUES ('王芳', 'vip', 'zh', ?)`, now)
	f.regular = ins(`INSERT INTO customers (name, tier, lang, created_at) VALUES ('Tom', 'regular', 'en', ?)`, now)
	f.order = ins(`INSERT INTO orders (number, customer_id, status, payment_status, total_cents, placed_at, updated_at)
		VALUES ('KF20260301001', ?, 'delivered', 'paid', 129900, ?, ?)`, f.vipCustomer, now, now)
	f.conversation = ins(`INSERT INTO conversations (customer_id, created_at, updated_at) VALUES (?, ?, ?)`, f.vipCustomer, now, now)
	return f
}

func (f *fixture) advance(d time.Duration) { f.clock = f.clock.Add(d) }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Code != code {
		t.Fatalf("got %v, want error code %s", err, code)
	}
}

func TestServiceCreateFromHandoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tk, err := f.svc.Create(ctx, CreateInput{
			Subject: "收到的杯子碎了", Source: "bot_handoff", CustomerID: f.vipCustomer, OrderID: f.order,
			ConversationID: f.conversation, Intent: "damaged_item", Sentiment: -0.7, Anger: true,
			Entities: []Entity{{"issue", "broken"}}, Tags: []string{"破损", "破损"},
		}, System)
		if err != nil {
			t.Fatal(err)
		}
		// quality 20 + very negative 20 + anger 25 + VIP 25 + order ¥1,299 (high) 10 = 100 → urgent
		if tk.Category != CategoryQuality || tk.Priority != PriorityUrgent || tk.Status != StatusNew || tk.Version != 1 {
			t.Fatalf("ticket %+v", tk)
		}
		if last := tk.PriorityReasons[len(tk.PriorityReasons)-1]; last.Code != "score" || last.Points != 100 {
			t.Fatalf("reasons %+v", tk.PriorityReasons)
		}
		if deref(tk.TeamID) != f.vipTeam || deref(tk.AssigneeID) != f.vipAgent || tk.Summary.Assignment.Code != "vip_team" {
			t.Fatalf("routing team=%d agent=%d %+v", deref(tk.TeamID), deref(tk.AssigneeID), tk.Summary.Assignment)
		}
		if len(tk.Tags) != 1 || tk.Ref != Ref(tk.ID) {
			t.Fatalf("tags %v ref %s", tk.Tags, tk.Ref)
		}
		// vip-urgent: 15 min first response, 4 h resolution, in 09:00-18:00 Beijing business hours.
		if tk.SLA == nil || tk.SLA.Policy != "vip-urgent" {
			t.Fatalf("sla %+v", tk.SLA)
		}
		if want := f.clock.Add(15 * time.Minute); !tk.FirstResponseDueAt.Equal(want) {
			t.Fatalf("first response due %s, want %s", tk.FirstResponseDueAt, want)
		}
		if want := f.clock.Add(4 * time.Hour); !tk.ResolutionDueAt.Equal(want) {
			t.Fatalf("resolution due %s, want %s", tk.ResolutionDueAt, want)
		}
		evs, err := f.svc.Events(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := []string{}
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
		}
		if len(kinds) != 5 || kinds[0] != "created" || kinds[3] != "assign" || kinds[4] != "sla" {
			t.Fatalf("events %v", kinds)
		}
		var body string
		if err := db.QueryRow(ctx, `SELECT body FROM notifications WHERE ticket_id = ? AND kind = 'ticket.new'`, tk.ID).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if body != StatusMessage(tk.Ref, StatusNew).ZH {
			t.Fatalf("notification %q should be the Chinese text", body)
		}

		// A regular English customer with an agent-chosen priority: the override is recorded.
		tk2, err := f.svc.Create(ctx, CreateInput{Subject: "Where is my parcel?", CustomerID: f.regular, Intent: "order_status",
			Priority: PriorityHigh, Source: "api"}, Agent(f.agentA, "Alice"))
		if err != nil {
			t.Fatal(err)
		}
		if tk2.Priority != PriorityHigh || !tk2.PriorityOverridden || tk2.Category != CategoryLogistics || deref(tk2.TeamID) != f.generalTeam {
			t.Fatalf("ticket2 %+v", tk2)
		}
		if r := tk2.PriorityReasons[len(tk2.PriorityReasons)-1]; r.Code != "agent_override" {
			t.Fatalf("override not recorded: %+v", tk2.PriorityReasons)
		}
		// Round robin in the general team: the next ticket goes to the other agent.
		tk3, err := f.svc.Create(ctx, CreateInput{Subject: "Invoice please", CustomerID: f.regular, Intent: "invoice_request"}, System)
		if err != nil {
			t.Fatal(err)
		}
		if deref(tk3.AssigneeID) == deref(tk2.AssigneeID) || tk3.Priority != PriorityLow {
			t.Fatalf("round robin gave %d twice (priority %s)", deref(tk3.AssigneeID), tk3.Priority)
		}
	})
}

func TestServiceCreateRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		cases := []struct {
			in    CreateInput
			field string
		}{
			{CreateInput{Subject: "  "}, "subject"},
			{CreateInput{Subject: "a\x00b"}, "subject"},
			{CreateInput{Subject: "ok", Source: "fax"}, "source"},
			{CreateInput{Subject: "ok", Type: "idea"}, "type"},
			{CreateInput{Subject: "ok", CustomerID: 9999}, "customer_id"},
			{CreateInput{Subject: "ok", OrderID: 9999}, "order_id"},
			{CreateInput{Subject: "ok", CustomerID: f.regular, OrderID: f.order}, "order_id"},
			{CreateInput{Subject: "ok", ConversationID: 9999}, "conversation_id"},
			{CreateInput{Subject: "ok", Category: "shoes"}, "category"},
			{CreateInput{Subject: "ok", Priority: "p0"}, "priority"},
			{CreateInput{Subject: "ok", Sentiment: -3}, "sentiment"},
		}
		for _, tc := range cases {
			_, err := f.svc.Create(ctx, tc.in, System)
			ae, ok := apperr.As(err)
			if !ok || ae.Field != tc.field {
				t.Errorf("%+v: got %v, want field %s", tc.in, err, tc.field)
			}
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("bad input left %d tickets (%v)", n, err)
		}
	})
}

func TestServiceWorkflowAndSLAPause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tk, err := f.svc.Create(ctx, CreateInput{Subject: "Refund status?", CustomerID: f.regular, Intent: "refund_status"}, System)
		if err != nil {
			t.Fatal(err)
		}
		// normal priority, regular tier: 8h first response, 72h resolution (business time).
		agent := Agent(f.agentA, "Alice")
		f.advance(30 * time.Minute)
		tk, err = f.svc.RecordAgentReply(ctx, tk.ID, agent)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != StatusOpen || tk.FirstRespondedAt == nil || tk.SLA.FirstResponseState != sla.StateMet || tk.FirstResponseDueAt != nil {
			t.Fatalf("after reply: status %s responded %v state %s due %v", tk.Status, tk.FirstRespondedAt, tk.SLA.FirstResponseState, tk.FirstResponseDueAt)
		}
		resDue := *tk.ResolutionDueAt
		// Pending on the customer from Monday 10:30 to Tuesday 10:30 = 9h of business time paused.
		tk, err = f.svc.Transition(ctx, tk.ID, tk.Version, StatusPending, agent, "asked for the order number")
		if err != nil {
			t.Fatal(err)
		}
		if tk.SLAPausedAt == nil || tk.SLA.ResolutionState != sla.StatePaused || tk.ResolutionDueAt != nil {
			t.Fatalf("pending should pause the SLA: %+v %v", tk.SLA, tk.ResolutionDueAt)
		}
		f.advance(24 * time.Hour)
		tk, follow, err := f.svc.CustomerReplied(ctx, tk.ID, Customer(f.regular, "Tom"))
		if err != nil || follow {
			t.Fatal(err, follow)
		}
		if tk.Status != StatusOpen || tk.SLAPausedAt != nil || tk.SLAPausedSeconds != 24*3600 {
			t.Fatalf("customer reply: %s paused_at %v seconds %d", tk.Status, tk.SLAPausedAt, tk.SLAPausedSeconds)
		}
		h := sla.ChinaHours()
		if got := sla.BusinessTime(resDue, *tk.ResolutionDueAt, h); got != 9*time.Hour {
			t.Fatalf("pause pushed the deadline by %s of business time, want 9h (%s → %s)", got, resDue, tk.ResolutionDueAt)
		}
		// Invalid transitions are 409s with a reason; the ticket is unchanged.
		_, err = f.svc.Transition(ctx, tk.ID, tk.Version, StatusNew, agent, "")
		wantCode(t, err, "invalid_transition")
		_, err = f.svc.Transition(ctx, tk.ID, tk.Version, StatusResolved, Customer(f.regular, ""), "")
		wantCode(t, err, "actor_not_allowed")
		tk, err = f.svc.Transition(ctx, tk.ID, tk.Version, StatusResolved, agent, "refunded")
		if err != nil {
			t.Fatal(err)
		}
		if tk.ResolvedAt == nil || tk.SLA.ResolutionState != sla.StateMet {
			t.Fatalf("resolved: %+v", tk.SLA)
		}
		// Auto close after 7 days.
		f.advance(6 * 24 * time.Hour)
		if n, err := f.svc.AutoClose(ctx, 0); err != nil || n != 0 {
			t.Fatalf("closed too early: %d %v", n, err)
		}
		f.advance(24 * time.Hour)
		if n, err := f.svc.AutoClose(ctx, 0); err != nil || n != 1 {
			t.Fatalf("auto close: %d %v", n, err)
		}
		tk, _ = f.svc.Get(ctx, tk.ID)
		if tk.Status != StatusClosed || tk.ClosedAt == nil {
			t.Fatalf("not closed: %s", tk.Status)
		}
		_, err = f.svc.Transition(ctx, tk.ID, tk.Version, StatusOpen, agent, "")
		wantCode(t, err, "ticket_closed")
		if _, follow, _ := f.svc.CustomerReplied(ctx, tk.ID, Customer(f.regular, "")); !follow {
			t.Fatal("a reply to a closed ticket should ask for a follow-up ticket")
		}
		evs, _ := f.svc.Events(ctx, tk.ID)
		var statuses []string
		for _, e := range evs {
			if e.Kind == "status" {
				statuses = append(statuses, e.Before+">"+e.After+":"+e.ActorKind)
			}
		}
		want := []string{"new>open:agent", "open>pending:agent", "pending>open:customer", "open>resolved:agent", "resolved>closed:system"}
		if len(statuses) != len(want) {
			t.Fatalf("history %v, want %v", statuses, want)
		}
		for i := range want {
			if statuses[i] != want[i] {
				t.Fatalf("history %v, want %v", statuses, want)
			}
		}
		var notes, surveys int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE ticket_id = ? AND kind <> ?`, tk.ID, CSATRequestKind).Scan(&notes)
		if notes != 1+len(want) {
			t.Fatalf("customer notified %d times, want %d", notes, 1+len(want))
		}
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE ticket_id = ? AND kind = ?`, tk.ID, CSATRequestKind).Scan(&surveys)
		if surveys != 1 {
			t.Fatalf("asked to rate %d times, want once on resolve", surveys)
		}
	})
}

func TestServiceOptimisticConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tk, err := f.svc.Create(ctx, CreateInput{Subject: "concurrency", CustomerID: f.regular}, System)
		if err != nil {
			t.Fatal(err)
		}
		// Two agents opened version 1 and both save: exactly one wins, the other gets stale_version.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		targets := []Status{StatusPending, StatusOnHold}
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = f.svc.Transition(ctx, tk.ID, tk.Version, targets[i], Agent(f.agentA+int64(i), ""), "")
			}(i)
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				wantCode(t, err, "stale_version")
			}
		}
		if won != 1 {
			t.Fatalf("%d edits won: %v", won, errs)
		}
		cur, _ := f.svc.Get(ctx, tk.ID)
		if cur.Version != 2 {
			t.Fatalf("version %d, want 2", cur.Version)
		}
		// A stale form is refused even when nobody is racing.
		_, err = f.svc.SetPriority(ctx, tk.ID, 1, PriorityUrgent, Agent(f.agentA, ""), "")
		wantCode(t, err, "stale_version")
		cur, err = f.svc.SetPriority(ctx, tk.ID, cur.Version, PriorityUrgent, Agent(f.agentA, "Alice"), "customer is a journalist")
		if err != nil {
			t.Fatal(err)
		}
		if !cur.PriorityOverridden || cur.Priority != PriorityUrgent || cur.SLA.Policy != "urgent" {
			t.Fatalf("override: %+v %s", cur.Priority, cur.SLA.Policy)
		}
	})
}

func TestServiceNotesReassignAndBreach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		pol := sla.DefaultPolicies()
		for i := range pol.Policies {
			pol.Policies[i].OnBreach = []string{sla.OnBreachNotifySupervisor, sla.OnBreachRaisePriority, sla.OnBreachReassign}
		}
		if err := f.svc.SetSLAPolicies(ctx, pol); err != nil {
			t.Fatal(err)
		}
		bad := pol
		bad.Policies = pol.Policies[1:]
		if err := f.svc.SetSLAPolicies(ctx, bad); err == nil {
			t.Fatal("invalid policies saved")
		}
		tk, err := f.svc.Create(ctx, CreateInput{Subject: "where is it", CustomerID: f.regular, Intent: "order_status"}, System)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := f.svc.AddNote(ctx, tk.ID, Agent(f.agentA, "Alice"), "@Bob 请看一下 @Bob @主管")
		if err != nil || !ev.Internal || ev.After != `["Bob","主管"]` {
			t.Fatalf("note %+v %v", ev, err)
		}
		if _, err := f.svc.AddNote(ctx, tk.ID, Customer(1, ""), "hi"); err == nil {
			t.Fatal("customers cannot write internal notes")
		}
		tk, err = f.svc.Reassign(ctx, tk.ID, tk.Version, f.generalTeam, f.agentB, Agent(f.agentA, "Alice"))
		if err != nil || deref(tk.AssigneeID) != f.agentB {
			t.Fatalf("reassign %v %v", deref(tk.AssigneeID), err)
		}
		_, err = f.svc.Reassign(ctx, tk.ID, tk.Version, 999, 0, Agent(f.agentA, ""))
		if ae, _ := apperr.As(err); ae == nil || ae.Field != "team_id" {
			t.Fatalf("unknown team: %v", err)
		}
		// normal/regular: 8h first response. Monday 10:00 + 8h business = Monday 18:00; warning at
		// 75% (6h) = 16:00.
		if next, ok := NextSLACheck(tk); !ok || !next.Equal(time.Date(2026, 3, 2, 16, 0, 0, 0, beijing)) {
			t.Fatalf("next check %s %v", next, ok)
		}
		if due, err := f.svc.SLADue(ctx, f.clock.Add(5*time.Hour)); err != nil || len(due) != 0 {
			t.Fatalf("nothing due before the warning: %v %v", due, err)
		}
		f.advance(6*time.Hour + 30*time.Minute) // 16:30
		if due, err := f.svc.SLADue(ctx, f.clock); err != nil || len(due) != 1 || due[0] != tk.ID {
			t.Fatalf("warning due: %v %v", due, err)
		}
		tk, err = f.svc.CheckSLA(ctx, tk.ID)
		if err != nil || tk.SLA.FirstResponseState != sla.StateWarning || tk.SLABreached {
			t.Fatalf("warning: %+v %v", tk.SLA, err)
		}
		if due, _ := f.svc.SLADue(ctx, f.clock); len(due) != 0 {
			t.Fatalf("a recorded warning is not due again: %v", due)
		}
		if next, ok := NextSLACheck(tk); !ok || !next.Equal(tk.FirstResponseDueAt.Add(time.Nanosecond)) {
			t.Fatalf("next check after the warning %s %v", next, ok)
		}
		f.advance(time.Hour + 31*time.Minute) // 18:01
		if due, _ := f.svc.SLADue(ctx, f.clock); len(due) != 1 {
			t.Fatalf("breach due: %v", due)
		}
		// The sweep (what the recurring job runs) finds and records the breach.
		if n, err := f.svc.SweepSLA(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		tk, err = f.svc.Get(ctx, tk.ID)
		if err != nil || tk.SLA.FirstResponseState != sla.StateBreached || !tk.SLABreached {
			t.Fatalf("breach: %+v %v", tk.SLA, err)
		}
		if tk.Priority != PriorityHigh || tk.AssigneeID != nil {
			t.Fatalf("escalation: priority %s assignee %v", tk.Priority, tk.AssigneeID)
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE ticket_id = ? AND channel = 'supervisor'`, tk.ID).Scan(&n)
		if n != 1 {
			t.Fatalf("supervisor notifications %d", n)
		}
		// Checking again escalates nothing more.
		tk, _ = f.svc.CheckSLA(ctx, tk.ID)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE ticket_id = ? AND channel = 'supervisor'`, tk.ID).Scan(&n)
		if n != 1 || tk.Priority != PriorityHigh {
			t.Fatalf("escalated twice: %d %s", n, tk.Priority)
		}
		evs, _ := f.svc.Events(ctx, tk.ID)
		slaEvents := 0
		for _, e := range evs {
			if e.Kind == "sla" && e.Field == "first_response" {
				slaEvents++
			}
		}
		if slaEvents != 2 {
			t.Fatalf("want a warning and a breach event, got %d", slaEvents)
		}
		if _, err := f.svc.Get(ctx, 424242); err == nil {
			t.Fatal("missing ticket found")
		}
	})
}

// Hostile text in every free-text field is stored verbatim or refused with a 400, never a 500.
func TestServiceHostileText(t *testing.T) {
	lines := hostileStrings(t)
	if len(lines) > 300 {
		lines = lines[:300]
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		stored := 0
		for _, s := range lines {
			tk, err := f.svc.Create(ctx, CreateInput{Subject: "x" + s, Description: s, CustomerID: f.regular, Intent: s,
				Entities: []Entity{{"issue", s}}, Tags: []string{"t" + s}}, System)
			if err != nil {
				if ae, ok := apperr.As(err); !ok || ae.Status != 400 {
					t.Fatalf("%q: %v", s, err)
				}
				continue
			}
			stored++
			got, err := f.svc.Get(ctx, tk.ID)
			if err != nil || got.Description != strings.TrimSpace(s) {
				t.Fatalf("%q stored as %q (%v)", s, got.Description, err)
			}
			if _, err := f.svc.AddNote(ctx, tk.ID, Agent(f.agentA, s), "n"+s); err != nil {
				if ae, ok := apperr.As(err); !ok || ae.Status != 400 {
					t.Fatalf("note %q: %v", s, err)
				}
			}
		}
		if stored < len(lines)/2 {
			t.Fatalf("only %d of %d hostile strings were storable", stored, len(lines))
		}
	})
}
