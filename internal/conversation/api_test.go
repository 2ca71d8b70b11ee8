package conversation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/crm"
	"kefu/internal/recordsearch"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// TestConversationREST covers the staff endpoints a foundation UI and shop servers use.
func TestConversationREST(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		var cust crm.Customer
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/customers", map[string]any{"name": "王芳", "external_id": "shop-1"}, 201, &cust)
		var c conversation.Conversation
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/conversations", map[string]any{"customer_id": cust.ID, "subject": "退货"}, 201, &c)
		if c.Channel != "api" || c.Status != "open" || c.HandledBy != "agent" || *c.CustomerID != cust.ID {
			t.Fatalf("created %+v", c)
		}
		// Bad input gets field errors, never a 500.
		for _, body := range []map[string]any{{"customer_id": 999999}, {"customer_id": cust.ID, "channel": "pigeon"}, {"customer_id": cust.ID, "lang": "fr"}, {}} {
			status, raw := env.Do(t, auth.RoleAgent, "POST", "/api/v1/conversations", body)
			if status != 400 || apptest.ErrorCode(raw) != "invalid_field" {
				t.Fatalf("create %v: %d %s", body, status, raw)
			}
		}
		path := fmt.Sprintf("/api/v1/conversations/%d/messages", c.ID)
		var first struct {
			Message   conversation.Message
			Duplicate bool
		}
		env.JSON(t, auth.RoleAgent, "POST", path, map[string]any{"body": "您好，请问有什么可以帮您？", "client_msg_id": "k1"}, 201, &first)
		var again = first
		env.JSON(t, auth.RoleAgent, "POST", path, map[string]any{"body": "您好，请问有什么可以帮您？", "client_msg_id": "k1"}, 200, &again)
		if !again.Duplicate || again.Message.ID != first.Message.ID {
			t.Fatalf("idempotent resend: %+v", again)
		}
		// A shop server (API token) relays its customer's words; a signed-in agent may not.
		var tok struct{ Token string }
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/api-tokens", map[string]any{"name": "shop backend"}, 201, &tok)
		status, raw := env.Do(t, auth.RoleAgent, "POST", path, map[string]any{"body": "x", "sender": "customer"})
		if status != 403 {
			t.Fatalf("agent speaking as the customer: %d %s", status, raw)
		}
		shop := func(body map[string]any) (int, []byte) {
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", env.Server.URL+path, bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+tok.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, out
		}
		// Another sender cannot claim the key (and learns nothing about the stored message).
		status, raw = shop(map[string]any{"body": "x", "client_msg_id": "k1", "sender": "customer"})
		if status != 409 || apptest.ErrorCode(raw) != "client_msg_id_taken" {
			t.Fatalf("key clash: %d %s", status, raw)
		}
		env.JSON(t, auth.RoleAgent, "POST", path, map[string]any{"body": "customer is VIP", "internal": true}, 201, nil)
		if status, raw = shop(map[string]any{"body": "where is my parcel", "sender": "customer"}); status != 201 {
			t.Fatalf("shop relay: %d %s", status, raw)
		}

		var page struct {
			Items       []conversation.Message
			NextAfterID int64 `json:"next_after_id"`
			HasMore     bool  `json:"has_more"`
		}
		env.JSON(t, auth.RoleAgent, "GET", path+"?limit=2", nil, 200, &page)
		if len(page.Items) != 2 || !page.HasMore || page.Items[0].ID != first.Message.ID || !page.Items[1].Internal {
			t.Fatalf("first page %+v", page)
		}
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("%s?after_id=%d", path, page.NextAfterID), nil, 200, &page)
		if len(page.Items) != 1 || page.HasMore || page.Items[0].SenderKind != "customer" {
			t.Fatalf("second page %+v", page)
		}
		var got conversation.Conversation
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/conversations/%d", c.ID), nil, 200, &got)
		if got.LastMessageAt == nil {
			t.Fatal("last_message_at not updated by posting")
		}

		// Filters, and PATCH.
		agentID := env.Users[auth.RoleAgent].ID
		env.JSON(t, auth.RoleAgent, "PATCH", fmt.Sprintf("/api/v1/conversations/%d", c.ID), map[string]any{"assignee_id": agentID, "status": "waiting"}, 200, &got)
		if got.Status != "waiting" || got.AssigneeID == nil || *got.AssigneeID != agentID {
			t.Fatalf("patched %+v", got)
		}
		var list struct{ Items []conversation.Conversation }
		for q, want := range map[string]int{
			"?status=waiting": 1, "?status=closed": 0, fmt.Sprintf("?assignee_id=%d", agentID): 1,
			fmt.Sprintf("?customer_id=%d", cust.ID): 1, "?handled_by=bot": 0, "?sort=-last_message_at&limit=5": 1,
		} {
			env.JSON(t, auth.RoleAgent, "GET", "/api/v1/conversations"+q, nil, 200, &list)
			if len(list.Items) != want {
				t.Fatalf("list %s: %d items, want %d", q, len(list.Items), want)
			}
		}
		for _, q := range []string{"?status=nope", "?assignee_id=-1", "?sort=body", "?limit=0"} {
			status, raw := env.Do(t, auth.RoleAgent, "GET", "/api/v1/conversations"+q, nil)
			if status != 400 {
				t.Fatalf("list %s: %d %s", q, status, raw)
			}
		}
		// Body limits and hostile text.
		status, raw = env.Do(t, auth.RoleAgent, "POST", path, map[string]any{"body": string(make([]byte, 5000))})
		if status != 400 {
			t.Fatalf("NUL body: %d %s", status, raw)
		}
		long := make([]rune, 4001)
		for i := range long {
			long[i] = '长'
		}
		status, raw = env.Do(t, auth.RoleAgent, "POST", path, map[string]any{"body": string(long)})
		if status != 400 || apptest.ErrorCode(raw) != "invalid_field" {
			t.Fatalf("long body: %d %s", status, raw)
		}
		status, _ = env.Do(t, "", "GET", path, nil)
		if status != 401 {
			t.Fatalf("anonymous read: %d", status)
		}
	})
}

// TestIdentityVerification: a signed external id identifies the visitor and the anonymous
// history moves with them; a forged signature is refused with a clear error.
func TestIdentityVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		token, conv := newVisitor(t, env)
		widgetJSON(t, env, token, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv), map[string]any{"body": "before login"}, 201, nil)

		var sec struct{ Secret, Algorithm string }
		env.JSON(t, auth.RoleAdmin, "GET", "/api/v1/widget/identity-secret", nil, 200, &sec)
		if len(sec.Secret) < 32 || sec.Algorithm != "HMAC-SHA256" {
			t.Fatalf("secret %+v", sec)
		}
		if status, _ := env.Do(t, auth.RoleAgent, "GET", "/api/v1/widget/identity-secret", nil); status != 403 {
			t.Fatalf("agents must not read the identity secret: %d", status)
		}
		var raw string
		db.QueryRow(context.Background(), `SELECT value FROM settings WHERE key = 'widget.identity_secret'`).Scan(&raw)
		if raw == "" || raw == sec.Secret {
			t.Fatal("identity secret must be stored, sealed")
		}

		forged := []map[string]any{
			{"visitor_token": token, "external_id": "u-42", "signature": conversation.Sign("wrong-secret", "u-42")},
			{"visitor_token": token, "external_id": "u-43", "signature": conversation.Sign(sec.Secret, "u-42")}, // someone else's
		}
		for _, body := range forged {
			status, rawBody := widgetDo(t, env, "", "POST", "/api/v1/widget/session", body)
			if status != 401 || apptest.ErrorCode(rawBody) != "identity_signature_invalid" {
				t.Fatalf("forged %v: %d %s", body, status, rawBody)
			}
		}
		for _, body := range []map[string]any{
			{"external_id": "u-42"}, {"external_id": "u-42", "signature": "zz"}, {"signature": conversation.Sign(sec.Secret, "")},
		} {
			status, rawBody := widgetDo(t, env, "", "POST", "/api/v1/widget/session", body)
			if status != 400 || apptest.ErrorCode(rawBody) != "invalid_field" {
				t.Fatalf("incomplete identity %v: %d %s", body, status, rawBody)
			}
		}
		var s conversation.SessionResponse
		widgetJSON(t, env, "", "POST", "/api/v1/widget/session", map[string]any{"visitor_token": token, "external_id": "u-42", "signature": conversation.Sign(sec.Secret, "u-42"), "name": "Li Lei"}, 200, &s)
		if !s.Identified || s.ExternalID != "u-42" || s.VisitorToken != token {
			t.Fatalf("identified session %+v", s)
		}
		// The history is kept: the same conversation, now the customer's.
		var list struct {
			Items []conversation.CustomerConversation
		}
		widgetJSON(t, env, token, "GET", "/api/v1/widget/conversations", nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != conv {
			t.Fatalf("history after identifying: %+v", list.Items)
		}
		var c conversation.Conversation
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/conversations/%d", conv), nil, 200, &c)
		if c.CustomerID == nil {
			t.Fatal("conversation not linked to the customer")
		}
		// On another device the identified customer sees the same history.
		var other conversation.SessionResponse
		widgetJSON(t, env, "", "POST", "/api/v1/widget/session", map[string]any{"external_id": "u-42", "signature": conversation.Sign(sec.Secret, "u-42")}, 200, &other)
		var msgs struct {
			Items []conversation.CustomerMessage
		}
		widgetJSON(t, env, other.VisitorToken, "GET", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv), nil, 200, &msgs)
		if len(msgs.Items) != 1 || msgs.Items[0].Body != "before login" {
			t.Fatalf("history on another device: %+v", msgs.Items)
		}
		// An anonymous visitor no longer sees the identified customer's conversation.
		stranger, _ := newVisitor(t, env)
		if status, _ := widgetDo(t, env, stranger, "GET", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv), nil); status != 404 {
			t.Fatalf("stranger: %d", status)
		}
	})
}

// TestIdentitySecretRace: instances racing to generate the secret agree on one.
func TestIdentitySecretRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		var wg sync.WaitGroup
		got := make([]string, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := conversation.NewService(db, env.App.PII, env.App.CRM, nil)
				s, err := svc.IdentitySecret(context.Background())
				if err != nil {
					t.Error(err)
				}
				got[i] = s
			}()
		}
		wg.Wait()
		for _, s := range got[1:] {
			if s != got[0] {
				t.Fatalf("instances disagree: %v", got)
			}
		}
	})
}

// echoBot answers each customer message with one reply and a card; it stands in for the bot
// to prove the Responder plug-in point (ordering, handled_by, posting as the bot).
type echoBot struct{}

func (echoBot) OnCustomerMessage(ctx context.Context, conv *conversation.Conversation, m *conversation.Message) (conversation.Turn, error) {
	return conversation.Turn{Messages: []conversation.Outgoing{{Body: "re: " + m.Body}, {ContentType: "card", Payload: map[string]any{"kind": "quick_replies", "options": []string{"yes", "no"}}}}}, nil
}

func TestResponderPlugsIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		env.App.Conversations.SetLimits(relaxed())
		env.App.Conversations.SetResponder(echoBot{})
		token, conv := newVisitor(t, env)
		ws := dialCustomer(t, env, token)
		ws.subscribe(conv, 0)
		for i := 0; i < 3; i++ {
			ws.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: fmt.Sprint(i), Body: fmt.Sprint("q", i)})
		}
		got := ws.messages(conv, 9)
		var bodies []string
		for _, m := range got {
			bodies = append(bodies, m.SenderKind+":"+m.Body)
		}
		want := "[customer:q0 bot:re: q0 bot: customer:q1 bot:re: q1 bot: customer:q2 bot:re: q2 bot:]"
		if fmt.Sprint(bodies) != want {
			t.Fatalf("conversation %v\nwant %s", bodies, want)
		}
		// Once an agent takes over, the bot stays quiet.
		env.JSON(t, auth.RoleAgent, "PATCH", fmt.Sprintf("/api/v1/conversations/%d", conv), map[string]any{"handled_by": "agent"}, 200, nil)
		ws.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: "h", Body: "human please"})
		if m := ws.messages(conv, 1)[0]; m.SenderKind != "customer" {
			t.Fatalf("got %+v", m)
		}
		ws.quiet(150 * 1e6)
		env.App.Conversations.SetResponder(nil)
	})
}

// TestNewConversationIndexedAtOnce: a conversation's subject is indexed for agents' search by
// the transaction that creates it, so the catch-up sweep (which locks the rows it indexes)
// never has to touch a live conversation.
func TestNewConversationIndexedAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		var s conversation.SessionResponse
		widgetJSON(t, env, "", "POST", "/api/v1/widget/session", map[string]any{}, 200, &s)
		var c conversation.CustomerConversation
		widgetJSON(t, env, s.VisitorToken, "POST", "/api/v1/widget/conversations", map[string]any{"subject": "申请退款流程咨询"}, 201, &c)
		var indexed bool
		if err := db.QueryRow(context.Background(), `SELECT search_indexed FROM conversations WHERE id = ?`, c.ID).Scan(&indexed); err != nil {
			t.Fatal(err)
		}
		terms := recordsearch.Terms(recordsearch.KindConversation, c.Subject)
		postings := 0
		for _, term := range terms {
			var n int
			if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM search_terms WHERE term = ? AND record_id = ?`, term, c.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			postings += n
		}
		if !indexed || len(terms) == 0 || postings != len(terms) {
			t.Fatalf("new conversation: search_indexed %v, %d of its %d terms indexed", indexed, postings, len(terms))
		}
		if n, err := recordsearch.Sync(context.Background(), db, 1000, recordsearch.KindConversation); err != nil || n != 0 {
			t.Fatalf("the sweep found %d conversations to index (err %v), want none", n, err)
		}
	})
}

// countingBot keeps a counter in the dialogue state and replies with the value it read: two
// turns that saw the same value would mean one of them worked from a stale conversation row.
type countingBot struct{}

func (countingBot) OnCustomerMessage(ctx context.Context, conv *conversation.Conversation, m *conversation.Message) (conversation.Turn, error) {
	var state struct{ N int }
	if conv.BotState != "" {
		if err := json.Unmarshal([]byte(conv.BotState), &state); err != nil {
			return conversation.Turn{}, err
		}
	}
	reply := fmt.Sprint("n=", state.N)
	state.N++
	return conversation.Turn{Messages: []conversation.Outgoing{{Body: reply}}, State: state}, nil
}

// TestBotTurnsSeeEachOthersState: a turn reuses the conversation row its message's post
// returned only while no other turn has finished since; two tabs of one customer writing at
// once must still give every turn the state the previous turn left.
func TestBotTurnsSeeEachOthersState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		env.App.Conversations.SetLimits(relaxed())
		env.App.Conversations.SetResponder(countingBot{})
		defer env.App.Conversations.SetResponder(nil)
		token, conv := newVisitor(t, env)
		tabs := []*tconn{dialCustomer(t, env, token), dialCustomer(t, env, token)}
		for _, ws := range tabs {
			ws.subscribe(conv, 0)
		}
		const perTab = 6
		for i := 0; i < perTab; i++ {
			for k, ws := range tabs {
				ws.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: fmt.Sprint(k, "-", i), Body: "hi"})
			}
		}
		seen := map[string]bool{}
		for _, m := range tabs[0].messages(conv, 4*perTab) {
			if m.SenderKind != "bot" {
				continue
			}
			if seen[m.Body] {
				t.Fatalf("two turns replied %q: one read a stale dialogue state", m.Body)
			}
			seen[m.Body] = true
		}
		for n := 0; n < 2*perTab; n++ {
			if !seen[fmt.Sprint("n=", n)] {
				t.Fatalf("no turn replied n=%d; replies %v", n, seen)
			}
		}
	})
}
