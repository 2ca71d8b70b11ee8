package conversation

import (
	"strconv"
	"strings"
	"sync"
)

// EventKind names a realtime event.
type EventKind string

const (
	EventMessage EventKind = "message" // a message was committed
	EventTyping  EventKind = "typing"  // someone started or stopped typing (ephemeral)
	EventRead    EventKind = "read"    // someone read up to a message (stored, but fanned out once)
	EventResync  EventKind = "resync"  // events may have been missed: re-read from the database
	// EventConversation: a conversation's status, owner (bot or agent), team or assignee
	// changed. Only inbox feeds hear it; they re-read the conversation.
	EventConversation EventKind = "conversation"
)

// AllConversations is the key an inbox feed subscribes under: it hears the events of every
// conversation.
const AllConversations int64 = 0

// Event is what the broker fans out. Message events published by this process carry the
// message and the id of the message before it in the conversation (PrevID), so a connection
// that has already delivered PrevID can send it without a database read; events from other
// instances carry only ids and receivers read the database.
type Event struct {
	Kind           EventKind
	ConversationID int64
	MessageID      int64
	PrevID         int64
	Message        *Message
	SenderKind     string // typing/read: who; message notices from other instances: the sender's kind
	SenderID       int64
	Typing         bool
}

// Broker fans events out to the subscribers of each conversation inside one process.
// Subscriber callbacks must not block: they record the event and wake their connection.
type Broker struct {
	mu   sync.RWMutex
	subs map[int64]map[*Subscription]struct{}
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[int64]map[*Subscription]struct{}{}} }

// Subscription is one listener on one conversation.
type Subscription struct {
	b    *Broker
	conv int64
	fn   func(Event)
}

// Subscribe calls fn for every event of a conversation until Close.
func (b *Broker) Subscribe(conversationID int64, fn func(Event)) *Subscription {
	s := &Subscription{b: b, conv: conversationID, fn: fn}
	b.mu.Lock()
	m := b.subs[conversationID]
	if m == nil {
		m = map[*Subscription]struct{}{}
		b.subs[conversationID] = m
	}
	m[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close stops the subscription; safe to call twice.
func (s *Subscription) Close() {
	s.b.mu.Lock()
	if m := s.b.subs[s.conv]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(s.b.subs, s.conv)
		}
	}
	s.b.mu.Unlock()
}

// Publish delivers ev to the conversation's subscribers and to the inbox feeds.
func (b *Broker) Publish(ev Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if ev.Kind != EventConversation {
		for s := range b.subs[ev.ConversationID] {
			s.fn(ev)
		}
	}
	if ev.ConversationID != AllConversations {
		for s := range b.subs[AllConversations] {
			s.fn(ev)
		}
	}
}

// Resync tells every subscriber to re-read from the database (after a lost notification link).
func (b *Broker) Resync() {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for conv, m := range b.subs {
		for s := range m {
			s.fn(Event{Kind: EventResync, ConversationID: conv})
		}
	}
}

// Subscribers counts subscriptions (for metrics and tests).
func (b *Broker) Subscribers() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, m := range b.subs {
		n += len(m)
	}
	return n
}

// notifyChannel is the PostgreSQL NOTIFY channel for cross-instance fan-out.
const notifyChannel = "kefu_realtime"

// encodeNotice packs an event into a NOTIFY payload: ids only (payloads are limited to 8000
// bytes and receivers must read the database anyway), plus the sending instance.
//
//	m|conv|msg|kind|instance   t|conv|kind|id|0or1|instance   r|conv|kind|id|msg|instance   c|conv|instance
//
// A message notice carries its sender's kind so other instances' inbox feeds can tell agents
// a customer wrote; the older four-field form (no kind) is still read during a rolling upgrade.
func encodeNotice(ev Event, instance string) string {
	c := strconv.FormatInt(ev.ConversationID, 10)
	switch ev.Kind {
	case EventMessage:
		return "m|" + c + "|" + strconv.FormatInt(ev.MessageID, 10) + "|" + ev.SenderKind + "|" + instance
	case EventTyping:
		t := "0"
		if ev.Typing {
			t = "1"
		}
		return "t|" + c + "|" + ev.SenderKind + "|" + strconv.FormatInt(ev.SenderID, 10) + "|" + t + "|" + instance
	case EventRead:
		return "r|" + c + "|" + ev.SenderKind + "|" + strconv.FormatInt(ev.SenderID, 10) + "|" + strconv.FormatInt(ev.MessageID, 10) + "|" + instance
	case EventConversation:
		return "c|" + c + "|" + instance
	}
	return ""
}

// decodeNotice is the inverse of encodeNotice; ok is false for anything malformed.
func decodeNotice(p string) (ev Event, instance string, ok bool) {
	f := strings.Split(p, "|")
	num := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0
	}
	kind := func(s string) bool { return s == "customer" || s == "agent" || s == "bot" }
	switch {
	case len(f) == 4 && f[0] == "m":
		c, ok1 := num(f[1])
		m, ok2 := num(f[2])
		return Event{Kind: EventMessage, ConversationID: c, MessageID: m}, f[3], ok1 && ok2 && c > 0
	case len(f) == 5 && f[0] == "m":
		c, ok1 := num(f[1])
		m, ok2 := num(f[2])
		return Event{Kind: EventMessage, ConversationID: c, MessageID: m, SenderKind: f[3]}, f[4], ok1 && ok2 && c > 0 && kind(f[3])
	case len(f) == 6 && f[0] == "t":
		c, ok1 := num(f[1])
		id, ok2 := num(f[3])
		return Event{Kind: EventTyping, ConversationID: c, SenderKind: f[2], SenderID: id, Typing: f[4] == "1"}, f[5], ok1 && ok2 && c > 0 && kind(f[2])
	case len(f) == 3 && f[0] == "c":
		c, ok1 := num(f[1])
		return Event{Kind: EventConversation, ConversationID: c}, f[2], ok1 && c > 0
	case len(f) == 6 && f[0] == "r":
		c, ok1 := num(f[1])
		id, ok2 := num(f[3])
		m, ok3 := num(f[4])
		return Event{Kind: EventRead, ConversationID: c, SenderKind: f[2], SenderID: id, MessageID: m}, f[5], ok1 && ok2 && ok3 && c > 0 && kind(f[2])
	}
	return Event{}, "", false
}
