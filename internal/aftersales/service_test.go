package aftersales

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

type shop struct {
	db                   *store.DB
	svc                  *Service
	clock                time.Time
	regular, vip, gold   int64
	order, vipOrder      int64
	shirtLine, snackLine int64
	vipShirtLine         int64
	photo                int64
}

func newShop(t *testing.T, db *store.DB) *shop {
	t.Helper()
	ctx := context.Background()
	delivered := time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC)
	s := &shop{db: db, clock: delivered.AddDate(0, 0, 3)}
	s.svc = &Service{DB: db, Now: func() time.Time { return s.clock }}
	ins := func(q string, args ...any) int64 {
		t.Helper()
		id, err := store.InsertID(ctx, db, q+" RETURNING id", args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	now := delivered.AddDate(0, 0, -2)
	apparel := ins(`INSERT INTO categories (slug, name_zh, name_en, no_reason_return) VALUES ('apparel', '服装', 'Apparel', ?)`, true)
	food := ins(`INSERT INTO categories (slug, name_zh, name_en, no_reason_return) VALUES ('food', '食品', 'Food', ?)`, false)
	shirt := ins(`INSERT INTO products (sku, title_zh, title_en, category_id, price_cents, created_at, updated_at) VALUES ('TS-1', 'T恤', 'T-shirt', ?, 7900, ?, ?)`, apparel, now, now)
	snack := ins(`INSERT INTO products (sku, title_zh, title_en, category_id, price_cents, created_at, updated_at) VALUES ('FD-1', '坚果', 'Nuts', ?, 5000, ?, ?)`, food, now, now)
	s.regular = ins(`INSERT INTO customers (name, tier, lang, created_at) VALUES ('Tom', 'regular', 'en', ?)`, now)
	s.vip = ins(`INSERT INTO customers (name, tier, lang, created_at) VALUES ('王芳', 'vip', 'zh', ?)`, now)
	s.gold = ins(`INSERT INTO customers (name, tier, lang, created_at) VALUES ('Li', 'gold', 'zh', ?)`, now)
	order := func(customer int64, total, shipping, discount int64) int64 {
		return ins(`INSERT INTO orders (number, customer_id, status, payment_status, items_cents, shipping_cents, discount_cents,
			total_cents, placed_at, paid_at, shipped_at, delivered_at, updated_at)
			VALUES (?, ?, 'delivered', 'paid', ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "KF"+time.Now().Format("150405.000000"), customer,
			total-shipping+discount, shipping, discount, total, now, now, now.Add(6*time.Hour), delivered, now)
	}
	// Regular order: 2 shirts at ¥99 + 1 box of nuts at ¥50, ¥10 shipping, ¥20 coupon → paid ¥238.
	s.order = order(s.regular, 23_800, 1_000, 2_000)
	line := func(orderID, product int64, sku string, qty, unit int64) int64 {
		return ins(`INSERT INTO order_items (order_id, product_id, sku, title, qty, unit_price_cents, total_cents) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			orderID, product, sku, sku, qty, unit, qty*unit)
	}
	s.shirtLine = line(s.order, shirt, "TS-1", 2, 9_900)
	s.snackLine = line(s.order, snack, "FD-1", 1, 5_000)
	s.vipOrder = order(s.vip, 9_900, 0, 0)
	s.vipShirtLine = line(s.vipOrder, shirt, "TS-1", 1, 9_900)
	s.photo = ins(`INSERT INTO attachments (kind, mime, size_bytes, sha256, storage_path, created_at) VALUES ('image', 'image/jpeg', 1, 'x', 'p', ?)`, now)
	return s
}

func code(err error) string {
	if ae, ok := apperr.As(err); ok {
		return ae.Code + ":" + ae.Field
	}
	return ""
}

func TestServiceReturnLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		cust := Actor{Kind: ActorCustomer, ID: s.regular}
		agent := Actor{Kind: ActorAgent, ID: 7, Name: "Alice"}
		rec, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order,
			Items: []CaseItem{{s.shirtLine, 1}}, Description: "too small"}, cust)
		if err != nil {
			t.Fatal(err)
		}
		// Coupon ¥20 over ¥248 of goods: shirts carry 1597 (largest remainder); one of two shirts
		// gets ⌊(19800 − 1597)/2⌋ = 9101. No shipping refund for a no-reason return.
		if rec.State != StateRequested || rec.RequestedCents != 9_101 || rec.Decision.RuleID != "manual_review" ||
			rec.ReturnShippingPayer != PayerBuyer || rec.Decision.Tier != TierRegular || rec.Reason != ReasonNoReason {
			t.Fatalf("created %+v", rec)
		}
		if b := rec.Decision.Refund; b == nil || len(b.Lines) != 1 || b.Lines[0].Discount != 799 || b.Total != 9_101 {
			t.Fatalf("refund breakdown not stored: %+v", rec.Decision.Refund)
		}
		steps := []struct {
			ev    Event
			actor Actor
			want  State
		}{
			{Event{Name: EventApprove}, agent, StateApproved},
			{Event{Name: EventRequestReturn}, agent, StateAwaitingReturnShipment},
			{Event{Name: EventShipReturn, TrackingNumber: "sf 1234 5678 901"}, cust, StateReturnInTransit},
			{Event{Name: EventReceive}, Actor{Kind: ActorSystem}, StateReceived},
			{Event{Name: EventPassInspection}, agent, StateInspected},
			{Event{Name: EventRefund, Amount: 9_101}, agent, StateRefunded},
			{Event{Name: EventClose}, Actor{Kind: ActorSystem}, StateClosed},
		}
		for _, st := range steps {
			next, err := s.svc.Transition(ctx, rec.ID, rec.Version, st.ev, st.actor)
			if err != nil {
				t.Fatalf("%s: %v", st.ev.Name, err)
			}
			if next.State != st.want || next.Version != rec.Version+1 {
				t.Fatalf("%s → %s v%d", st.ev.Name, next.State, next.Version)
			}
			rec = next
		}
		if rec.ApprovedCents != 9_101 || rec.RefundedCents != 9_101 || rec.ReturnTracking != "SF12345678901" || rec.ClosedAt == nil {
			t.Fatalf("final %+v", rec)
		}
		var refunded int64
		var status string
		db.QueryRow(ctx, `SELECT refunded_cents, payment_status FROM orders WHERE id = ?`, s.order).Scan(&refunded, &status)
		var qty int
		db.QueryRow(ctx, `SELECT refunded_qty FROM order_items WHERE id = ?`, s.shirtLine).Scan(&qty)
		if refunded != 9_101 || status != "partially_refunded" || qty != 1 {
			t.Fatalf("order refunded %d %s, line refunded qty %d", refunded, status, qty)
		}
		evs, err := s.svc.Events(ctx, rec.ID)
		if err != nil || len(evs) != 1+len(steps) || evs[3].ActorKind != "customer" {
			t.Fatalf("events %d %v", len(evs), err)
		}
		var notes int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE case_id = ?`, rec.ID).Scan(&notes)
		if notes != 1+len(steps) {
			t.Fatalf("notifications %d, want %d", notes, 1+len(steps))
		}
		var last string
		db.QueryRow(ctx, `SELECT body FROM notifications WHERE case_id = ? ORDER BY id DESC LIMIT 1`, rec.ID).Scan(&last)
		if last != CaseMessage(rec.Ref, rec.asCase()).EN {
			t.Fatalf("last notification %q (customer speaks English)", last)
		}
		// The second shirt now refunds the remaining 9102: the two parts add up exactly.
		rec2, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}}, cust)
		if err != nil || rec2.RequestedCents != 19_800-1_597-9_101 {
			t.Fatalf("second shirt %v %v", rec2, err)
		}
		_, err = s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 2}}}, cust)
		if code(err) != "invalid_field:items[0].qty" {
			t.Fatalf("over-claim: %v", err)
		}
	})
}

func TestServicePolicyDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		cust := Actor{Kind: ActorCustomer, ID: s.regular}
		// Food is excluded from no-reason returns: rejected by the system at once, reason stored.
		rec, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.snackLine, 1}}}, cust)
		if err != nil {
			t.Fatal(err)
		}
		if rec.State != StateRejected || rec.Decision.RuleID != "no_reason_excluded_category" || rec.Decision.Allowed {
			t.Fatalf("food return: %s %+v", rec.State, rec.Decision)
		}
		evs, _ := s.svc.Events(ctx, rec.ID)
		if len(evs) != 2 || evs[1].ActorKind != "system" || evs[1].Note == "" {
			t.Fatalf("rejection history %+v", evs)
		}
		// One appeal, then no more.
		rec, err = s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventAppeal}, cust)
		if err != nil || rec.State != StateRequested || rec.Appeals != 1 {
			t.Fatalf("appeal %v %v", rec, err)
		}
		rec, err = s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventReject, Note: "食品不支持无理由退货"}, Actor{Kind: ActorAgent, ID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventAppeal}, cust); code(err) != "appeal_limit:" {
			t.Fatalf("second appeal: %v", err)
		}
		// Damage in transit must be reported within 48 hours of sign-for (policy.md)…
		rec, err = s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Reason: ReasonDamaged,
			Items: []CaseItem{{s.snackLine, 1}}, Evidence: []int64{s.photo}}, cust)
		if err != nil || rec.State != StateRejected || rec.Decision.RuleID != "transit_damage_report_window" {
			t.Fatalf("damage reported after 72 hours: %+v %v", rec, err)
		}
		s.clock = s.clock.AddDate(0, 0, -2) // one day after delivery
		// …then damaged food with a photo is fine; the shop pays return shipping.
		rec, err = s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Reason: ReasonDamaged,
			Items: []CaseItem{{s.snackLine, 1}}, Evidence: []int64{s.photo}}, cust)
		if err != nil || rec.State != StateRequested || rec.ReturnShippingPayer != PayerShop {
			t.Fatalf("damaged food: %+v %v", rec, err)
		}
		// …and the original shipping fee is part of the refund for a shop-fault return.
		if rec.RequestedCents != 5_000-403+1_000 {
			t.Fatalf("damaged refund %d", rec.RequestedCents)
		}
		// An image message the customer sent counts as a photo; someone else's text message does not.
		conv, _ := store.InsertID(ctx, db, `INSERT INTO conversations (customer_id, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`, s.regular, s.clock, s.clock)
		img, _ := store.InsertID(ctx, db, `INSERT INTO messages (conversation_id, sender_kind, content_type, body, created_at) VALUES (?, 'customer', 'image', '[图片]', ?) RETURNING id`, conv, s.clock)
		txt, _ := store.InsertID(ctx, db, `INSERT INTO messages (conversation_id, sender_kind, content_type, body, created_at) VALUES (?, 'customer', 'text', 'hi', ?) RETURNING id`, conv, s.clock)
		rec, err = s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Reason: ReasonQuality,
			Items: []CaseItem{{s.shirtLine, 1}}, EvidenceMessages: []int64{img}}, cust)
		if err != nil || rec.State != StateRequested || len(rec.EvidenceMessages) != 1 || !hasRule(rec.Decision, "evidence_required") {
			t.Fatalf("image-message evidence: %+v %v", rec, err)
		}
		if _, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Reason: ReasonQuality,
			Items: []CaseItem{{s.shirtLine, 1}}, EvidenceMessages: []int64{txt}}, cust); code(err) != "invalid_field:evidence_messages" {
			t.Fatalf("text message as evidence: %v", err)
		}
		// VIP: auto-approved under ¥1000, free return shipping.
		vip := Actor{Kind: ActorCustomer, ID: s.vip}
		rec, err = s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.vip, OrderID: s.vipOrder, Items: []CaseItem{{s.vipShirtLine, 1}}}, vip)
		if err != nil || rec.State != StateApproved || rec.Decision.Outcome != OutcomeAutoApprove || rec.ApprovedCents != 9_900 || rec.ReturnShippingPayer != PayerShop {
			t.Fatalf("vip: %+v %v", rec, err)
		}
		var body string
		db.QueryRow(ctx, `SELECT body FROM notifications WHERE case_id = ? AND kind = 'case.created'`, rec.ID).Scan(&body)
		if body != DecisionMessage(rec.Ref, KindReturn, rec.Decision).ZH {
			t.Fatalf("vip notification %q", body)
		}
		// Refunds are capped by the approved amount and by what is left of the order.
		rec, _ = s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventRequestReturn}, Actor{Kind: ActorSystem})
		rec, _ = s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventShipReturn, TrackingNumber: "YT123456789"}, vip)
		rec, _ = s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventReceive}, Actor{Kind: ActorSystem})
		rec, _ = s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventPassInspection}, Actor{Kind: ActorAgent, ID: 1})
		if _, err := s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventRefund, Amount: 9_901}, Actor{Kind: ActorAgent, ID: 1}); code(err) != "invalid_field:amount" {
			t.Fatalf("over-refund: %v", err)
		}
		// Stale versions are refused.
		if _, err := s.svc.Transition(ctx, rec.ID, rec.Version-1, Event{Name: EventRefund, Amount: 100}, Actor{Kind: ActorAgent, ID: 1}); code(err) != "stale_version:" {
			t.Fatalf("stale: %v", err)
		}
		// A wrong move is a 409 naming what is allowed.
		if _, err := s.svc.Transition(ctx, rec.ID, 0, Event{Name: EventReship, TrackingNumber: "YT123456789"}, Actor{Kind: ActorAgent, ID: 1}); code(err) != "invalid_case_transition:" {
			t.Fatalf("reship a return: %v", err)
		}
	})
}

func TestServicePriceProtectionAndPolicySetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		cust := Actor{Kind: ActorCustomer, ID: s.regular}
		// Paid ¥99, now ¥79 → ¥20 × 2 = ¥40 for a regular customer within 7 days of purchase.
		s.clock = s.clock.AddDate(0, 0, -1) // purchase + 4 days
		rec, err := s.svc.Create(ctx, CreateInput{Kind: KindPriceProtection, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 2}}}, cust)
		if err != nil {
			t.Fatal(err)
		}
		if rec.RequestedCents != 4_000 || rec.State != StateRequested || !hasRule(rec.Decision, "price_dropped") {
			t.Fatalf("price protection %+v", rec)
		}
		// Shop policy: regular customers auto-approved under ¥100.
		p := DefaultPolicy()
		tp := p.Tiers[TierRegular]
		tp.AutoApproveBelow = 10_000
		p.Tiers[TierRegular] = tp
		if err := s.svc.SetPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		bad := DefaultPolicy()
		delete(bad.Tiers, TierVIP)
		if err := s.svc.SetPolicy(ctx, bad); code(err) != "invalid_field:tiers.vip" {
			t.Fatalf("invalid policy saved: %v", err)
		}
		got, _ := s.svc.Policy(ctx)
		if got.For(TierRegular).AutoApproveBelow != 10_000 {
			t.Fatal("policy not stored")
		}
		rec, err = s.svc.Create(ctx, CreateInput{Kind: KindPriceProtection, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}}, cust)
		if err != nil || rec.State != StateApproved || rec.ApprovedCents != 2_000 {
			t.Fatalf("auto price protection %+v %v", rec, err)
		}
		b, _ := json.Marshal(rec.Decision)
		if len(rec.Decision.Trace) == 0 || !json.Valid(b) {
			t.Fatal("decision trace not stored")
		}
	})
}

func TestServiceCreateBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		cust := Actor{Kind: ActorCustomer}
		cases := []struct {
			in   CreateInput
			want string
		}{
			{CreateInput{Kind: "gift", CustomerID: s.regular}, "invalid_field:kind"},
			{CreateInput{Kind: KindReturn, CustomerID: 999}, "invalid_field:customer_id"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular}, "invalid_field:order_id"},
			{CreateInput{Kind: KindReturn, CustomerID: s.vip, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}}, "invalid_field:order_id"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.vipShirtLine, 1}}}, "invalid_field:items[0].order_item_id"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}, {s.shirtLine, 1}}}, "invalid_field:items[1].order_item_id"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 0}}}, "invalid_field:items[0].qty"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Reason: "bored", Items: []CaseItem{{s.shirtLine, 1}}}, "invalid_field:reason"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}, Evidence: []int64{424242}}, "invalid_field:evidence"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}, TicketID: 424242}, "invalid_field:ticket_id"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}, Description: "a\x00b"}, "invalid_field:description"},
			{CreateInput{Kind: KindPriceProtection, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}, {s.snackLine, 1}}}, "invalid_field:items"},
			{CreateInput{Kind: KindReturn, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}, Lang: "fr"}, "invalid_field:lang"},
		}
		for _, tc := range cases {
			if _, err := s.svc.Create(ctx, tc.in, cust); code(err) != tc.want {
				t.Errorf("%+v: got %v, want %s", tc.in, err, tc.want)
			}
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM aftersales_cases`).Scan(&n)
		if n != 0 {
			t.Fatalf("bad input left %d cases", n)
		}
		// With no items named, a case covers what is left of the order. The customer's profile
		// says zh, but they wrote in English: updates follow the language they wrote in.
		whole, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.vip, OrderID: s.vipOrder, Lang: "en"}, cust)
		if err != nil || len(whole.Items) != 1 || whole.Items[0] != (CaseItem{s.vipShirtLine, 1}) || whole.RequestedCents != 9_900 {
			t.Fatalf("whole-order case %+v %v", whole, err)
		}
		if whole.Lang != "en" {
			t.Fatalf("case language %q, want en (the language the customer wrote in)", whole.Lang)
		}
		if _, err := db.Exec(ctx, `UPDATE order_items SET refunded_qty = qty WHERE order_id = ?`, s.vipOrder); err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: s.vip, OrderID: s.vipOrder}, cust); code(err) != "invalid_field:items" {
			t.Fatalf("fully refunded order: %v", err)
		}
		// A complaint needs no order and always goes to a person.
		rec, err := s.svc.Create(ctx, CreateInput{Kind: KindComplaint, CustomerID: s.regular, Description: "客服态度差"}, cust)
		if err != nil || rec.State != StateOpen || rec.Decision.RuleID != "complaint_review" {
			t.Fatalf("complaint %+v %v", rec, err)
		}
		if _, err := s.svc.Get(ctx, 424242); code(err) != "not_found:" {
			t.Fatalf("missing case: %v", err)
		}
	})
}

func hasRule(d Decision, rule string) bool {
	for _, c := range d.Trace {
		if c.RuleID == rule && c.Passed {
			return true
		}
	}
	return false
}

func TestServiceListAndConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		rec, err := s.svc.Create(ctx, CreateInput{Kind: KindExchange, CustomerID: s.regular, OrderID: s.order, Items: []CaseItem{{s.shirtLine, 1}}}, Actor{Kind: ActorCustomer})
		if err != nil {
			t.Fatal(err)
		}
		// Two agents act on the same version: one wins, the other gets stale_version.
		errs := make(chan error, 2)
		for _, ev := range []Event{{Name: EventApprove}, {Name: EventReject, Note: "no"}} {
			go func(ev Event) {
				_, err := s.svc.Transition(ctx, rec.ID, rec.Version, ev, Actor{Kind: ActorAgent, ID: 1})
				errs <- err
			}(ev)
		}
		won := 0
		for i := 0; i < 2; i++ {
			if err := <-errs; err == nil {
				won++
			} else if c := code(err); c != "stale_version:" {
				t.Fatalf("loser got %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d winners", won)
		}
		list, err := s.svc.List(ctx, CaseFilter{Kind: KindExchange, CustomerID: s.regular}, store.Page{Limit: 10})
		if err != nil || len(list) != 1 || list[0].Version != 2 {
			t.Fatalf("list %+v %v", list, err)
		}
		none, _ := s.svc.List(ctx, CaseFilter{State: StateRefunded}, store.Page{Limit: 10})
		if len(none) != 0 {
			t.Fatalf("refunded: %d", len(none))
		}
	})
}

// The published policy's catalogue rules: products tagged personalised/hygiene/perishable are
// not returnable without a reason whatever their category, and silver customers get one free
// return pickup per calendar month.
func TestServicePublishedPolicyRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		ctx := context.Background()
		now := s.clock.AddDate(0, 0, -5)
		var apparel int64
		db.QueryRow(ctx, `SELECT id FROM categories WHERE slug = 'apparel'`).Scan(&apparel)
		custom, err := store.InsertID(ctx, db, `INSERT INTO products (sku, title_zh, title_en, category_id, price_cents, tags, created_at, updated_at)
			VALUES ('TS-NAME', '定制T恤', 'Custom T-shirt', ?, 12900, '["cotton","personalised"]', ?, ?) RETURNING id`, apparel, now, now)
		if err != nil {
			t.Fatal(err)
		}
		silver, _ := store.InsertID(ctx, db, `INSERT INTO customers (name, tier, lang, created_at) VALUES ('Ann', 'silver', 'en', ?) RETURNING id`, now)
		order, err := store.InsertID(ctx, db, `INSERT INTO orders (number, customer_id, status, payment_status, items_cents, shipping_cents, discount_cents,
			total_cents, placed_at, paid_at, shipped_at, delivered_at, updated_at)
			VALUES ('KF-SILVER', ?, 'delivered', 'paid', 32700, 0, 0, 32700, ?, ?, ?, ?, ?) RETURNING id`, silver, now, now, now, now.Add(48*time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		var shirtID int64
		db.QueryRow(ctx, `SELECT id FROM products WHERE sku = 'TS-1'`).Scan(&shirtID)
		line := func(product int64, sku string, qty, unit int64) int64 {
			id, err := store.InsertID(ctx, db, `INSERT INTO order_items (order_id, product_id, sku, title, qty, unit_price_cents, total_cents) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				order, product, sku, sku, qty, unit, qty*unit)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		customLine := line(custom, "TS-NAME", 1, 12_900)
		shirtLine := line(shirtID, "TS-1", 2, 9_900)
		cust := Actor{Kind: ActorCustomer, ID: silver}
		rec, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: silver, OrderID: order, Items: []CaseItem{{customLine, 1}}}, cust)
		if err != nil || rec.State != StateRejected || rec.Decision.RuleID != "no_reason_excluded_category" {
			t.Fatalf("personalised shirt: %+v %v", rec, err)
		}
		// First no-reason return this month: free pickup; the second one: the customer pays.
		first, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: silver, OrderID: order, Items: []CaseItem{{shirtLine, 1}}}, cust)
		if err != nil || first.ReturnShippingPayer != PayerShop || first.Decision.ShippingRuleID != MonthlyFreePickupRule {
			t.Fatalf("first silver return: %+v %v", first, err)
		}
		second, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: silver, OrderID: order, Items: []CaseItem{{shirtLine, 1}}}, cust)
		if err != nil || second.ReturnShippingPayer != PayerBuyer || second.Decision.ShippingRuleID != "buyer_pays_no_reason_shipping" {
			t.Fatalf("second silver return: %+v %v", second, err)
		}
		// Cancelling the first gives the allowance back.
		if _, err := s.svc.Transition(ctx, first.ID, 0, Event{Name: EventCancel}, cust); err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.Transition(ctx, second.ID, 0, Event{Name: EventCancel}, cust); err != nil {
			t.Fatal(err)
		}
		third, err := s.svc.Create(ctx, CreateInput{Kind: KindReturn, CustomerID: silver, OrderID: order, Items: []CaseItem{{shirtLine, 1}}}, cust)
		if err != nil || third.Decision.ShippingRuleID != MonthlyFreePickupRule {
			t.Fatalf("after cancelling: %+v %v", third, err)
		}
	})
}
