package ticket

import (
	"context"
	"slices"
	"testing"
	"time"

	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// listIDs runs List and returns the ids in the order returned.
func listIDs(t *testing.T, svc *Service, f Filter, page store.Page) []int64 {
	t.Helper()
	items, err := svc.List(context.Background(), f, page)
	if err != nil {
		t.Fatalf("List(%+v, %+v): %v", f, page, err)
	}
	ids := []int64{}
	for _, tk := range items {
		ids = append(ids, tk.ID)
	}
	return ids
}

// storedRiskAt reads tickets.sla_risk_at.
func storedRiskAt(t *testing.T, db *store.DB, id int64) *time.Time {
	t.Helper()
	var at *time.Time
	if err := db.QueryRow(context.Background(), `SELECT sla_risk_at FROM tickets WHERE id = ?`, id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestListQueues checks the queue filters (open, unassigned, SLA at risk) and that the at-risk
// instant stored on the ticket follows its SLA clocks: the earliest warning of a running clock,
// none once the clocks are stopped or paused.
func TestListQueues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		agent := Agent(f.agentA, "Alice")
		// a: regular customer (routed to the general team, an agent assigned); b an hour later.
		a, err := f.svc.Create(ctx, CreateInput{Subject: "Refund status?", CustomerID: f.regular, Intent: "refund_status"}, System)
		if err != nil {
			t.Fatal(err)
		}
		f.advance(time.Hour)
		b, err := f.svc.Create(ctx, CreateInput{Subject: "Where is my parcel?", CustomerID: f.regular, Intent: "order_status"}, System)
		if err != nil {
			t.Fatal(err)
		}
		// c: nobody online in any team, so it waits unassigned.
		if _, err := db.Exec(ctx, `UPDATE users SET status = 'away'`); err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Create(ctx, CreateInput{Subject: "Invoice please", CustomerID: f.regular, Intent: "invoice_request"}, System)
		if err != nil {
			t.Fatal(err)
		}
		if a.AssigneeID == nil || b.AssigneeID == nil || c.AssigneeID != nil {
			t.Fatalf("assignees: a %v b %v c %v", a.AssigneeID, b.AssigneeID, c.AssigneeID)
		}
		for _, tk := range []*Ticket{a, b, c} {
			want := *tk.SLA.FirstResponseWarn
			if tk.SLA.ResolutionWarn.Before(want) {
				want = *tk.SLA.ResolutionWarn
			}
			if got := storedRiskAt(t, db, tk.ID); got == nil || !got.Equal(want) {
				t.Fatalf("ticket %d: sla_risk_at %v, want the earliest warning %v", tk.ID, got, want)
			}
		}
		newest := store.Page{Sort: "t.id", Desc: true, Limit: 50}
		if got := listIDs(t, f.svc, Filter{Unassigned: true}, newest); !slices.Equal(got, []int64{c.ID}) {
			t.Fatalf("unassigned: %v, want [%d]", got, c.ID)
		}
		if got := listIDs(t, f.svc, Filter{AssigneeID: *a.AssigneeID, Open: true}, newest); !slices.Contains(got, a.ID) {
			t.Fatalf("mine: %v, want %d in it", got, a.ID)
		}

		// At risk once a warning instant has passed: a's warning comes an hour before b's.
		riskAt := func(now time.Time) []int64 {
			return listIDs(t, f.svc, Filter{SLAAtRisk: true, Now: now}, store.Page{Sort: "t.id", Limit: 50})
		}
		aWarn := *storedRiskAt(t, db, a.ID)
		if got := riskAt(aWarn.Add(-time.Second)); len(got) != 0 {
			t.Fatalf("at risk before any warning: %v", got)
		}
		if got := riskAt(aWarn); !slices.Equal(got, []int64{a.ID}) {
			t.Fatalf("at risk at a's warning: %v, want [%d]", got, a.ID)
		}

		// Answering stops a's first-response clock: its resolution warning is next.
		f.advance(10 * time.Minute)
		a, err = f.svc.RecordAgentReply(ctx, a.ID, agent)
		if err != nil {
			t.Fatal(err)
		}
		if got := storedRiskAt(t, db, a.ID); got == nil || !got.Equal(*a.SLA.ResolutionWarn) {
			t.Fatalf("after the reply: sla_risk_at %v, want the resolution warning %v", got, a.SLA.ResolutionWarn)
		}
		if got := riskAt(aWarn); len(got) != 0 {
			t.Fatalf("at risk after a's first response: %v", got)
		}
		// Pending pauses every running clock: nothing left to warn about.
		a, err = f.svc.Transition(ctx, a.ID, a.Version, StatusPending, agent, "asked for the order number")
		if err != nil {
			t.Fatal(err)
		}
		if got := storedRiskAt(t, db, a.ID); got != nil {
			t.Fatalf("pending: sla_risk_at %v, want none", got)
		}
		// Resolved tickets leave the open queues, however late they are.
		b, err = f.svc.Transition(ctx, b.ID, b.Version, StatusResolved, agent, "sent the tracking link")
		if err != nil {
			t.Fatal(err)
		}
		far := f.clock.Add(30 * 24 * time.Hour)
		if got := riskAt(far); !slices.Equal(got, []int64{c.ID}) {
			t.Fatalf("at risk a month later: %v, want only the open, unpaused %d", got, c.ID)
		}
		if got := listIDs(t, f.svc, Filter{Open: true}, newest); !slices.Equal(got, []int64{c.ID, a.ID}) {
			t.Fatalf("open: %v, want [%d %d]", got, c.ID, a.ID)
		}
		// Every sort pages the same set in a stable order, with the extra row for has_more.
		for _, srt := range Sorts {
			for _, desc := range []bool{false, true} {
				all := listIDs(t, f.svc, Filter{}, store.Page{Sort: srt, Desc: desc, Limit: 3})
				first := listIDs(t, f.svc, Filter{}, store.Page{Sort: srt, Desc: desc, Limit: 1})
				second := listIDs(t, f.svc, Filter{}, store.Page{Sort: srt, Desc: desc, Limit: 1, Offset: 1})
				if len(all) != 3 || len(first) != 2 || !slices.Equal(first, all[:2]) || !slices.Equal(second, all[1:3]) {
					t.Fatalf("sort %s desc=%v: all %v, page 1 %v, page 2 %v", srt, desc, all, first, second)
				}
			}
		}
	})
}
