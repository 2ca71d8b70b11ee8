package conversation_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kefu/internal/app"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// TestCrossInstanceFanOut: two kefu instances on one PostgreSQL database; a customer on one and
// an agent on the other see each other's messages (in order) and typing through LISTEN/NOTIFY.
func TestCrossInstanceFanOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite runs one instance; fan-out there is in-process (covered by the other tests)")
		}
		envA := start(t, db)
		envA.App.Conversations.SetLimits(relaxed())
		b := app.New(db, envA.App.PII, slog.New(slog.NewTextHandler(io.Discard, nil)))
		b.Conversations.SetResponder(nil)
		b.Conversations.SetLimits(relaxed())
		srvB := httptest.NewServer(b.Server.Handler())
		t.Cleanup(srvB.Close)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		for _, svc := range []*conversation.Service{envA.App.Conversations, b.Conversations} {
			ready := make(chan struct{})
			var once bool
			go svc.Listen(ctx, func() {
				if !once {
					once = true
					close(ready)
				}
			})
			<-ready
		}
		token, conv := newVisitor(t, envA)
		c, err := client.DialCustomer(ctx, srvB.URL, token)
		cust := wrap(t, c, err)
		agent := dialAgent(t, envA, auth.RoleAgent)
		cust.subscribe(conv, 0)
		agent.subscribe(conv, 0)
		inbox := dialAgent(t, envA, auth.RoleAgent) // instance A's inbox hears instance B's news
		inbox.send(conversation.ClientFrame{Type: "subscribe_inbox", Ref: "inbox"})
		inbox.until("inbox subscribed", func(f *clientFrame) bool { return f.Ref == "inbox" && f.Type == "subscribed" })

		const n = 20
		for i := 0; i < n; i++ {
			cust.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: fmt.Sprint(i), Body: fmt.Sprint("c", i)})
		}
		inbox.until("inbox news of a message sent through instance B", func(f *clientFrame) bool {
			return f.Type == "inbox" && f.Reason == "message" && f.ConversationID == conv
		})
		got := agent.messages(conv, n)
		for i, m := range got {
			if m.Body != fmt.Sprint("c", i) || (i > 0 && m.ID <= got[i-1].ID) {
				t.Fatalf("agent on instance A got %v", got)
			}
		}
		envA.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), map[string]any{"body": "from A"}, 201, nil)
		cust.until("reply from instance A", func(f *clientFrame) bool { return f.Type == "message" && f.Message.Body == "from A" })
		agent.send(conversation.ClientFrame{Type: "typing", ConversationID: conv, Typing: true})
		cust.until("typing from instance A", func(f *clientFrame) bool { return f.Type == "typing" && f.SenderKind == "agent" })
		// A change made through instance B reaches instance A's inbox.
		req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/api/v1/conversations/%d", srvB.URL, conv), strings.NewReader(`{"status":"closed"}`))
		req.Header.Set("Authorization", "Bearer "+envA.Tokens[auth.RoleAgent])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("PATCH through instance B: %v %v", err, resp)
		}
		resp.Body.Close()
		inbox.until("inbox news of a change made through instance B", func(f *clientFrame) bool {
			return f.Type == "inbox" && f.Reason == "updated" && f.ConversationID == conv
		})
	})
}
