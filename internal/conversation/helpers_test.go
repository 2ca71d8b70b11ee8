package conversation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
	"kefu/internal/store"
)

// widgetDo calls a widget endpoint with a visitor token ("" for none).
func widgetDo(t testing.TB, env *apptest.Env, token, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, env.Server.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Visitor-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func widgetJSON(t testing.TB, env *apptest.Env, token, method, path string, body any, want int, out any) {
	t.Helper()
	status, raw := widgetDo(t, env, token, method, path, body)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
}

// newVisitor opens an anonymous widget session and starts a conversation.
func newVisitor(t testing.TB, env *apptest.Env) (token string, convID int64) {
	t.Helper()
	var s conversation.SessionResponse
	widgetJSON(t, env, "", "POST", "/api/v1/widget/session", map[string]any{}, 200, &s)
	var c conversation.CustomerConversation
	widgetJSON(t, env, s.VisitorToken, "POST", "/api/v1/widget/conversations", map[string]any{"subject": "help"}, 201, &c)
	return s.VisitorToken, c.ID
}

type clientFrame = client.Frame

// tconn is a test connection whose frames are read in the background.
type tconn struct {
	*client.Conn
	t      testing.TB
	frames chan *client.Frame
	closed chan error
}

func wrap(t testing.TB, c *client.Conn, err error) *tconn {
	t.Helper()
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	tc := &tconn{Conn: c, t: t, frames: make(chan *client.Frame, 4096), closed: make(chan error, 1)}
	go func() {
		for {
			f, err := c.Read(context.Background())
			if err != nil {
				tc.closed <- err
				close(tc.frames)
				return
			}
			tc.frames <- f
		}
	}()
	t.Cleanup(func() { c.WS.CloseNow() })
	if f := tc.next(); f.Type != "hello" {
		t.Fatalf("first frame %+v, want hello", f)
	}
	return tc
}

func dialCustomer(t testing.TB, env *apptest.Env, token string) *tconn {
	c, err := client.DialCustomer(context.Background(), env.Server.URL, token)
	return wrap(t, c, err)
}

func dialAgent(t testing.TB, env *apptest.Env, role auth.Role) *tconn {
	c, err := client.DialAgent(context.Background(), env.Server.URL, env.Tokens[role])
	return wrap(t, c, err)
}

func (c *tconn) send(f conversation.ClientFrame) {
	c.t.Helper()
	if err := c.Send(context.Background(), f); err != nil {
		c.t.Fatalf("send %+v: %v", f, err)
	}
}

func (c *tconn) next() *client.Frame {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("connection closed: %v", <-c.closed)
		}
		return f
	case <-time.After(10 * time.Second):
		c.t.Fatal("timed out waiting for a frame")
	}
	return nil
}

// until skips frames until one matches.
func (c *tconn) until(desc string, match func(*client.Frame) bool) *client.Frame {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("connection closed while waiting for %s: %v", desc, <-c.closed)
			}
			if match(f) {
				return f
			}
		case <-deadline:
			c.t.Fatalf("timed out waiting for %s", desc)
		}
	}
}

func (c *tconn) errorFrame(code string) *client.Frame {
	c.t.Helper()
	return c.until("error "+code, func(f *client.Frame) bool { return f.Type == "error" && f.Code() == code })
}

// subscribe subscribes and waits for the confirmation.
func (c *tconn) subscribe(conv, after int64) {
	c.t.Helper()
	ref := fmt.Sprintf("sub-%d-%d", conv, after)
	c.send(conversation.ClientFrame{Type: "subscribe", Ref: ref, ConversationID: conv, AfterID: after})
	f := c.until("subscribed", func(f *client.Frame) bool { return f.Ref == ref })
	if f.Type != "subscribed" {
		c.t.Fatalf("subscribe %d: %+v %+v", conv, f, f.Error)
	}
}

// ping proves the connection still works.
func (c *tconn) ping() {
	c.t.Helper()
	c.send(conversation.ClientFrame{Type: "ping", Ref: "p"})
	c.until("pong", func(f *client.Frame) bool { return f.Type == "pong" })
}

// messages collects n message frames of a conversation.
func (c *tconn) messages(conv int64, n int) []*client.Message {
	c.t.Helper()
	var out []*client.Message
	for len(out) < n {
		f := c.until(fmt.Sprintf("message %d of %d", len(out)+1, n), func(f *client.Frame) bool { return f.Type == "message" && f.ConversationID == conv })
		out = append(out, f.Message)
	}
	return out
}

// quiet asserts no message frame arrives for a while (used after the expected ones).
func (c *tconn) quiet(d time.Duration) {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-c.frames:
			if ok && f.Type == "message" {
				c.t.Fatalf("unexpected extra message %+v", f.Message)
			}
		case <-deadline:
			return
		}
	}
}

// start runs the whole app without the bot: these tests are about delivery, and conversations
// without a responder simply wait for agents. TestResponderPlugsIn plugs in its own.
func start(t testing.TB, db *store.DB) *apptest.Env {
	env := apptest.Start(t, db)
	env.App.Conversations.SetResponder(nil)
	return env
}
