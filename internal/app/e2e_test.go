package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kefu/internal/aftersales"
	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
	"kefu/internal/ticket"
)

// fixture is a small shop: a VIP team with one online agent, a VIP customer who writes in
// Chinese, and their delivered order of a ¥1,299 coffee machine (over the VIP auto-approval
// limit, so a person decides).
type fixture struct {
	env                   *apptest.Env
	db                    *store.DB
	vipTeam, generalTeam  int64
	customer, order, line int64
	orderNumber           string
}

func newFixture(t *testing.T, db *store.DB, now time.Time) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{env: apptest.Start(t, db), db: db, orderNumber: "KF20260001"}
	ins := func(q string, args ...any) int64 {
		t.Helper()
		id, err := store.InsertID(ctx, db, q+" RETURNING id", args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	f.generalTeam = ins(`INSERT INTO teams (name, name_en, skills, serves_vip, created_at) VALUES ('售后组', 'After-sales', '{"languages":["zh","en"]}', ?, ?)`, false, now)
	f.vipTeam = ins(`INSERT INTO teams (name, name_en, skills, serves_vip, created_at) VALUES ('VIP专席', 'VIP desk', '{"languages":["zh","en"],"tiers":["vip"]}', ?, ?)`, true, now)
	agent := f.env.Users[auth.RoleAgent].ID
	exec(`INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, f.vipTeam, agent)
	exec(`UPDATE users SET status = 'online' WHERE id = ?`, agent)
	cat := ins(`INSERT INTO categories (slug, name_zh, name_en, no_reason_return) VALUES ('appliances', '家电', 'Appliances', ?)`, true)
	product := ins(`INSERT INTO products (sku, title_zh, title_en, category_id, price_cents, created_at, updated_at)
		VALUES ('AP-COFFEE-1', '全自动咖啡机', 'Espresso machine', ?, 129900, ?, ?)`, cat, now, now)
	f.customer = ins(`INSERT INTO customers (name, tier, lang, created_at) VALUES ('王芳', 'vip', 'zh', ?)`, now)
	paid := now.Add(-72 * time.Hour)
	f.order = ins(`INSERT INTO orders (number, customer_id, status, payment_status, items_cents, shipping_cents, discount_cents,
		total_cents, placed_at, paid_at, shipped_at, delivered_at, updated_at)
		VALUES (?, ?, 'delivered', 'paid', 129900, 0, 0, 129900, ?, ?, ?, ?, ?)`, f.orderNumber, f.customer, paid, paid, paid.Add(6*time.Hour), now.Add(-20*time.Hour), now)
	f.line = ins(`INSERT INTO order_items (order_id, product_id, sku, title, qty, unit_price_cents, total_cents) VALUES (?, ?, 'AP-COFFEE-1', '全自动咖啡机', 1, 129900, 129900)`, f.order, product)
	return f
}

// systemMessages are the updates posted into a conversation, oldest first.
func systemMessages(t *testing.T, db *store.DB, conv int64) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT body FROM messages WHERE conversation_id = ? AND sender_kind = 'system' ORDER BY id`, conv)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestVIPDamagedItemEndToEnd is issue #6's acceptance path through the real API on both
// databases: a VIP customer's damaged item → the bot hands off → a ticket (category, priority
// with reasons, SLA deadlines, the VIP team) → an agent opens and approves the return → the
// case goes through return shipment, receipt, inspection and refund → the customer is told at
// every step in their conversation, in Chinese (the return-shipment deadline included) →
// resolving asks the customer for a rating with a card in the conversation → the customer
// answers through the card's signed token, without signing in, and is thanked → the rating
// shows in the results by agent, team, category and tier.
func TestVIPDamagedItemEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, time.Now().UTC())
		a, env := f.env.App, f.env
		if a.Bot == nil {
			t.Skip("NLU models unavailable: the bot is off")
		}

		// The customer writes: a photo of the damage, then an angry message.
		conv, err := a.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: f.customer, Channel: "web", Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		photo, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: conv.ID, SenderKind: "customer", ContentType: "image", Body: "[图片]"})
		if err != nil {
			t.Fatal(err)
		}
		msg, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: conv.ID, SenderKind: "customer",
			Body: "订单" + f.orderNumber + "的咖啡机收到的时候外壳摔坏了，太过分了！！！"})
		if err != nil {
			t.Fatal(err)
		}
		a.Conversations.Respond(ctx, msg)

		// The bot handed off: one ticket for the conversation, classified and routed to VIPs.
		var list struct {
			Items []ticket.Ticket `json:"items"`
		}
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/tickets?customer_id=%d", f.customer), nil, 200, &list)
		if len(list.Items) != 1 {
			var said []string
			rows, _ := db.Query(ctx, `SELECT sender_kind, intent, body FROM messages WHERE conversation_id = ? ORDER BY id`, conv.ID)
			for rows != nil && rows.Next() {
				var kind, intent, body string
				rows.Scan(&kind, &intent, &body)
				said = append(said, kind+"/"+intent+": "+body)
			}
			if rows != nil {
				rows.Close()
			}
			t.Fatalf("tickets after the handoff: %+v; the conversation: %q", list.Items, said)
		}
		tk := list.Items[0]
		if tk.Source != "bot_handoff" || tk.ConversationID == nil || *tk.ConversationID != conv.ID {
			t.Fatalf("ticket not from the handoff: %+v", tk)
		}
		if tk.Category != ticket.CategoryQuality {
			t.Errorf("category %s, want quality (intent %q)", tk.Category, tk.Summary.Intent)
		}
		if tk.TeamID == nil || *tk.TeamID != f.vipTeam || tk.AssigneeID == nil || *tk.AssigneeID != env.Users[auth.RoleAgent].ID {
			t.Errorf("routed to team %v agent %v, want the VIP team's agent", tk.TeamID, tk.AssigneeID)
		}
		if tk.Priority.Rank() < ticket.PriorityHigh.Rank() || !hasReason(tk.PriorityReasons, "tier_vip") {
			t.Errorf("priority %s with reasons %+v: a VIP's damaged item is at least high, with the tier as a reason", tk.Priority, tk.PriorityReasons)
		}
		if tk.FirstResponseDueAt == nil || tk.ResolutionDueAt == nil || tk.SLA == nil || !tk.FirstResponseDueAt.After(tk.CreatedAt) {
			t.Errorf("SLA deadlines missing: %+v", tk)
		}
		var queue struct {
			Items []ticket.Ticket `json:"items"`
		}
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/tickets?team_id=%d&status=new&category=quality&sort=first_response_due_at", f.vipTeam), nil, 200, &queue)
		if len(queue.Items) != 1 || queue.Items[0].ID != tk.ID {
			t.Errorf("VIP queue: %+v", queue.Items)
		}

		// Agent opens the return for the customer with the photo they sent; a person must decide.
		var rec aftersales.Record
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/aftersales/cases", map[string]any{"kind": "return", "customer_id": f.customer,
			"order_id": f.order, "ticket_id": tk.ID, "reason": "damaged", "evidence_messages": []int64{photo.ID}}, 201, &rec)
		if rec.State != aftersales.StateRequested || rec.Decision.RuleID != "manual_review" || rec.ReturnShippingPayer != aftersales.PayerShop ||
			!traceHas(rec.Decision, "transit_damage_report_window") {
			t.Fatalf("case: %s %+v", rec.State, rec.Decision)
		}
		deliver := func() {
			t.Helper()
			if _, err := a.Notify.Deliver(ctx, 100); err != nil {
				t.Fatal(err)
			}
		}
		deliver()
		told := systemMessages(t, db, conv.ID)
		if !contains(told, ticket.StatusMessage(tk.Ref, ticket.StatusNew).ZH) || !contains(told, aftersales.DecisionMessage(rec.Ref, aftersales.KindReturn, rec.Decision).ZH) {
			t.Fatalf("customer not told about the ticket and the case: %q", told)
		}

		// Approve, then the return leg through to the refund; the customer hears of every step.
		steps := []struct {
			body map[string]any
			want aftersales.State
		}{
			{map[string]any{"event": "approve", "version": rec.Version}, aftersales.StateApproved},
			{map[string]any{"event": "request_return"}, aftersales.StateAwaitingReturnShipment},
			{map[string]any{"event": "ship_return", "tracking_number": "SF1234567890"}, aftersales.StateReturnInTransit},
			{map[string]any{"event": "receive"}, aftersales.StateReceived},
			{map[string]any{"event": "pass_inspection"}, aftersales.StateInspected},
			{map[string]any{"event": "refund", "amount": 129900}, aftersales.StateRefunded},
		}
		for _, st := range steps {
			before := len(systemMessages(t, db, conv.ID))
			env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/aftersales/cases/%d/events", rec.ID), st.body, 200, &rec)
			if rec.State != st.want {
				t.Fatalf("%v: state %s, want %s", st.body["event"], rec.State, st.want)
			}
			if rec.Decision.RuleID != "manual_review" {
				t.Fatalf("the policy decision must stay on the case: %+v", rec.Decision)
			}
			deliver()
			told := systemMessages(t, db, conv.ID)
			c := aftersales.Case{Kind: rec.Kind, State: rec.State, ReturnTracking: rec.ReturnTracking, RefundLimit: rec.ApprovedCents, Refunded: rec.RefundedCents}
			if rec.State == aftersales.StateAwaitingReturnShipment {
				// The customer is told the return-shipment deadline (policy: 7 days), and it is queued.
				if rec.ReturnDueAt == nil || rec.ReturnDueAt.Sub(time.Now()) < 6*24*time.Hour || rec.ReturnDueAt.Sub(time.Now()) > 9*24*time.Hour {
					t.Fatalf("return deadline %v, want about 7 days ahead", rec.ReturnDueAt)
				}
				c.ReturnDueAt = *rec.ReturnDueAt
				var queued int
				db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE unique_key IN (?, ?) AND status = 'queued'`,
					fmt.Sprintf("%s:%d", aftersales.ReturnReminderJob, rec.ID), fmt.Sprintf("%s:%d", aftersales.ReturnExpiryJob, rec.ID)).Scan(&queued)
				if queued != 2 {
					t.Fatalf("%d deadline jobs queued, want the reminder and the expiry", queued)
				}
			}
			want := aftersales.CaseMessage(rec.Ref, c).ZH
			if len(told) != before+1 || told[len(told)-1] != want {
				t.Fatalf("after %v the customer was told %q, want one new message %q", st.body["event"], told[before:], want)
			}
		}
		if rec.ReturnTracking != "SF1234567890" || rec.RefundedCents != 129900 {
			t.Fatalf("case after refund: %+v", rec)
		}
		var detail struct {
			Case    aftersales.Record      `json:"case"`
			Events  []aftersales.CaseEvent `json:"events"`
			Allowed []string               `json:"allowed_events"`
		}
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/aftersales/cases/%d", rec.ID), nil, 200, &detail)
		if len(detail.Events) != 7 || detail.Case.Decision.RuleID != "manual_review" || len(detail.Allowed) != 1 || detail.Allowed[0] != "close" {
			t.Fatalf("case history %+v allowed %v", detail.Events, detail.Allowed)
		}
		// A repeated refund is a 409 naming what is allowed.
		status, raw := env.Do(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/aftersales/cases/%d/events", rec.ID), map[string]any{"event": "refund", "amount": 1})
		if status != http.StatusConflict || apptest.ErrorCode(raw) != "invalid_case_transition" {
			t.Fatalf("second refund: %d %s", status, raw)
		}

		// The agent answers and resolves the ticket; a stale version is refused.
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/replies", tk.ID), nil, 200, &tk)
		status, raw = env.Do(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/transition", tk.ID), map[string]any{"to": "resolved", "version": tk.Version - 1})
		if status != http.StatusConflict || apptest.ErrorCode(raw) != "stale_version" {
			t.Fatalf("stale transition: %d %s", status, raw)
		}
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/transition", tk.ID), map[string]any{"to": "resolved", "version": tk.Version, "note": "已退款"}, 200, &tk)
		if tk.Status != ticket.StatusResolved || tk.FirstRespondedAt == nil {
			t.Fatalf("resolved ticket %+v", tk)
		}
		deliver()
		told = systemMessages(t, db, conv.ID)
		if len(told) < 2 || told[len(told)-2] != ticket.StatusMessage(tk.Ref, ticket.StatusResolved).ZH {
			t.Fatalf("resolution not told: %q", told)
		}

		// Resolving asked the customer, in their conversation and language, for a rating: a card
		// carrying a signed token, which the widget answers without signing in.
		var card struct {
			ContentType string `json:"content_type"`
			Body        string `json:"body"`
			Payload     struct {
				Type      string `json:"type"`
				Token     string `json:"token"`
				TicketID  int64  `json:"ticket_id"`
				TicketRef string `json:"ticket_ref"`
			} `json:"payload"`
		}
		var payload string
		if err := db.QueryRow(ctx, `SELECT content_type, body, payload FROM messages WHERE conversation_id = ? AND sender_kind = 'system' ORDER BY id DESC LIMIT 1`, conv.ID).
			Scan(&card.ContentType, &card.Body, &payload); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(payload), &card.Payload); err != nil {
			t.Fatal(err)
		}
		if card.ContentType != "card" || card.Body != ticket.CSATRequestMessage(tk.Ref).ZH || card.Payload.Type != "csat" ||
			card.Payload.TicketID != tk.ID || card.Payload.TicketRef != tk.Ref || card.Payload.Token == "" {
			t.Fatalf("rating card %+v %s", card, payload)
		}
		path := "/api/v1/csat/" + card.Payload.Token
		var inv ticket.CSATInvitation
		env.JSON(t, "", "GET", path, nil, 200, &inv)
		if inv.TicketRef != tk.Ref || !inv.CanRate || inv.Rated {
			t.Fatalf("invitation %+v", inv)
		}
		tampered := path[:len(path)-2] + "xx"
		if status, raw := env.Do(t, "", "POST", tampered, map[string]any{"score": 5}); status != http.StatusNotFound || apptest.ErrorCode(raw) != "csat_link_invalid" {
			t.Fatalf("tampered link: %d %s", status, raw)
		}
		env.JSON(t, "", "POST", path, map[string]any{"score": 5, "comment": "处理很快，谢谢"}, 201, nil)
		if status, raw := env.Do(t, "", "POST", path, map[string]any{"score": 4}); status != http.StatusConflict || apptest.ErrorCode(raw) != "csat_already_given" {
			t.Fatalf("second rating: %d %s", status, raw)
		}
		env.JSON(t, "", "GET", path, nil, 200, &inv)
		if !inv.Rated || inv.Score != 5 || inv.CanRate {
			t.Fatalf("invitation after rating %+v", inv)
		}
		// The answer is confirmed in the conversation.
		deliver()
		if told := systemMessages(t, db, conv.ID); told[len(told)-1] != ticket.CSATThanksMessage(tk.Ref, 5).ZH {
			t.Fatalf("rating not confirmed to the customer: %q", told[len(told)-1])
		}
		// Reopened by the customer and resolved again: the customer is not asked a second time.
		var asked int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE ticket_id = ? AND kind = ?`, tk.ID, ticket.CSATRequestKind).Scan(&asked)
		if asked != 1 {
			t.Fatalf("asked to rate %d times", asked)
		}

		// Results by agent, team, category and tier (supervisors read reports).
		wantKey := map[string]string{"agent": fmt.Sprint(env.Users[auth.RoleAgent].ID), "team": fmt.Sprint(f.vipTeam), "category": "quality", "tier": "vip"}
		for by, key := range wantKey {
			var res struct {
				Items []ticket.CSATGroup `json:"items"`
			}
			env.JSON(t, auth.RoleSupervisor, "GET", "/api/v1/csat-results?by="+by, nil, 200, &res)
			if len(res.Items) != 1 || res.Items[0].Key != key || res.Items[0].Responses != 1 || res.Items[0].Average != 5 || res.Items[0].CSAT != 100 {
				t.Errorf("results by %s: %+v, want one group %s", by, res.Items, key)
			}
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/csat-results?by=agent", nil, 403, nil)
	})
}

func hasReason(rs []ticket.Reason, code string) bool {
	for _, r := range rs {
		if strings.Contains(r.Code, code) {
			return true
		}
	}
	return false
}

func traceHas(d aftersales.Decision, rule string) bool {
	for _, c := range d.Trace {
		if c.RuleID == rule && c.Passed {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
