package conversation_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

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

// TestLoneInstanceSkipsNotify: an instance that has heard no other for the presence window
// sends no notices (nobody would read them); a second instance joining is heard at once, after
// which messages posted on the first reach the second's clients.
func TestLoneInstanceSkipsNotify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite runs one instance and never notifies")
		}
		// Greetings every 100 ms keep a 2 s window fresh however slow a loaded machine makes
		// the posts in between.
		const window, every = 2 * time.Second, 100 * time.Millisecond
		envA := start(t, db)
		a := envA.App.Conversations
		a.SetLimits(relaxed())
		conversation.SetPresence(a, window, every)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		listen := func(svc *conversation.Service) {
			ready := make(chan struct{})
			var once sync.Once
			go svc.Listen(ctx, func() { once.Do(func() { close(ready) }) })
			<-ready
		}
		// An observer that is not an instance: it counts instance A's message notices (other
		// packages' tests may post on the same database at the same time).
		var notices atomic.Int64
		observer := listenRaw(t, ctx, db, func(payload string) {
			if strings.HasPrefix(payload, "m|") && strings.HasSuffix(payload, "|"+a.Instance) {
				notices.Add(1)
			}
		})
		<-observer
		listen(a)
		_, conv := newVisitor(t, envA)
		post := func(body string) {
			t.Helper()
			if _, _, err := a.Post(ctx, conversation.NewMessage{ConversationID: conv, SenderKind: "customer", Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		post("while learning") // inside the window: notified
		waitFor(t, "the notice sent while learning", func() bool { return notices.Load() == 1 })
		time.Sleep(window + 100*time.Millisecond)
		if conversation.OthersMayListen(a) {
			t.Fatal("alone past the window, yet still notifying")
		}
		post("alone")
		time.Sleep(200 * time.Millisecond)
		if n := notices.Load(); n != 1 {
			t.Fatalf("%d message notices, want none sent while alone", n-1)
		}

		// Instance B joins: A hears it at once and notifies again.
		b := app.New(db, envA.App.PII, slog.New(slog.NewTextHandler(io.Discard, nil)))
		b.Conversations.SetResponder(nil)
		conversation.SetPresence(b.Conversations, window, every)
		got := make(chan int64, 10)
		sub := b.Conversations.Broker.Subscribe(conv, func(ev conversation.Event) {
			if ev.Kind == conversation.EventMessage {
				got <- ev.MessageID
			}
		})
		defer sub.Close()
		listen(b.Conversations)
		waitFor(t, "instance A hearing B's join", func() bool { return conversation.OthersMayListen(a) })
		post("after the join")
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("instance B never heard of the message posted on A after it joined")
		}
	})
}

// listenRaw LISTENs on the realtime channel from a connection of its own; the returned channel
// closes once it listens.
func listenRaw(t *testing.T, ctx context.Context, db *store.DB, fn func(payload string)) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN kefu_realtime"); err != nil {
			t.Error(err)
			close(ready)
			return driver.ErrBadConn
		}
		close(ready)
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				return driver.ErrBadConn
			}
			fn(n.Payload)
		}
	})
	t.Cleanup(func() {
		cancel() // ends the wait, so Close does not block on the connection in use
		conn.Close()
	})
	return ready
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
