// Package client is a small Go client for kefu's realtime protocol (docs/protocol.md), used by
// the load generator and the tests, and a reference for other client authors.
package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"

	"kefu/internal/conversation"
)

// Frame is a server frame as a client decodes it.
type Frame struct {
	Type           string   `json:"type"`
	Ref            string   `json:"ref"`
	ConversationID int64    `json:"conversation_id"`
	Message        *Message `json:"message"`
	Duplicate      bool     `json:"duplicate"`
	SenderKind     string   `json:"sender_kind"`
	SenderID       int64    `json:"sender_id"`
	Typing         *bool    `json:"typing"`
	MessageID      int64    `json:"message_id"`
	Error          *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
	RetryAfterMS int64  `json:"retry_after_ms"`
	Participant  string `json:"participant"`
	Reason       string `json:"reason"` // inbox frames: message, updated or resync
}

// Code is the error code of an error frame ("" otherwise).
func (f *Frame) Code() string {
	if f.Error == nil {
		return ""
	}
	return f.Error.Code
}

// Message is the part of a message clients need (agents also get nlu, intent and more).
type Message struct {
	ID             int64   `json:"id"`
	ConversationID int64   `json:"conversation_id"`
	SenderKind     string  `json:"sender_kind"`
	SenderID       *int64  `json:"sender_id"`
	Body           string  `json:"body"`
	Internal       bool    `json:"internal"`
	ClientMsgID    *string `json:"client_msg_id"`
}

// Conn is one realtime connection.
type Conn struct {
	WS *websocket.Conn
}

// DialCustomer connects to the widget endpoint of the server at base (http://host:port).
func DialCustomer(ctx context.Context, base, visitorToken string) (*Conn, error) {
	return dial(ctx, wsURL(base)+"/api/v1/widget/ws?visitor_token="+url.QueryEscape(visitorToken), nil)
}

// DialAgent connects to the staff endpoint with a bearer token.
func DialAgent(ctx context.Context, base, bearer string) (*Conn, error) {
	return dial(ctx, wsURL(base)+"/api/v1/conversations/ws", http.Header{"Authorization": {"Bearer " + bearer}})
}

func wsURL(base string) string {
	base = strings.TrimSuffix(base, "/")
	if s, ok := strings.CutPrefix(base, "https://"); ok {
		return "wss://" + s
	}
	return "ws://" + strings.TrimPrefix(base, "http://")
}

func dial(ctx context.Context, u string, h http.Header) (*Conn, error) {
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return &Conn{WS: c}, nil
}

// Send writes one client frame.
func (c *Conn) Send(ctx context.Context, f conversation.ClientFrame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return c.WS.Write(ctx, websocket.MessageText, b)
}

// SendRaw writes bytes as a frame of the given type (tests send hostile frames with it).
func (c *Conn) SendRaw(ctx context.Context, typ websocket.MessageType, b []byte) error {
	return c.WS.Write(ctx, typ, b)
}

// Read returns the next server frame.
func (c *Conn) Read(ctx context.Context) (*Frame, error) {
	_, b, err := c.WS.Read(ctx)
	if err != nil {
		return nil, err
	}
	var f Frame
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Close closes the connection normally.
func (c *Conn) Close() error { return c.WS.Close(websocket.StatusNormalClosure, "") }
