package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"kefu/internal/apperr"
	"kefu/internal/metrics"
	"kefu/internal/recordsearch"
	"kefu/internal/store"
)

// Message is one message as staff see it.
type Message struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	SenderKind     string          `json:"sender_kind"` // customer, bot, agent, system
	SenderID       *int64          `json:"sender_id"`
	ContentType    string          `json:"content_type"` // text, image, voice, card
	Body           string          `json:"body"`
	Payload        json.RawMessage `json:"payload"`
	Attachments    json.RawMessage `json:"attachments"`
	NLU            json.RawMessage `json:"nlu"`
	Intent         string          `json:"intent"`
	Lang           string          `json:"lang"`
	Internal       bool            `json:"internal"`
	ClientMsgID    *string         `json:"client_msg_id"`
	CreatedAt      time.Time       `json:"created_at"`

	// The reply clock, in this process only (never stored or sent): receivedAt is when a
	// customer's frame was read; answers, on the bot's first reply, is the receivedAt of the
	// message it answers. Writing that reply to the customer's connection observes
	// botReplySeconds.
	receivedAt, answers time.Time
	// conv is the conversation row as this message's post left it, and turnsBefore the
	// respond stripe's finished turns just before that post began: Respond reuses the row
	// instead of reading it again when no bot turn has finished in between.
	conv        *Conversation
	turnsBefore uint64
}

// botReplySeconds is the bot's reply latency as the server sees it: from reading the
// customer's message off the connection to writing the bot's first reply onto it (persisting
// both, NLU, the dialogue and fan-out in between). The load generator reads it from /metrics.
var botReplySeconds = metrics.Default.NewHistogram("kefu_bot_reply_seconds",
	"From reading a customer's message to writing the bot's first reply to the customer's connection.", metrics.ReplyBuckets)

// CustomerMessage is a message as the customer sees it: no NLU, no staff ids.
type CustomerMessage struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	SenderKind     string          `json:"sender_kind"`
	ContentType    string          `json:"content_type"`
	Body           string          `json:"body"`
	Payload        json.RawMessage `json:"payload"`
	Attachments    json.RawMessage `json:"attachments"`
	ClientMsgID    *string         `json:"client_msg_id"`
	CreatedAt      time.Time       `json:"created_at"`
}

// ForCustomer is the customer's view of m. Callers must never pass internal notes.
func (m *Message) ForCustomer() CustomerMessage {
	return CustomerMessage{ID: m.ID, ConversationID: m.ConversationID, SenderKind: m.SenderKind, ContentType: m.ContentType,
		Body: m.Body, Payload: m.Payload, Attachments: m.Attachments, ClientMsgID: m.ClientMsgID, CreatedAt: m.CreatedAt}
}

const msgColumns = `id, conversation_id, sender_kind, sender_id, content_type, body, payload, attachments, nlu, intent, lang, internal, client_msg_id, created_at`

// scanMessage reads msgColumns, then any extra columns into extra.
func scanMessage(row interface{ Scan(...any) error }, extra ...any) (*Message, error) {
	var m Message
	var payload, attachments, nlu string
	err := row.Scan(append([]any{&m.ID, &m.ConversationID, &m.SenderKind, &m.SenderID, &m.ContentType, &m.Body, &payload, &attachments, &nlu,
		&m.Intent, &m.Lang, &m.Internal, &m.ClientMsgID, &m.CreatedAt}, extra...)...)
	m.Payload, m.Attachments, m.NLU = rawJSON(payload, "{}"), rawJSON(attachments, "[]"), rawJSON(nlu, "{}")
	return &m, err
}

func rawJSON(s, empty string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		s = empty
	}
	return json.RawMessage(s)
}

// NewMessage is the input to Post.
type NewMessage struct {
	ConversationID int64
	SenderKind     string // customer, agent, bot, system
	SenderID       int64  // the agent's user id; 0 otherwise
	ContentType    string // default text
	Body           string
	Payload        any // card data, quick replies; encoded as JSON
	Internal       bool
	ClientMsgID    string // idempotency key from the sending client
	Intent         string
	NLU            any
	Lang           string
	// AttachmentIDs are uploads an image or voice message carries (see AttachmentHandler).
	AttachmentIDs []int64

	receivedAt, answers time.Time // the reply clock (see Message)
}

// maxGeneratedChars bounds bot and system messages, which kefu writes itself.
const maxGeneratedChars = 32000

// senders that clients may claim; bot and system messages only come from inside kefu.
var senderKinds = []string{"customer", "agent", "bot", "system"}
var contentTypes = []string{"text", "image", "voice", "card"}

func (s *Service) validate(m *NewMessage) error {
	if !oneOf(m.SenderKind, senderKinds) {
		return fmt.Errorf("conversation: bad sender kind %q", m.SenderKind) // a programming error
	}
	if m.ContentType == "" {
		m.ContentType = "text"
	}
	if !oneOf(m.ContentType, contentTypes) {
		return apperr.Invalid("content_type", "must be one of text, image, voice, card")
	}
	if !utf8.ValidString(m.Body) {
		return apperr.New(400, "invalid_utf8", "body is not valid UTF-8")
	}
	var err error
	maxChars := s.Limits.MaxBodyChars
	if m.SenderKind == "bot" || m.SenderKind == "system" {
		maxChars = max(maxChars, maxGeneratedChars) // knowledge-base answers can be long
	}
	if m.Body, err = text("body", m.Body, maxChars); err != nil {
		return err
	}
	if len(m.AttachmentIDs) > 0 {
		if m.ContentType != "image" && m.ContentType != "voice" {
			return apperr.Invalid("attachment_ids", "only image and voice messages carry uploads; set content_type")
		}
		if s.Attachments == nil {
			return apperr.Invalid("attachment_ids", "uploads are not enabled on this server")
		}
		if m.Body == "" {
			m.Body = mediaPlaceholder(m.ContentType)
		}
	}
	if m.Body == "" && m.Payload == nil {
		return apperr.Invalid("body", "is required")
	}
	if m.Internal && m.SenderKind == "customer" {
		return apperr.Invalid("internal", "customers cannot write internal notes")
	}
	if m.ClientMsgID, err = text("client_msg_id", m.ClientMsgID, 100); err != nil {
		return err
	}
	if m.Lang, err = text("lang", m.Lang, 10); err != nil {
		return err
	}
	return nil
}

// errDuplicate rolls back a Post whose client_msg_id was already stored.
var errDuplicate = errors.New("duplicate client_msg_id")

// Post persists a message and only then tells every connection watching the conversation.
// Posting the same client_msg_id twice returns the stored message with duplicate=true and
// changes nothing, so a client may safely resend anything it has no ack for.
//
// Post runs its own transaction because delivery must follow the commit.
func (s *Service) Post(ctx context.Context, in NewMessage) (msg *Message, duplicate bool, err error) {
	ms, dup, err := s.post(ctx, []NewMessage{in}, nil, nil)
	if err != nil {
		return nil, false, err
	}
	return ms[0], dup, nil
}

type encodedMessage struct {
	NewMessage
	payload, nlu string
}

// post stores messages of one conversation in one transaction, in order (the bot's replies
// to a message go in together), after running first, when given, in the same transaction.
// botState, when given, is the bot's new dialogue state (JSON), written by the same UPDATE of
// the conversation row that every message makes: one row version and one statement fewer
// per bot turn than saving it on its own. Duplicate detection applies to a single message.
func (s *Service) post(ctx context.Context, ins []NewMessage, first func(context.Context, *store.Tx) error, botState *string) (out []*Message, duplicate bool, err error) {
	enc := make([]encodedMessage, len(ins))
	customer := false
	for i, in := range ins {
		if in.ConversationID != ins[0].ConversationID {
			return nil, false, fmt.Errorf("conversation: one batch, one conversation")
		}
		if err := s.validate(&in); err != nil {
			return nil, false, err
		}
		e := encodedMessage{NewMessage: in, payload: "{}", nlu: "{}"}
		if in.Payload != nil {
			b, err := json.Marshal(in.Payload)
			if err != nil {
				return nil, false, apperr.Invalid("payload", "must be JSON")
			}
			e.payload = string(b)
		}
		if in.NLU != nil {
			b, err := json.Marshal(in.NLU)
			if err != nil {
				return nil, false, err
			}
			e.nlu = string(b)
		}
		enc[i] = e
		customer = customer || in.SenderKind == "customer"
	}
	convID := ins[0].ConversationID
	var prevID int64
	var conv *Conversation
	now := s.Now()
	turnsBefore := s.respondStripe(convID).turns.Load()
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		out = out[:0]
		if first != nil {
			if err := first(ctx, tx); err != nil {
				return err
			}
		}
		// Locking the conversation row first serialises writers of this conversation, which
		// is what makes ids grow in commit order within it (see the package comment). A
		// customer writing into a closed conversation reopens it.
		// The row comes back for the bot's turn (see Message.conv): one read fewer per message.
		c, err := scanConversation(tx.QueryRow(ctx, `UPDATE conversations SET last_message_at = ?, updated_at = ?,
			status = CASE WHEN ? AND status = 'closed' THEN 'open' ELSE status END,
			closed_at = CASE WHEN ? AND status = 'closed' THEN NULL ELSE closed_at END,
			bot_state = COALESCE(?, bot_state)
			WHERE id = ? RETURNING `+convColumns, now, now, customer, customer, botState, convID))
		if store.IsNoRows(err) {
			return apperr.NotFound("conversation")
		}
		if err != nil {
			return err
		}
		conv = c
		for i, in := range enc {
			// A resent client_msg_id hits the unique index and inserts nothing. The first
			// insert also returns the conversation's message before it (PrevID for fan-out):
			// one statement instead of two. Its snapshot is taken after the UPDATE above
			// acquired the row lock, so it sees every earlier writer's committed message.
			returning := msgColumns
			var dest []any
			if i == 0 {
				returning += `, (SELECT COALESCE(MAX(p.id), 0) FROM messages p WHERE p.conversation_id = messages.conversation_id AND p.id < messages.id)`
				dest = []any{&prevID}
			}
			m, err := scanMessage(tx.QueryRow(ctx, `INSERT INTO messages (conversation_id, sender_kind, sender_id, content_type, body, payload, nlu, intent, lang, internal, client_msg_id, created_at, search_indexed)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE) ON CONFLICT (conversation_id, client_msg_id) DO NOTHING RETURNING `+returning,
				convID, in.SenderKind, nullID(in.SenderID), in.ContentType, in.Body, in.payload, in.nlu, in.Intent, in.Lang, in.Internal, nullStr(in.ClientMsgID), now), dest...)
			if store.IsNoRows(err) && in.ClientMsgID != "" {
				return s.duplicate(ctx, tx, convID, in.NewMessage, &out)
			}
			if err != nil {
				return err
			}
			m.receivedAt, m.answers = in.receivedAt, in.answers
			m.conv, m.turnsBefore = conv, turnsBefore
			if indexedForSearch(in.SenderKind) {
				if err := recordsearch.IndexMessage(ctx, tx, m.ID, m.Body); err != nil {
					return err
				}
			}
			if len(in.AttachmentIDs) > 0 {
				refs, err := s.Attachments.Attach(ctx, tx, convID, m.ID, in.ContentType, in.AttachmentIDs)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE messages SET attachments = ? WHERE id = ?`, string(refs), m.ID); err != nil {
					return err
				}
				m.Attachments = refs
			}
			out = append(out, m)
		}
		return nil
	})
	if errors.Is(err, errDuplicate) {
		return out, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, m := range out {
		s.Broker.Publish(Event{Kind: EventMessage, ConversationID: convID, MessageID: m.ID, PrevID: prevID, Message: m})
		prevID = m.ID
	}
	// Other instances are told after the commit, not by a NOTIFY inside the transaction:
	// PostgreSQL serialises the commits of notifying transactions (a global lock held across
	// the WAL flush), which capped the whole system at a few hundred messages per second. A
	// wake-up lost to a crash right here only delays delivery: the next event of the
	// conversation, or a reconnect, reads everything after the receiver's last id.
	if s.DB.Dialect() == store.Postgres {
		last := out[len(out)-1]
		s.notify(ctx, Event{Kind: EventMessage, ConversationID: convID, MessageID: last.ID, SenderKind: last.SenderKind})
	}
	for i, m := range out {
		if len(enc[i].AttachmentIDs) > 0 {
			s.Attachments.Posted(ctx, m)
		}
	}
	return out, false, nil
}

// duplicate loads the message stored under in's client_msg_id. The key is only a duplicate
// of the same sender's message; anything else is a clash, and must not hand the stored
// message (maybe an internal note) to whoever guessed the key.
func (s *Service) duplicate(ctx context.Context, tx *store.Tx, convID int64, in NewMessage, out *[]*Message) error {
	m, err := scanMessage(tx.QueryRow(ctx, `SELECT `+msgColumns+` FROM messages WHERE conversation_id = ? AND client_msg_id = ?`, convID, in.ClientMsgID))
	if err != nil {
		return err
	}
	if m.SenderKind != in.SenderKind || (m.SenderID == nil) != (in.SenderID == 0) || (m.SenderID != nil && *m.SenderID != in.SenderID) {
		return apperr.Conflict("client_msg_id_taken", "client_msg_id is already used in this conversation by another sender; use a fresh unique id")
	}
	*out = []*Message{m}
	return errDuplicate // rolls back the conversation update
}

// indexedForSearch: whose messages agents' text search finds (internal/recordsearch), indexed in
// the message's own transaction so a message is findable once committed. Customers' and agents'
// messages are; the bot's and the system's are not: they are templates repeated in every
// conversation (a search for 退款 would match every refund answer), and skipping them halves
// the indexing cost of a bot-answered customer message. (Deferring the indexing to the catch-up
// sweep on PostgreSQL was tried: at 500 messages/s it did not move bot-reply p99, which on this
// machine swings between 20 and 500 ms from run to run with either, while search freshness
// would have depended on the sweep.)
func indexedForSearch(senderKind string) bool {
	return senderKind == "customer" || senderKind == "agent"
}

// MaxPage is the most messages one Messages call returns.
const MaxPage = 200

// Messages returns up to limit messages of a conversation with id > afterID, oldest first:
// passing the last id you saw resumes with no gap and no duplicate. Internal notes are
// included only when withInternal.
func (s *Service) Messages(ctx context.Context, conversationID, afterID int64, limit int, withInternal bool) ([]*Message, error) {
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	q := `SELECT ` + msgColumns + ` FROM messages WHERE conversation_id = ? AND id > ?`
	if !withInternal {
		q += ` AND internal = FALSE`
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY id LIMIT `+strconv.Itoa(limit), conversationID, afterID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Annotate stores the NLU result for a message (the bot calls it on customer messages).
func (s *Service) Annotate(ctx context.Context, q store.Querier, messageID int64, intent string, nlu any) error {
	b, err := json.Marshal(nlu)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `UPDATE messages SET intent = ?, nlu = ? WHERE id = ?`, intent, string(b), messageID)
	return err
}

// MarkRead records that a reader has read a conversation up to messageID and tells the
// other participants. Receipts only move forward.
func (s *Service) MarkRead(ctx context.Context, conversationID int64, readerKind string, readerID, messageID int64) error {
	if readerKind != "customer" && readerKind != "agent" {
		return fmt.Errorf("conversation: bad reader kind %q", readerKind)
	}
	if readerKind == "customer" {
		readerID = 0 // one customer side per conversation, whatever device
	}
	if err := exists(ctx, s.DB, `SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?`, messageID, conversationID); err != nil {
		if store.IsNoRows(err) {
			return apperr.Invalid("message_id", "is not a message of this conversation")
		}
		return err
	}
	_, err := s.DB.Exec(ctx, `INSERT INTO conversation_reads (conversation_id, reader_kind, reader_id, last_read_message_id, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id, reader_kind, reader_id) DO UPDATE SET last_read_message_id = excluded.last_read_message_id, updated_at = excluded.updated_at
		WHERE conversation_reads.last_read_message_id < excluded.last_read_message_id`,
		conversationID, readerKind, readerID, messageID, s.Now())
	if err != nil {
		return err
	}
	s.Signal(ctx, Event{Kind: EventRead, ConversationID: conversationID, SenderKind: readerKind, SenderID: readerID, MessageID: messageID})
	return nil
}

// Signal fans out an ephemeral event (typing, read) to this instance and, on PostgreSQL, to
// the others. Ephemeral events are best effort: they are not stored and not replayed.
func (s *Service) Signal(ctx context.Context, ev Event) {
	s.Broker.Publish(ev)
	if s.DB.Dialect() == store.Postgres {
		s.notify(ctx, ev)
	}
}

// notify tells the other instances (PostgreSQL only), unless there are surely none (see
// presence); a failure is logged, never fatal.
func (s *Service) notify(ctx context.Context, ev Event) {
	if !s.presence.othersMayListen(time.Now()) {
		return
	}
	if _, err := s.DB.Exec(context.WithoutCancel(ctx), `SELECT pg_notify(?, ?)`, notifyChannel, encodeNotice(ev, s.Instance)); err != nil {
		s.Log.Warn("realtime notify failed", "kind", ev.Kind, "err", err)
	}
}
