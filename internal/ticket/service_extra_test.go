package ticket

import (
	"context"
	"strings"
	"testing"
	"time"

	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func TestServiceMacros(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		alice := Agent(f.agentA, "Alice")
		m, err := f.svc.SaveMacro(ctx, Macro{Name: "要照片", Body: "{customer.name}您好，订单 {order.number} 的问题请上传照片。——{agent.name}（{ticket.id}）",
			Actions: []Action{{ActionSetStatus, "pending"}, {ActionAddTag, "需要照片"}, {ActionSetPriority, "high"}, {ActionAssignTeam, "0"}}}, alice)
		if code(err) != "invalid_field" {
			t.Fatalf("team 0 should be invalid: %v", err)
		}
		m, err = f.svc.SaveMacro(ctx, Macro{Name: "要照片", Body: "{customer.name}您好，订单 {order.number} 的问题请上传照片。——{agent.name}（{ticket.id}）",
			Actions: []Action{{ActionSetStatus, "pending"}, {ActionAddTag, "需要照片"}, {ActionSetPriority, "high"}}}, alice)
		if err != nil || m.ID == 0 {
			t.Fatal(m, err)
		}
		if _, err := f.svc.SaveMacro(ctx, Macro{Name: "要照片", Body: "dup"}, alice); code(err) != "macro_name_taken" {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := f.svc.SaveMacro(ctx, Macro{ID: 9999, Name: "x", Body: "y"}, alice); code(err) != "not_found" {
			t.Fatalf("update missing: %v", err)
		}
		list, err := f.svc.Macros(ctx)
		if err != nil || len(list) != 1 || len(list[0].Actions) != 3 {
			t.Fatalf("list %+v %v", list, err)
		}
		tk, err := f.svc.Create(ctx, CreateInput{Subject: "杯子碎了", CustomerID: f.vipCustomer, OrderID: f.order, Intent: "product_inquiry"}, System)
		if err != nil {
			t.Fatal(err)
		}
		tk, err = f.svc.Transition(ctx, tk.ID, tk.Version, StatusOpen, alice, "")
		if err != nil {
			t.Fatal(err)
		}
		prio := tk.Priority
		tk, reply, err := f.svc.ApplyMacro(ctx, tk.ID, tk.Version, m.ID, nil, alice)
		if err != nil {
			t.Fatal(err)
		}
		want := "王芳您好，订单 KF20260301001 的问题请上传照片。——Alice（" + tk.Ref + "）"
		if reply != want {
			t.Fatalf("reply %q\nwant  %q", reply, want)
		}
		if tk.Status != StatusPending || tk.Priority != PriorityHigh || len(tk.Tags) != 1 || tk.Tags[0] != "需要照片" || tk.SLAPausedAt == nil {
			t.Fatalf("after macro: %s %s %v paused=%v (was %s)", tk.Status, tk.Priority, tk.Tags, tk.SLAPausedAt, prio)
		}
		// A stale version fails the whole macro; nothing changes.
		if _, _, err := f.svc.ApplyMacro(ctx, tk.ID, tk.Version-1, m.ID, nil, alice); code(err) != "stale_version" {
			t.Fatalf("stale: %v", err)
		}
		// A variable the ticket cannot fill fails cleanly.
		m2, _ := f.svc.SaveMacro(ctx, Macro{Name: "物流", Body: "单号 {tracking.number}"}, alice)
		if _, _, err := f.svc.ApplyMacro(ctx, tk.ID, 0, m2.ID, nil, alice); code(err) != "invalid_field" {
			t.Fatalf("missing variable: %v", err)
		}
		if _, reply, err := f.svc.ApplyMacro(ctx, tk.ID, 0, m2.ID, map[string]string{"tracking.number": "SF1"}, alice); err != nil || reply != "单号 SF1" {
			t.Fatalf("caller variable: %q %v", reply, err)
		}
		if err := f.svc.DeleteMacro(ctx, m2.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteMacro(ctx, m2.ID); code(err) != "not_found" {
			t.Fatalf("delete twice: %v", err)
		}
	})
}

func TestServiceMergeAndCSAT(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		alice := Agent(f.agentA, "Alice")
		a, _ := f.svc.Create(ctx, CreateInput{Subject: "where is my order", CustomerID: f.regular, Tags: []string{"催单"}}, System)
		b, _ := f.svc.Create(ctx, CreateInput{Subject: "order?? again", CustomerID: f.regular}, System)
		other, _ := f.svc.Create(ctx, CreateInput{Subject: "other customer", CustomerID: f.vipCustomer}, System)
		if _, err := f.svc.Merge(ctx, a.ID, other.ID, alice); code(err) != "merge_customer_mismatch" {
			t.Fatalf("cross-customer merge: %v", err)
		}
		merged, err := f.svc.Merge(ctx, a.ID, b.ID, alice)
		if err != nil {
			t.Fatal(err)
		}
		if len(merged.Tags) != 1 || merged.Tags[0] != "催单" {
			t.Fatalf("tags not carried: %v", merged.Tags)
		}
		src, _ := f.svc.Get(ctx, a.ID)
		if src.Status != StatusClosed || deref(src.MergedIntoID) != b.ID {
			t.Fatalf("source %s merged into %v", src.Status, src.MergedIntoID)
		}
		if _, err := f.svc.Merge(ctx, a.ID, b.ID, alice); code(err) != "ticket_closed" {
			t.Fatalf("merge twice: %v", err)
		}

		// CSAT: only after resolution, only by the customer, only once; a low score opens a
		// follow-up assigned to a supervisor.
		sup, err := store.InsertID(ctx, db, `INSERT INTO users (email, name, password_hash, role, status, created_at) VALUES ('s@x', 'Sam', 'x', 'supervisor', 'online', ?) RETURNING id`, f.clock)
		if err != nil {
			t.Fatal(err)
		}
		tom := Customer(f.regular, "Tom")
		if _, err := f.svc.RecordCSAT(ctx, b.ID, 1, "", tom); code(err) != "ticket_not_resolved" {
			t.Fatalf("unresolved: %v", err)
		}
		b, _ = f.svc.Get(ctx, b.ID)
		if _, err := f.svc.Transition(ctx, b.ID, b.Version, StatusResolved, alice, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordCSAT(ctx, b.ID, 1, "", Customer(f.vipCustomer, "")); code(err) != "forbidden" {
			t.Fatalf("someone else's rating: %v", err)
		}
		if _, err := f.svc.RecordCSAT(ctx, b.ID, 9, "", tom); code(err) != "invalid_field" {
			t.Fatalf("score 9: %v", err)
		}
		f.advance(time.Hour)
		res, err := f.svc.RecordCSAT(ctx, b.ID, 2, "等了三天", tom)
		if err != nil {
			t.Fatal(err)
		}
		fu := res.FollowUp
		if fu == nil || deref(fu.AssigneeID) != sup || fu.Priority != PriorityHigh || fu.Category != CategoryComplaint || !strings.Contains(fu.Description, "等了三天") {
			t.Fatalf("follow-up %+v", fu)
		}
		if _, err := f.svc.RecordCSAT(ctx, b.ID, 5, "", tom); code(err) != "csat_already_given" {
			t.Fatalf("second rating: %v", err)
		}
		// A good score opens nothing.
		c, _ := f.svc.Create(ctx, CreateInput{Subject: "thanks", CustomerID: f.regular}, System)
		c, _ = f.svc.Transition(ctx, c.ID, c.Version, StatusResolved, alice, "")
		if res, err := f.svc.RecordCSAT(ctx, c.ID, 5, "great", tom); err != nil || res.FollowUp != nil {
			t.Fatalf("good score: %+v %v", res, err)
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM csat_responses`).Scan(&n)
		if n != 2 {
			t.Fatalf("%d csat responses", n)
		}
	})
}

func TestServiceList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		vip, _ := f.svc.Create(ctx, CreateInput{Subject: "vip", CustomerID: f.vipCustomer, Intent: "complaint"}, System)
		reg, _ := f.svc.Create(ctx, CreateInput{Subject: "reg", CustomerID: f.regular, Intent: "order_status"}, System)
		if _, err := f.svc.Reassign(ctx, reg.ID, reg.Version, f.generalTeam, 0, Agent(f.agentA, "")); err != nil {
			t.Fatal(err)
		}
		all, err := f.svc.List(ctx, Filter{}, store.Page{Limit: 10})
		if err != nil || len(all) != 2 || all[0].ID != reg.ID {
			t.Fatalf("all: %d %v", len(all), err)
		}
		queue, _ := f.svc.List(ctx, Filter{Unassigned: true}, store.Page{Limit: 10})
		if len(queue) != 1 || queue[0].ID != reg.ID {
			t.Fatalf("queue: %+v", queue)
		}
		mine, _ := f.svc.List(ctx, Filter{AssigneeID: f.vipAgent, Category: CategoryComplaint}, store.Page{Limit: 10})
		if len(mine) != 1 || mine[0].ID != vip.ID || mine[0].SLA == nil {
			t.Fatalf("mine: %+v", mine)
		}
		page, _ := f.svc.List(ctx, Filter{}, store.Page{Limit: 1, Sort: Sorts["created_at"]})
		if len(page) != 2 { // limit+1 tells the caller there is more
			t.Fatalf("page: %d", len(page))
		}
	})
}
