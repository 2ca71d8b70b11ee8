package conversation_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// hostileStrings reads the Big List of Naughty Strings from the shared evaluation data.
func hostileStrings(t *testing.T) []string {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(dir, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (%v); set KEFU_EVAL_DATA", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestHostileInput: whatever a client sends, it gets a clear error or a faithful echo, and
// both the connection and the server stay healthy.
func TestHostileInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		env.App.Conversations.SetLimits(relaxed())
		token, conv := newVisitor(t, env)
		ws := dialCustomer(t, env, token)
		ws.subscribe(conv, 0)
		ctx := context.Background()

		cases := []struct {
			name  string
			typ   websocket.MessageType
			frame []byte
			code  string
		}{
			{"1 MB frame", websocket.MessageText, []byte(`{"type":"send","body":"` + strings.Repeat("x", 1<<20) + `"}`), "frame_too_large"},
			{"invalid UTF-8", websocket.MessageText, []byte("{\"type\":\"send\",\"conversation_id\":1,\"body\":\"\xff\xfe\"}"), "invalid_utf8"},
			{"binary frame", websocket.MessageBinary, []byte{0, 1, 2}, "binary_not_supported"},
			{"not JSON", websocket.MessageText, []byte("<script>alert(1)</script>"), "malformed_json"},
			{"JSON array", websocket.MessageText, []byte(`[1,2,3]`), "malformed_json"},
			{"wrong field type", websocket.MessageText, []byte(`{"type":"send","conversation_id":"one"}`), "malformed_json"},
			{"unknown type", websocket.MessageText, []byte(`{"type":"drop_tables"}`), "unknown_type"},
			{"no type", websocket.MessageText, []byte(`{}`), "invalid_field"},
			{"huge id", websocket.MessageText, []byte(`{"type":"subscribe","conversation_id":99999999999999999999}`), "malformed_json"},
			{"negative id", websocket.MessageText, []byte(`{"type":"subscribe","conversation_id":-5}`), "invalid_field"},
			{"NUL in body", websocket.MessageText, []byte(fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"a\u0000b"}`, conv)), "invalid_field"},
			{"body over the limit", websocket.MessageText, []byte(fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"%s"}`, conv, strings.Repeat("长", 4001))), "invalid_field"},
			{"empty body", websocket.MessageText, []byte(fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"   "}`, conv)), "invalid_field"},
			{"customer internal note", websocket.MessageText, []byte(fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"x","internal":true}`, conv)), "invalid_field"},
			{"card from a client", websocket.MessageText, []byte(fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"x","content_type":"card"}`, conv)), "invalid_field"},
			{"read of a foreign message", websocket.MessageText, []byte(fmt.Sprintf(`{"type":"read","conversation_id":%d,"message_id":987654}`, conv)), "invalid_field"},
		}
		for _, c := range cases {
			if err := ws.SendRaw(ctx, c.typ, c.frame); err != nil {
				t.Fatalf("%s: send: %v", c.name, err)
			}
			f := ws.until(c.name, func(f *clientFrame) bool { return f.Type == "error" })
			if f.Code() != c.code || f.Error.Message == "" {
				t.Fatalf("%s: got %+v, want code %s", c.name, f.Error, c.code)
			}
		}
		ws.ping()

		// Hostile strings are stored and delivered byte for byte (valid UTF-8 ones), or
		// refused with a field error.
		var sent []string
		hostile := hostileStrings(t)
		for i, s := range hostile { // pipelined: replies come back in order
			ws.send(conversation.ClientFrame{Type: "send", Ref: fmt.Sprint("h", i), ConversationID: conv, ClientMsgID: fmt.Sprint("h", i), Body: s})
		}
		for i, s := range hostile {
			f := ws.until("reply to hostile string", func(f *clientFrame) bool { return f.Ref == fmt.Sprint("h", i) })
			switch {
			case f.Type == "ack":
				if f.Message.Body != strings.TrimSpace(s) {
					t.Fatalf("hostile string %q came back as %q", s, f.Message.Body)
				}
				sent = append(sent, f.Message.Body)
			case f.Code() == "invalid_field" && (strings.TrimSpace(s) == "" || strings.ContainsRune(s, 0) || !utf8.ValidString(s)):
			default:
				t.Fatalf("hostile string %q: %+v %+v", s, f, f.Error)
			}
		}
		ms, err := env.App.Conversations.Messages(ctx, conv, 0, 200, false)
		if err != nil || (len(sent) > 0 && len(ms) == 0) {
			t.Fatalf("stored %d, err %v", len(ms), err)
		}
		ws.ping()
		env.JSON(t, "", "GET", "/healthz", nil, 200, nil)
	})
}

// TestRateLimiting: a flood of messages is refused with rate_limited and a retry hint while
// the connection stays usable; a client that keeps flooding is disconnected; the server and
// other clients are unaffected.
func TestRateLimiting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := start(t, db)
		l := conversation.DefaultLimits()
		l.SendPerSecond, l.SendBurst = 0.01, 5 // no refill during the test
		l.FramesPerSecond, l.FramesBurst = 1, 40
		env.App.Conversations.SetLimits(l)
		token, conv := newVisitor(t, env)
		ws := dialCustomer(t, env, token)
		ws.subscribe(conv, 0)
		for i := 0; i < 10; i++ {
			ws.send(conversation.ClientFrame{Type: "send", Ref: fmt.Sprint(i), ConversationID: conv, ClientMsgID: fmt.Sprint(i), Body: "spam"})
		}
		acks, limited := 0, 0
		for i := 0; i < 10; i++ {
			f := ws.until("reply", func(f *clientFrame) bool { return f.Ref == fmt.Sprint(i) })
			switch {
			case f.Type == "ack":
				acks++
			case f.Code() == "rate_limited" && f.RetryAfterMS > 0 && strings.Contains(f.Error.Message, "per second"):
				limited++
			default:
				t.Fatalf("reply %d: %+v %+v", i, f, f.Error)
			}
		}
		// Starting the conversation spent one of the burst of 5.
		if acks != 4 || limited != 6 {
			t.Fatalf("acks %d, limited %d; want 4 and 6", acks, limited)
		}
		// The REST path shares the budget.
		status, raw := widgetDo(t, env, token, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv), map[string]any{"body": "spam"})
		if status != 429 || !strings.Contains(string(raw), "rate_limited") {
			t.Fatalf("REST flood: %d %s", status, raw)
		}
		ws.ping()

		// Another visitor is not affected.
		other, otherConv := newVisitor(t, env)
		ws2 := dialCustomer(t, env, other)
		ws2.send(conversation.ClientFrame{Type: "send", Ref: "ok", ConversationID: otherConv, ClientMsgID: "ok", Body: "hi"})
		if f := ws2.until("ack", func(f *clientFrame) bool { return f.Ref == "ok" }); f.Type != "ack" {
			t.Fatalf("other visitor: %+v", f.Error)
		}

		// A frame flood past the budget and the strike limit closes the connection.
		for i := 0; i < 300; i++ {
			if err := ws.Send(context.Background(), conversation.ClientFrame{Type: "ping"}); err != nil {
				break
			}
		}
		select {
		case err := <-ws.closed:
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("flood closed with %v, want policy violation", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("flooding connection was not closed")
		}
		ws2.ping()
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/conversations", nil, 200, nil)
	})
}
