package conversation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"kefu/internal/apperr"
	"kefu/internal/metrics"
)

var (
	wsConnections = metrics.Default.NewGauge("kefu_ws_connections", "Open realtime WebSocket connections.", "participant")
	wsFrames      = metrics.Default.NewCounter("kefu_ws_frames_total", "Realtime frames received, by type and outcome.", "type", "outcome")
)

// Participant is who is on the other end of a realtime connection.
type Participant struct {
	Kind     string // "customer" or "agent"
	UserID   int64  // agents
	CanWrite bool   // agents: may send messages (conversations:write)
	Visitor  *Visitor
}

func (p Participant) key() string {
	if p.Kind == "customer" {
		return p.Visitor.Key()
	}
	return "u:" + itoa(p.UserID)
}

const (
	// hardFrameLimit is the largest frame the WebSocket library will even stream; frames over
	// MaxFrameBytes but under this are drained and answered with an error, keeping the
	// connection open. Beyond it the connection closes with 1009 (message too big).
	hardFrameLimit   = 8 << 20
	writeTimeout     = 10 * time.Second
	maxSubscriptions = 100
	// strikeLimit rejected frames within strikeWindow close the connection (policy violation):
	// a client that ignores rate_limited errors is not worth answering forever.
	strikeLimit  = 100
	strikeWindow = 10 * time.Second
)

// ServeWS upgrades the request to a realtime connection for p and serves it until it closes.
func (s *Service) ServeWS(w http.ResponseWriter, r *http.Request, p Participant) error {
	// The widget runs on the shop's own site and authenticates with a visitor token, not a
	// cookie, so any origin may connect. Staff connections may carry the session cookie, so
	// they keep the library's same-origin check against cross-site WebSocket hijacking.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled, InsecureSkipVerify: p.Kind == "customer"})
	if err != nil {
		return nil // Accept has answered the request
	}
	c.SetReadLimit(hardFrameLimit)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	sess := &session{s: s, ws: c, p: p, ctx: ctx, cancel: cancel, subs: map[int64]*subState{}, wake: make(chan struct{}, 1),
		frames: NewBucket(s.Limits.FramesPerSecond, s.Limits.FramesBurst, s.Now())}
	wsConnections.Add(1, p.Kind)
	defer wsConnections.Add(-1, p.Kind)
	sess.run()
	return nil
}

type session struct {
	s      *Service
	ws     *websocket.Conn
	p      Participant
	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	subs       map[int64]*subState
	wake       chan struct{}
	delivering bool
	// The inbox feed (agents) and the changes it has noticed but not yet sent.
	inbox      *Subscription
	inboxQueue inboxQueue

	// read-loop only
	frameAt     time.Time // when the frame being handled began to arrive (the reply clock)
	frames      *Bucket
	strikes     int
	strikeStart time.Time
	allowed     map[int64]bool // conversations this customer may use (checked once)
}

// subState is one conversation a connection follows.
type subState struct {
	bs        *Subscription
	lastID    int64   // the last message id delivered (or skipped as internal) — the resume cursor
	events    []Event // message events not yet delivered
	ephemeral []Event // typing and read events
	needFetch bool    // read the database after lastID
	ready     bool    // "subscribed" has been sent
}

const (
	maxQueuedEvents    = 256
	maxQueuedEphemeral = 32
)

func (ss *session) run() {
	defer ss.ws.CloseNow()
	defer ss.cancel()
	defer func() {
		ss.mu.Lock()
		subs := ss.subs
		ss.subs = nil
		inbox := ss.inbox
		ss.inbox = nil
		ss.mu.Unlock()
		for _, st := range subs {
			if st.bs != nil {
				st.bs.Close()
			}
		}
		if inbox != nil {
			inbox.Close()
		}
	}()
	l := ss.s.Limits
	ss.send(ServerFrame{Type: FrameHello, Participant: ss.p.Kind, Limits: &WireLimits{MaxBodyChars: l.MaxBodyChars, MaxFrameBytes: l.MaxFrameBytes,
		SendPerSecond: l.SendPerSecond, SendBurst: l.SendBurst, FramesPerSecond: l.FramesPerSecond, FramesBurst: l.FramesBurst}})
	buf := make([]byte, 0, 512)
	for {
		typ, rd, err := ss.ws.Reader(ss.ctx)
		if err != nil {
			return
		}
		ss.frameAt = time.Now()
		buf = buf[:0]
		b := bytes.NewBuffer(buf)
		n, err := io.Copy(b, io.LimitReader(rd, int64(l.MaxFrameBytes)+1))
		if err != nil {
			return
		}
		if n > int64(l.MaxFrameBytes) {
			if _, err := io.Copy(io.Discard, rd); err != nil {
				return
			}
			ss.reject("", "frame_too_large", apperr.New(413, "frame_too_large", fmt.Sprintf("frames must be at most %d bytes", l.MaxFrameBytes)))
			continue
		}
		data := b.Bytes()
		if !ss.allowFrame() {
			continue
		}
		if typ != websocket.MessageText {
			ss.reject("", "binary", apperr.BadRequest("binary_not_supported", "send JSON in text frames"))
			continue
		}
		if !utf8.Valid(data) {
			ss.reject("", "invalid_utf8", apperr.BadRequest("invalid_utf8", "the frame is not valid UTF-8"))
			continue
		}
		var f ClientFrame
		if err := json.Unmarshal(data, &f); err != nil {
			ss.reject("", "malformed_json", apperr.BadRequest("malformed_json", "the frame is not a JSON object of the protocol (see docs/protocol.md)"))
			continue
		}
		if err := ss.handle(&f); err != nil {
			e, ok := apperr.As(err)
			if !ok {
				ss.s.Log.Error("realtime frame failed", "type", f.Type, "err", err)
				e = apperr.New(500, "internal", "something went wrong on our side; it has been logged")
			}
			wsFrames.Inc(f.Type, e.Code)
			ss.send(ServerFrame{Type: FrameError, Ref: f.Ref, ConversationID: f.ConversationID, Error: e, RetryAfterMS: retryAfter(err)})
			continue
		}
		wsFrames.Inc(f.Type, "ok")
		if ss.ctx.Err() != nil {
			return
		}
	}
}

// allowFrame applies the per-connection frame budget; a client that keeps flooding after
// being told is disconnected with a policy-violation close.
func (ss *session) allowFrame() bool {
	now := ss.s.Now()
	ok, wait := ss.frames.Take(now)
	if ok {
		return true
	}
	if now.Sub(ss.strikeStart) > strikeWindow {
		ss.strikeStart, ss.strikes = now, 0
	}
	ss.strikes++
	if ss.strikes > strikeLimit {
		wsFrames.Inc("any", "disconnected")
		ss.ws.Close(websocket.StatusPolicyViolation, "rate limit exceeded repeatedly")
		ss.cancel()
		return false
	}
	wsFrames.Inc("any", "rate_limited")
	ss.send(ServerFrame{Type: FrameError, Error: rateLimited("too many frames; slow down"), RetryAfterMS: max(1, wait.Milliseconds())})
	return false
}

// retryErr is a rate-limit error that knows when the client may try again.
type retryErr struct {
	err   *apperr.Error
	after time.Duration
}

func (e retryErr) Error() string { return e.err.Error() }
func (e retryErr) Unwrap() error { return e.err }

func retryAfter(err error) int64 {
	var r retryErr
	if errors.As(err, &r) {
		return max(1, r.after.Milliseconds())
	}
	return 0
}

func (ss *session) reject(ref, outcome string, e *apperr.Error) {
	wsFrames.Inc("invalid", outcome)
	ss.send(ServerFrame{Type: FrameError, Ref: ref, Error: e})
}

// send writes one frame; a failed write ends the session (the client is gone or too slow).
func (ss *session) send(f ServerFrame) {
	b, err := json.Marshal(f)
	if err != nil {
		ss.s.Log.Error("realtime encode", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(ss.ctx, writeTimeout)
	defer cancel()
	if err := ss.ws.Write(ctx, websocket.MessageText, b); err != nil {
		ss.cancel()
	}
}

func (ss *session) handle(f *ClientFrame) error {
	switch f.Type {
	case FramePing:
		ss.send(ServerFrame{Type: FramePong, Ref: f.Ref})
		return nil
	case FrameSubscribe:
		return ss.subscribe(f)
	case FrameUnsubscribe:
		ss.unsubscribe(f.ConversationID)
		ss.send(ServerFrame{Type: FrameUnsubscribed, Ref: f.Ref, ConversationID: f.ConversationID})
		return nil
	case FrameSend:
		return ss.sendMessage(f)
	case FrameSubscribeInbox:
		return ss.subscribeInbox(f)
	case FrameUnsubscribeInbox:
		ss.unsubscribeInbox()
		ss.send(ServerFrame{Type: FrameUnsubscribed, Ref: f.Ref})
		return nil
	case FrameTyping:
		if err := ss.access(f.ConversationID); err != nil {
			return err
		}
		ss.s.Signal(ss.ctx, Event{Kind: EventTyping, ConversationID: f.ConversationID, SenderKind: ss.p.Kind, SenderID: ss.publicID(), Typing: f.Typing})
		return nil
	case FrameRead:
		if err := ss.access(f.ConversationID); err != nil {
			return err
		}
		if f.MessageID <= 0 {
			return apperr.Invalid("message_id", "must be a positive message id")
		}
		return ss.s.MarkRead(ss.ctx, f.ConversationID, ss.p.Kind, ss.publicID(), f.MessageID)
	case "":
		return apperr.Invalid("type", "is required")
	}
	return apperr.BadRequest("unknown_type", fmt.Sprintf("unknown frame type %.40q; expected subscribe, unsubscribe, send, typing, read, subscribe_inbox, unsubscribe_inbox or ping", f.Type))
}

// publicID is the id others see for this participant: the agent's user id; 0 for customers
// (visitor ids are nobody's business).
func (ss *session) publicID() int64 {
	if ss.p.Kind == "agent" {
		return ss.p.UserID
	}
	return 0
}

// access checks that this participant may use a conversation, with the same not-found answer
// for a missing conversation and for someone else's.
func (ss *session) access(id int64) error {
	if id <= 0 {
		return apperr.Invalid("conversation_id", "must be a positive conversation id")
	}
	if ss.allowed[id] {
		return nil
	}
	if ss.p.Kind == "customer" {
		if _, err := ss.s.VisitorConversation(ss.ctx, ss.p.Visitor, id); err != nil {
			return err
		}
	} else if _, err := ss.s.get(ss.ctx, ss.s.DB, id); err != nil {
		return err
	}
	if ss.allowed == nil {
		ss.allowed = map[int64]bool{}
	}
	if len(ss.allowed) < 1000 {
		ss.allowed[id] = true
	}
	return nil
}

func (ss *session) subscribe(f *ClientFrame) error {
	if err := ss.access(f.ConversationID); err != nil {
		return err
	}
	if f.AfterID < 0 {
		return apperr.Invalid("after_id", "must be 0 or a message id")
	}
	conv := f.ConversationID
	ss.unsubscribe(conv)
	st := &subState{lastID: f.AfterID, needFetch: true}
	ss.mu.Lock()
	if len(ss.subs) >= maxSubscriptions {
		ss.mu.Unlock()
		return apperr.Conflict("too_many_subscriptions", fmt.Sprintf("a connection may follow at most %d conversations", maxSubscriptions))
	}
	ss.subs[conv] = st
	ss.mu.Unlock()
	// Listen before confirming, so no event after "subscribed" is missed; deliver nothing
	// until "subscribed" is out (ready), so it precedes every message of the conversation.
	// The first delivery reads the database after after_id. The broker is never called
	// with ss.mu held: its callbacks take ss.mu under the broker's lock.
	bs := ss.s.Broker.Subscribe(conv, func(ev Event) { ss.onEvent(conv, st, ev) })
	ss.send(ServerFrame{Type: FrameSubscribed, Ref: f.Ref, ConversationID: conv})
	ss.mu.Lock()
	st.bs, st.ready = bs, true
	start := !ss.delivering
	ss.delivering = true
	ss.mu.Unlock()
	if start {
		go ss.deliverLoop()
	}
	ss.poke()
	return nil
}

func (ss *session) unsubscribe(conv int64) {
	ss.mu.Lock()
	st := ss.subs[conv]
	delete(ss.subs, conv)
	ss.mu.Unlock()
	if st != nil && st.bs != nil {
		st.bs.Close()
	}
}

func (ss *session) poke() {
	select {
	case ss.wake <- struct{}{}:
	default:
	}
}

// onEvent runs on the publisher's goroutine: it only records the event and wakes delivery.
func (ss *session) onEvent(conv int64, st *subState, ev Event) {
	ss.mu.Lock()
	if ss.subs == nil || ss.subs[conv] != st {
		ss.mu.Unlock()
		return
	}
	switch ev.Kind {
	case EventMessage:
		if ev.Message == nil || len(st.events) >= maxQueuedEvents {
			st.needFetch = true
			st.events = st.events[:0]
		} else {
			st.events = append(st.events, ev)
		}
	case EventResync:
		st.needFetch = true
	case EventTyping, EventRead:
		if ev.SenderKind == ss.p.Kind && ev.SenderID == ss.publicID() {
			break // no echo of one's own signals
		}
		if len(st.ephemeral) < maxQueuedEphemeral {
			st.ephemeral = append(st.ephemeral, ev)
		}
	}
	ss.mu.Unlock()
	ss.poke()
}

func (ss *session) deliverLoop() {
	for {
		select {
		case <-ss.ctx.Done():
			return
		case <-ss.wake:
		}
		ss.mu.Lock()
		var work []int64
		for id, st := range ss.subs {
			if st.ready && (st.needFetch || len(st.events) > 0 || len(st.ephemeral) > 0) {
				work = append(work, id)
			}
		}
		inbox := ss.inboxQueue.drain()
		ss.mu.Unlock()
		for _, f := range inbox {
			ss.send(f)
		}
		slices.Sort(work)
		for _, id := range work {
			if err := ss.deliver(id); err != nil {
				if ss.ctx.Err() == nil {
					ss.s.Log.Error("realtime delivery failed", "conversation", id, "err", err)
					ss.ws.Close(websocket.StatusInternalError, "delivery failed; reconnect and resume")
					ss.cancel()
				}
				return
			}
		}
	}
}

// deliver sends a conversation's pending messages in id order, from the events when they
// chain on from what was last sent, from the database otherwise.
func (ss *session) deliver(conv int64) error {
	ss.mu.Lock()
	st := ss.subs[conv]
	if st == nil {
		ss.mu.Unlock()
		return nil
	}
	events, ephemeral, needFetch, lastID := st.events, st.ephemeral, st.needFetch, st.lastID
	st.events, st.ephemeral, st.needFetch = nil, nil, false
	ss.mu.Unlock()

	slices.SortFunc(events, func(a, b Event) int { return int(a.MessageID - b.MessageID) })
	for _, ev := range events {
		if ev.MessageID <= lastID {
			continue // already delivered
		}
		if needFetch || ev.PrevID != lastID {
			needFetch = true // a gap: the database has the messages in between
			break
		}
		ss.sendMessageFrame(ev.Message)
		lastID = ev.MessageID
	}
	for needFetch && ss.ctx.Err() == nil {
		ms, err := ss.s.Messages(ss.ctx, conv, lastID, MaxPage, true)
		if err != nil {
			return err
		}
		for _, m := range ms {
			ss.sendMessageFrame(m)
			lastID = m.ID
		}
		needFetch = len(ms) == MaxPage
	}
	ss.mu.Lock()
	if ss.subs[conv] == st {
		st.lastID = lastID
	}
	ss.mu.Unlock()
	for _, ev := range ephemeral {
		f := ServerFrame{Type: string(ev.Kind), ConversationID: conv, SenderKind: ev.SenderKind}
		if ss.p.Kind == "agent" {
			f.SenderID = ev.SenderID
		}
		if ev.Kind == EventTyping {
			t := ev.Typing
			f.Typing = &t
		} else {
			f.MessageID = ev.MessageID
		}
		ss.send(f)
	}
	return nil
}

// subscribeInbox starts the agent's inbox feed: an "inbox" frame whenever any conversation
// gets a message or changes hands, so the workspace's queues stay live without polling.
func (ss *session) subscribeInbox(f *ClientFrame) error {
	if ss.p.Kind != "agent" {
		return apperr.Forbidden("only agents have an inbox")
	}
	ss.mu.Lock()
	if ss.inbox != nil {
		ss.mu.Unlock()
		ss.send(ServerFrame{Type: FrameSubscribed, Ref: f.Ref})
		return nil
	}
	ss.mu.Unlock()
	bs := ss.s.Broker.Subscribe(AllConversations, ss.onInboxEvent)
	ss.mu.Lock()
	if ss.subs == nil || ss.inbox != nil { // the session ended, or a racing subscribe won
		ss.mu.Unlock()
		bs.Close()
		ss.send(ServerFrame{Type: FrameSubscribed, Ref: f.Ref})
		return nil
	}
	// Set before "subscribed" goes out: every change after the client hears it is delivered.
	ss.inbox = bs
	start := !ss.delivering
	ss.delivering = true
	ss.mu.Unlock()
	ss.send(ServerFrame{Type: FrameSubscribed, Ref: f.Ref})
	if start {
		go ss.deliverLoop()
	}
	return nil
}

func (ss *session) unsubscribeInbox() {
	ss.mu.Lock()
	bs := ss.inbox
	ss.inbox, ss.inboxQueue = nil, inboxQueue{}
	ss.mu.Unlock()
	if bs != nil {
		bs.Close()
	}
}

// onInboxEvent runs on the publisher's goroutine: it queues the change and wakes delivery.
func (ss *session) onInboxEvent(ev Event) {
	var f ServerFrame
	switch ev.Kind {
	case EventMessage:
		f = ServerFrame{Type: FrameInbox, Reason: "message", ConversationID: ev.ConversationID, MessageID: ev.MessageID, SenderKind: ev.SenderKind}
		if ev.Message != nil {
			f.SenderKind = ev.Message.SenderKind
		}
	case EventConversation:
		f = ServerFrame{Type: FrameInbox, Reason: "updated", ConversationID: ev.ConversationID}
	case EventResync:
		f = ServerFrame{Type: FrameInbox, Reason: "resync"}
	default:
		return // typing and reads belong to the open conversation, not the inbox
	}
	ss.mu.Lock()
	if ss.inbox == nil {
		ss.mu.Unlock()
		return
	}
	ss.inboxQueue.add(f)
	ss.mu.Unlock()
	ss.poke()
}

func (ss *session) sendMessageFrame(m *Message) {
	if ss.p.Kind == "customer" {
		if m.Internal {
			return // internal notes never reach customers; the cursor still moves past them
		}
		ss.send(ServerFrame{Type: FrameMessage, ConversationID: m.ConversationID, Message: m.ForCustomer()})
		if !m.answers.IsZero() {
			botReplySeconds.Since(m.answers)
		}
		return
	}
	ss.send(ServerFrame{Type: FrameMessage, ConversationID: m.ConversationID, Message: m})
}

func (ss *session) sendMessage(f *ClientFrame) error {
	received := ss.frameAt
	if ss.p.Kind == "agent" && !ss.p.CanWrite {
		return apperr.Forbidden("your role does not allow conversations:write")
	}
	if err := ss.access(f.ConversationID); err != nil {
		return err
	}
	if ok, wait := ss.s.sendLimiter.Allow(ss.p.key()); !ok {
		return retryErr{rateLimited(fmt.Sprintf("too many messages; at most %g per second (bursts of %d)", ss.s.Limits.SendPerSecond, ss.s.Limits.SendBurst)), wait}
	}
	in := NewMessage{ConversationID: f.ConversationID, SenderKind: ss.p.Kind, ContentType: f.ContentType, Body: f.Body, Internal: f.Internal, ClientMsgID: f.ClientMsgID,
		AttachmentIDs: f.AttachmentIDs, receivedAt: received}
	if ss.p.Kind == "agent" {
		in.SenderID = ss.p.UserID
	}
	switch in.ContentType {
	case "", "text":
		if len(in.AttachmentIDs) > 0 {
			return apperr.Invalid("attachment_ids", "a text message carries no uploads; send content_type image or voice")
		}
	case "image", "voice":
		// The upload must belong to this conversation (which access has checked is this
		// participant's); Post checks that inside the message's transaction.
		if len(in.AttachmentIDs) == 0 {
			return apperr.Invalid("attachment_ids", "an image or voice message names its upload: POST the file to /api/v1/widget/conversations/{id}/attachments first, then send its id")
		}
	default:
		return apperr.Invalid("content_type", "the realtime connection sends text, image or voice messages")
	}
	m, dup, err := ss.s.Post(ss.ctx, in)
	if err != nil {
		return err
	}
	var view any = m
	if ss.p.Kind == "customer" {
		view = m.ForCustomer()
	}
	ss.send(ServerFrame{Type: FrameAck, Ref: f.Ref, ConversationID: m.ConversationID, Message: view, Duplicate: dup})
	if !dup {
		ss.s.Respond(ss.ctx, m)
	}
	return nil
}
