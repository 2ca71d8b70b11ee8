package ticket

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

type storedNotification struct {
	channel, contentType, body, payload string
	conversation                        *int64
}

// notificationsOf lists a ticket's notifications of one kind, oldest first.
func notificationsOf(t *testing.T, db *store.DB, ticketID int64, kind string) []storedNotification {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT channel, content_type, body, payload, conversation_id FROM notifications
		WHERE ticket_id = ? AND kind = ? ORDER BY id`, ticketID, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedNotification
	for rows.Next() {
		var n storedNotification
		if err := rows.Scan(&n.channel, &n.contentType, &n.body, &n.payload, &n.conversation); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// resolve takes a ticket from new to resolved the way an agent does.
func (f *fixture) resolve(t *testing.T, id int64) *Ticket {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.RecordAgentReply(ctx, id, Agent(f.agentA, "Alice")); err != nil {
		t.Fatal(err)
	}
	tk, err := f.svc.Transition(ctx, id, 0, StatusResolved, Agent(f.agentA, "Alice"), "")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestResolveAsksForRatingOnceInTheConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tk, err := f.svc.Create(ctx, CreateInput{Subject: "杯子碎了", CustomerID: f.vipCustomer, ConversationID: f.conversation, Language: "zh"}, System)
		if err != nil {
			t.Fatal(err)
		}
		if got := notificationsOf(t, db, tk.ID, CSATRequestKind); len(got) != 0 {
			t.Fatalf("asked before resolving: %+v", got)
		}
		tk = f.resolve(t, tk.ID)
		asked := notificationsOf(t, db, tk.ID, CSATRequestKind)
		if len(asked) != 1 {
			t.Fatalf("rating requests after resolve: %d, want 1", len(asked))
		}
		n := asked[0]
		if n.channel != "chat" || n.contentType != "card" || n.conversation == nil || *n.conversation != f.conversation ||
			n.body != CSATRequestMessage(tk.Ref).ZH {
			t.Fatalf("request %+v, want a Chinese card in conversation %d", n, f.conversation)
		}
		var card CSATCard
		if err := json.Unmarshal([]byte(n.payload), &card); err != nil {
			t.Fatal(err)
		}
		var flat map[string]any
		_ = json.Unmarshal([]byte(n.payload), &flat)
		for _, k := range []string{"type", "token", "ticket_id", "ticket_ref"} {
			if _, ok := flat[k]; !ok {
				t.Errorf("payload lacks %q: %s", k, n.payload)
			}
		}
		if card.Type != "csat" || card.TicketID != tk.ID || card.TicketRef != tk.Ref || card.Token == "" ||
			card.Card.Type != "csat" || card.Card.Data["token"] != card.Token {
			t.Fatalf("card payload %s", n.payload)
		}
		// The card's token is a working signed link.
		inv, err := f.svc.CSATInvitationFor(ctx, card.Token)
		if err != nil || !inv.CanRate || inv.TicketRef != tk.Ref {
			t.Fatalf("invitation %+v %v", inv, err)
		}

		// The customer writes again (reopens), the agent resolves again: not asked twice.
		if _, _, err := f.svc.CustomerReplied(ctx, tk.ID, Customer(f.vipCustomer, "")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Transition(ctx, tk.ID, 0, StatusResolved, Agent(f.agentA, "Alice"), ""); err != nil {
			t.Fatal(err)
		}
		if got := notificationsOf(t, db, tk.ID, CSATRequestKind); len(got) != 1 {
			t.Fatalf("rating requests after a second resolve: %d, want still 1", len(got))
		}

		// Answering through the card's token thanks the customer in the conversation.
		res, err := f.svc.RecordCSATByLink(ctx, card.Token, 5, "很快")
		if err != nil || res.FollowUp != nil {
			t.Fatalf("rating: %+v %v", res, err)
		}
		thanks := notificationsOf(t, db, tk.ID, CSATThanksKind)
		if len(thanks) != 1 || thanks[0].channel != "chat" || thanks[0].body != CSATThanksMessage(tk.Ref, 5).ZH ||
			thanks[0].conversation == nil || *thanks[0].conversation != f.conversation {
			t.Fatalf("thanks %+v", thanks)
		}
	})
}

func TestLowRatingThanksAndFollowUpIsNotSurveyed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if _, err := db.Exec(ctx, `INSERT INTO users (email, name, password_hash, role, status, capacity, created_at) VALUES ('sup@x', 'Sam', 'x', 'supervisor', 'online', 5, ?)`, f.clock); err != nil {
			t.Fatal(err)
		}
		tk, err := f.svc.Create(ctx, CreateInput{Subject: "cup broken", CustomerID: f.regular, ConversationID: f.conversation, Language: "en"}, System)
		if err != nil {
			t.Fatal(err)
		}
		tk = f.resolve(t, tk.ID)
		var card CSATCard
		asked := notificationsOf(t, db, tk.ID, CSATRequestKind)
		if len(asked) != 1 || asked[0].body != CSATRequestMessage(tk.Ref).EN {
			t.Fatalf("English request %+v", asked)
		}
		_ = json.Unmarshal([]byte(asked[0].payload), &card)
		res, err := f.svc.RecordCSATByLink(ctx, card.Token, 2, "slow")
		if err != nil || res.FollowUp == nil || res.FollowUp.AssigneeID == nil || !contains(res.FollowUp.Tags, CSATFollowUpTag) {
			t.Fatalf("a low score must open a supervisor follow-up: %+v %v", res, err)
		}
		thanks := notificationsOf(t, db, tk.ID, CSATThanksKind)
		if len(thanks) != 1 || thanks[0].body != CSATThanksMessage(tk.Ref, 2).EN {
			t.Fatalf("low-score thanks %+v", thanks)
		}
		// Resolving the follow-up does not survey the customer about it again.
		f.resolve(t, res.FollowUp.ID)
		if got := notificationsOf(t, db, res.FollowUp.ID, CSATRequestKind); len(got) != 0 {
			t.Fatalf("follow-up surveyed: %+v", got)
		}
	})
}

func TestRatingRequestWithoutConversationGoesByEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tk, err := f.svc.Create(ctx, CreateInput{Subject: "invoice please", CustomerID: f.regular, Language: "en"}, System)
		if err != nil {
			t.Fatal(err)
		}
		tk = f.resolve(t, tk.ID)
		asked := notificationsOf(t, db, tk.ID, CSATRequestKind)
		if len(asked) != 1 || asked[0].channel != "email" || asked[0].conversation != nil || asked[0].body != CSATRequestMessage(tk.Ref).EN {
			t.Fatalf("request without a conversation %+v, want one e-mail notification", asked)
		}
		// No customer: nobody to ask.
		anon, err := f.svc.Create(ctx, CreateInput{Subject: "internal task"}, System)
		if err != nil {
			t.Fatal(err)
		}
		f.resolve(t, anon.ID)
		if got := notificationsOf(t, db, anon.ID, CSATRequestKind); len(got) != 0 {
			t.Fatalf("ticket without a customer asked: %+v", got)
		}
	})
}

func TestCSATTexts(t *testing.T) {
	for _, m := range []Message{CSATRequestMessage("T-9"), CSATThanksMessage("T-9", 5), CSATThanksMessage("T-9", 1)} {
		if m.ZH == "" || m.EN == "" || !strings.Contains(m.ZH, "T-9") || !strings.Contains(m.EN, "T-9") {
			t.Errorf("text %+v must name the ticket in both languages", m)
		}
	}
	if !strings.Contains(CSATThanksMessage("T-9", 3).EN, "supervisor") || strings.Contains(CSATThanksMessage("T-9", 4).EN, "supervisor") {
		t.Error("only a low score promises the supervisor follow-up")
	}
}
