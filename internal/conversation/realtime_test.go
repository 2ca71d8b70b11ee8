package conversation_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func checkOrdered(t *testing.T, who string, got []int64, want []int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s received ids %v, want exactly %v", who, got, want)
	}
}

// TestRealtimeOrderingFanOutAndInternalNotes: customer and agent connections both receive
// every message of the conversation, in id order, with nothing missing; internal notes reach
// the agent only.
func TestRealtimeOrderingFanOutAndInternalNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		env.App.Conversations.SetLimits(relaxed())
		token, conv := newVisitor(t, env)
		cust := dialCustomer(t, env, token)
		agent := dialAgent(t, env, auth.RoleAgent)
		cust.subscribe(conv, 0)
		agent.subscribe(conv, 0)

		const n = 30
		done := make(chan struct{})
		go func() { // the agent answers over REST while the customer writes over the socket
			defer close(done)
			for i := 0; i < n/3; i++ {
				env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv),
					map[string]any{"body": fmt.Sprintf("agent %d", i), "internal": i%5 == 0}, 201, nil)
			}
		}()
		for i := 0; i < n; i++ {
			cust.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: fmt.Sprintf("c%d", i), Body: fmt.Sprintf("customer %d", i)})
		}
		// Wait for every ack, keeping the message frames that arrive meanwhile.
		var custMsgs []*client.Message
		for acks := 0; acks < n; {
			f := cust.next()
			switch f.Type {
			case "ack":
				acks++
			case "message":
				custMsgs = append(custMsgs, f.Message)
			case "error":
				t.Fatalf("error frame %+v", f.Error)
			}
		}
		<-done
		all, err := env.App.Conversations.Messages(context.Background(), conv, 0, 200, true)
		if err != nil {
			t.Fatal(err)
		}
		var wantAgent, wantCust []int64
		for _, m := range all {
			wantAgent = append(wantAgent, m.ID)
			if !m.Internal {
				wantCust = append(wantCust, m.ID)
			}
		}
		if len(wantAgent) != n+n/3 {
			t.Fatalf("stored %d messages, want %d", len(wantAgent), n+n/3)
		}
		var gotAgent, gotCust []int64
		for _, m := range agent.messages(conv, len(wantAgent)) {
			gotAgent = append(gotAgent, m.ID)
		}
		custMsgs = append(custMsgs, cust.messages(conv, len(wantCust)-len(custMsgs))...)
		for _, m := range custMsgs {
			if m.Internal {
				t.Fatalf("customer received an internal note: %+v", m)
			}
			gotCust = append(gotCust, m.ID)
		}
		checkOrdered(t, "agent", gotAgent, wantAgent)
		checkOrdered(t, "customer", gotCust, wantCust)
		cust.quiet(100 * time.Millisecond)
	})
}

// TestResumeAfterReconnect: a client that drops and resumes from the last id it saw gets
// exactly the messages it missed, and a resend of an unacknowledged message is not doubled.
func TestResumeAfterReconnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		env.App.Conversations.SetLimits(relaxed())
		token, conv := newVisitor(t, env)
		path := fmt.Sprintf("/api/v1/conversations/%d/messages", conv)
		c1 := dialCustomer(t, env, token)
		c1.subscribe(conv, 0)
		for i := 0; i < 5; i++ {
			env.JSON(t, auth.RoleAgent, "POST", path, map[string]any{"body": fmt.Sprintf("a%d", i)}, 201, nil)
		}
		seen := c1.messages(conv, 5)
		last := seen[len(seen)-1].ID
		c1.WS.CloseNow()

		// While the customer is away: replies, an internal note, more replies.
		for i := 5; i < 12; i++ {
			env.JSON(t, auth.RoleAgent, "POST", path, map[string]any{"body": fmt.Sprintf("a%d", i), "internal": i == 7}, 201, nil)
		}
		c2 := dialCustomer(t, env, token)
		c2.subscribe(conv, last)
		// Live messages after the resume must follow the replay without a gap.
		env.JSON(t, auth.RoleAgent, "POST", path, map[string]any{"body": "live"}, 201, nil)
		got := c2.messages(conv, 7) // 7 missed (one internal hidden) + 1 live
		all, _ := env.App.Conversations.Messages(context.Background(), conv, last, 200, false)
		var want, have []int64
		for _, m := range all {
			want = append(want, m.ID)
		}
		for _, m := range got {
			have = append(have, m.ID)
		}
		checkOrdered(t, "resumed customer", have, want)
		c2.quiet(100 * time.Millisecond)

		// Idempotent resend: the same client_msg_id twice stores one message.
		c2.send(conversation.ClientFrame{Type: "send", Ref: "s1", ConversationID: conv, ClientMsgID: "once", Body: "hello"})
		a1 := c2.until("ack 1", func(f *clientFrame) bool { return f.Ref == "s1" })
		c2.send(conversation.ClientFrame{Type: "send", Ref: "s2", ConversationID: conv, ClientMsgID: "once", Body: "hello"})
		a2 := c2.until("ack 2", func(f *clientFrame) bool { return f.Ref == "s2" })
		if a1.Type != "ack" || a2.Type != "ack" || !a2.Duplicate || a1.Duplicate || a1.Message.ID != a2.Message.ID {
			t.Fatalf("acks %+v / %+v", a1, a2)
		}
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM messages WHERE client_msg_id = ?`, "once").Scan(&n)
		if n != 1 {
			t.Fatalf("%d rows for one client_msg_id", n)
		}
	})
}

// TestTypingAndReadReceipts: typing and read events reach the other side, and receipts are
// stored and only move forward.
func TestTypingAndReadReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		token, conv := newVisitor(t, env)
		cust := dialCustomer(t, env, token)
		agent := dialAgent(t, env, auth.RoleAgent)
		cust.subscribe(conv, 0)
		agent.subscribe(conv, 0)
		agent.send(conversation.ClientFrame{Type: "typing", ConversationID: conv, Typing: true})
		f := cust.until("typing", func(f *clientFrame) bool { return f.Type == "typing" })
		if f.SenderKind != "agent" || f.Typing == nil || !*f.Typing || f.SenderID != 0 {
			t.Fatalf("typing frame %+v (customers must not see agent ids)", f)
		}
		cust.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: "m1", Body: "你好"})
		m := agent.messages(conv, 1)[0]
		cust.send(conversation.ClientFrame{Type: "read", ConversationID: conv, MessageID: m.ID})
		agent.send(conversation.ClientFrame{Type: "read", ConversationID: conv, MessageID: m.ID})
		r := agent.until("read", func(f *clientFrame) bool { return f.Type == "read" })
		if r.SenderKind != "customer" || r.MessageID != m.ID {
			t.Fatalf("read frame %+v", r)
		}
		var c conversation.Conversation
		deadline := time.Now().Add(5 * time.Second)
		for len(c.Reads) < 2 && time.Now().Before(deadline) {
			env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/conversations/%d", conv), nil, 200, &c)
		}
		if len(c.Reads) != 2 {
			t.Fatalf("reads = %+v", c.Reads)
		}
		// A receipt for a message of another conversation is refused.
		_, other := newVisitor(t, env)
		status, raw := env.Do(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/conversations/%d/read", other), map[string]any{"message_id": m.ID})
		if status != 400 || apptest.ErrorCode(raw) != "invalid_field" {
			t.Fatalf("foreign read receipt: %d %s", status, raw)
		}
	})
}

// TestCrossCustomerAccessRefused: another visitor's conversation looks exactly like a missing
// one, over REST and WebSocket, and nothing of it leaks.
func TestCrossCustomerAccessRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		alice, aliceConv := newVisitor(t, env)
		mallory, _ := newVisitor(t, env)
		widgetJSON(t, env, alice, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", aliceConv), map[string]any{"body": "my address is secret"}, 201, nil)

		for _, path := range []string{fmt.Sprintf("/api/v1/widget/conversations/%d/messages", aliceConv), "/api/v1/widget/conversations/999999/messages"} {
			status, raw := widgetDo(t, env, mallory, "GET", path, nil)
			if status != 404 || apptest.ErrorCode(raw) != "not_found" || strings.Contains(string(raw), "secret") {
				t.Fatalf("GET %s as another visitor: %d %s", path, status, raw)
			}
		}
		status, raw := widgetDo(t, env, mallory, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", aliceConv), map[string]any{"body": "hi"})
		if status != 404 {
			t.Fatalf("POST into another's conversation: %d %s", status, raw)
		}
		var list struct {
			Items []conversation.CustomerConversation
		}
		widgetJSON(t, env, mallory, "GET", "/api/v1/widget/conversations", nil, 200, &list)
		for _, c := range list.Items {
			if c.ID == aliceConv {
				t.Fatal("another visitor's conversation is listed")
			}
		}
		status, _ = widgetDo(t, env, "kfv_forged", "GET", "/api/v1/widget/conversations", nil)
		if status != 401 {
			t.Fatalf("forged visitor token: %d", status)
		}

		ws := dialCustomer(t, env, mallory)
		for _, typ := range []string{"subscribe", "send", "typing", "read"} {
			ws.send(conversation.ClientFrame{Type: typ, Ref: typ, ConversationID: aliceConv, Body: "x", MessageID: 1})
			f := ws.until(typ+" reply", func(f *clientFrame) bool { return f.Ref == typ })
			if f.Code() != "not_found" {
				t.Fatalf("%s on another's conversation: %+v", typ, f)
			}
		}
		ws.quiet(100 * time.Millisecond)
		ws.ping()
		// No visitor token at all: no upgrade.
		resp, err := http.Get(env.Server.URL + "/api/v1/widget/ws")
		if err != nil || resp.StatusCode != 401 {
			t.Fatalf("ws without token: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
	})
}

func relaxed() conversation.Limits {
	l := conversation.DefaultLimits()
	l.SendPerSecond, l.SendBurst, l.FramesPerSecond, l.FramesBurst = 1000, 1000, 1000, 1000
	l.SessionsPerSecond, l.SessionsBurst = 1000, 1000
	return l
}

// TestInboxFeed: an agent's inbox feed hears of every conversation's new messages and of
// changes of status or owner, without subscribing to each; customers have no inbox.
func TestInboxFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		env.App.Conversations.SetLimits(relaxed())
		agent := dialAgent(t, env, auth.RoleAgent)
		agent.send(conversation.ClientFrame{Type: "subscribe_inbox", Ref: "inbox"})
		agent.until("inbox subscribed", func(f *clientFrame) bool { return f.Ref == "inbox" && f.Type == "subscribed" })

		token, conv := newVisitor(t, env)
		cust := dialCustomer(t, env, token)
		cust.subscribe(conv, 0)
		cust.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: "m1", Body: "我的快递到哪了"})
		ack := cust.until("ack", func(f *clientFrame) bool { return f.Type == "ack" })
		f := agent.until("inbox message", func(f *clientFrame) bool { return f.Type == "inbox" && f.ConversationID == conv })
		if f.Reason != "message" || f.MessageID != ack.Message.ID || f.SenderKind != "customer" {
			t.Fatalf("inbox frame %+v, want the customer's message %d", f, ack.Message.ID)
		}

		env.JSON(t, auth.RoleAgent, "PATCH", fmt.Sprintf("/api/v1/conversations/%d", conv), map[string]any{"status": "closed"}, 200, nil)
		agent.until("inbox update", func(f *clientFrame) bool {
			return f.Type == "inbox" && f.ConversationID == conv && f.Reason == "updated"
		})
		// Typing belongs to the open conversation, not the inbox.
		cust.send(conversation.ClientFrame{Type: "typing", ConversationID: conv, Typing: true})
		agent.ping()

		// Unsubscribed: no more inbox frames.
		agent.send(conversation.ClientFrame{Type: "unsubscribe_inbox", Ref: "off"})
		agent.until("inbox unsubscribed", func(f *clientFrame) bool { return f.Ref == "off" })
		cust.send(conversation.ClientFrame{Type: "send", ConversationID: conv, ClientMsgID: "m2", Body: "还在吗"})
		cust.until("ack", func(f *clientFrame) bool { return f.Type == "ack" })
		deadline := time.After(300 * time.Millisecond)
	wait:
		for {
			select {
			case f := <-agent.frames:
				if f.Type == "inbox" {
					t.Fatalf("inbox frame after unsubscribe: %+v", f)
				}
			case <-deadline:
				break wait
			}
		}

		cust.send(conversation.ClientFrame{Type: "subscribe_inbox", Ref: "c"})
		if e := cust.errorFrame("forbidden"); e.Ref != "c" {
			t.Fatalf("customer inbox: %+v", e)
		}
	})
}

// TestMessageEventsChain: every message event names the message before it in its conversation
// (PrevID), which lets a connection that has delivered that one send the new one without a
// database read. Concurrent writers to one conversation must still form one unbroken chain: a
// PrevID that skipped a message would make a connection skip it too.
func TestMessageEventsChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		_, conv := newVisitor(t, env)
		var mu sync.Mutex
		prev := map[int64]int64{} // message id → PrevID
		sub := env.App.Conversations.Broker.Subscribe(conv, func(ev conversation.Event) {
			if ev.Kind == conversation.EventMessage {
				mu.Lock()
				prev[ev.MessageID] = ev.PrevID
				mu.Unlock()
			}
		})
		defer sub.Close()
		const writers, each = 4, 10
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					if _, _, err := env.App.Conversations.Post(context.Background(), conversation.NewMessage{ConversationID: conv, SenderKind: "customer",
						Body: fmt.Sprintf("w%d m%d", w, i), ClientMsgID: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(prev) != writers*each {
			t.Fatalf("%d events, want %d", len(prev), writers*each)
		}
		ids := slices.Sorted(maps.Keys(prev))
		for i, id := range ids {
			want := int64(0)
			if i > 0 {
				want = ids[i-1]
			}
			if i == 0 && prev[id] >= id || i > 0 && prev[id] != want {
				t.Fatalf("message %d: PrevID %d, want %d (ids %v)", id, prev[id], want, ids)
			}
		}
	})
}
