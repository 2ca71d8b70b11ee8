package conversation

import (
	"kefu/internal/apperr"
)

// The realtime protocol (docs/protocol.md describes it for client authors). Every frame is a
// JSON object in a WebSocket text frame with a "type". Clients may add "ref" to any frame; the
// reply to it (ack, subscribed, pong or error) carries the same ref.

// Client frame types.
const (
	FrameSubscribe   = "subscribe"
	FrameUnsubscribe = "unsubscribe"
	FrameSend        = "send"
	FrameTyping      = "typing"
	FrameRead        = "read"
	FramePing        = "ping"
	// Agents only: follow every conversation's changes (the workspace inbox).
	FrameSubscribeInbox   = "subscribe_inbox"
	FrameUnsubscribeInbox = "unsubscribe_inbox"
)

// Server frame types.
const (
	FrameHello        = "hello"
	FrameSubscribed   = "subscribed"
	FrameUnsubscribed = "unsubscribed"
	FrameAck          = "ack"
	FrameMessage      = "message"
	FramePong         = "pong"
	FrameError        = "error"
	// FrameInbox tells an inbox feed that a conversation changed: reason "message" (a new
	// message, with its id and sender kind), "updated" (status, owner, team or assignee) or
	// "resync" (changes may have been missed: re-read the list).
	FrameInbox = "inbox"
)

// ClientFrame is any frame a client sends; each type uses some of the fields.
type ClientFrame struct {
	Type           string  `json:"type"`
	Ref            string  `json:"ref,omitempty"`
	ConversationID int64   `json:"conversation_id,omitempty"`
	AfterID        int64   `json:"after_id,omitempty"`       // subscribe: resume after this message id
	ClientMsgID    string  `json:"client_msg_id,omitempty"`  // send: idempotency key
	Body           string  `json:"body,omitempty"`           // send
	ContentType    string  `json:"content_type,omitempty"`   // send: text (default), image or voice
	AttachmentIDs  []int64 `json:"attachment_ids,omitempty"` // send: the uploads an image or voice message carries
	Internal       bool    `json:"internal,omitempty"`       // send: agents only, an internal note
	Typing         bool    `json:"typing,omitempty"`         // typing: started (true) or stopped
	MessageID      int64   `json:"message_id,omitempty"`     // read: last message read
}

// ServerFrame is any frame the server sends.
type ServerFrame struct {
	Type           string        `json:"type"`
	Ref            string        `json:"ref,omitempty"`
	ConversationID int64         `json:"conversation_id,omitempty"`
	Message        any           `json:"message,omitempty"`   // ack, message: Message (agents) or CustomerMessage
	Duplicate      bool          `json:"duplicate,omitempty"` // ack: the client_msg_id was already stored
	SenderKind     string        `json:"sender_kind,omitempty"`
	SenderID       int64         `json:"sender_id,omitempty"`
	Typing         *bool         `json:"typing,omitempty"`
	MessageID      int64         `json:"message_id,omitempty"`
	Error          *apperr.Error `json:"error,omitempty"`
	RetryAfterMS   int64         `json:"retry_after_ms,omitempty"` // error rate_limited
	Participant    string        `json:"participant,omitempty"`    // hello: customer or agent
	Reason         string        `json:"reason,omitempty"`         // inbox: message, updated or resync
	Limits         *WireLimits   `json:"limits,omitempty"`         // hello
}

// WireLimits tells clients the limits they must respect.
type WireLimits struct {
	MaxBodyChars    int     `json:"max_body_chars"`
	MaxFrameBytes   int     `json:"max_frame_bytes"`
	SendPerSecond   float64 `json:"send_per_second"`
	SendBurst       int     `json:"send_burst"`
	FramesPerSecond float64 `json:"frames_per_second"`
	FramesBurst     int     `json:"frames_burst"`
}
