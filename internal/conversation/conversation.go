// Package conversation owns conversations, messages, widget visitors and realtime delivery.
//
// The rules that make realtime delivery exact (no gap, no duplicate, ordered) live here:
//   - a message is committed before anyone is told about it (acks and fan-out follow the commit);
//   - inserts into one conversation are serialised by locking the conversation row first, so
//     message ids within a conversation grow in commit order and "id > last seen" is a
//     complete resume cursor on both SQLite and PostgreSQL;
//   - fan-out events are only wake-ups: a connection that cannot prove it has the previous
//     message reads the gap from the database.
package conversation

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/crm"
	"kefu/internal/pii"
	"kefu/internal/recordsearch"
	"kefu/internal/store"
	"kefu/internal/validate"
)

// Allowed values of the conversation columns (they mirror the CHECK constraints).
var (
	Statuses  = []string{"open", "waiting", "closed"}
	HandledBy = []string{"bot", "agent"}
	Channels  = []string{"web", "api", "email", "phone", "app"}
)

// Sorts maps API sort names to columns.
var Sorts = map[string]string{"id": "id", "created_at": "created_at", "updated_at": "updated_at", "last_message_at": "last_message_at"}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if a == v {
			return true
		}
	}
	return false
}

// Conversation is a conversation as staff see it.
type Conversation struct {
	ID            int64      `json:"id"`
	CustomerID    *int64     `json:"customer_id"`
	Channel       string     `json:"channel"`
	Status        string     `json:"status"`
	HandledBy     string     `json:"handled_by"`
	AssigneeID    *int64     `json:"assignee_id"`
	TeamID        *int64     `json:"team_id"`
	Subject       string     `json:"subject"`
	Lang          string     `json:"lang"`
	BotState      string     `json:"-"` // the bot's private dialogue state (JSON)
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	LastMessageAt *time.Time `json:"last_message_at"`
	ClosedAt      *time.Time `json:"closed_at"`
	Reads         []Read     `json:"reads,omitempty"`

	visitorHash *string // who may open it from the widget while anonymous
}

// CustomerConversation is what the widget shows: no routing or staff details.
type CustomerConversation struct {
	ID            int64      `json:"id"`
	Status        string     `json:"status"`
	Subject       string     `json:"subject"`
	Lang          string     `json:"lang"`
	CreatedAt     time.Time  `json:"created_at"`
	LastMessageAt *time.Time `json:"last_message_at"`
}

// ForCustomer is the widget's view of c.
func (c *Conversation) ForCustomer() CustomerConversation {
	return CustomerConversation{ID: c.ID, Status: c.Status, Subject: c.Subject, Lang: c.Lang, CreatedAt: c.CreatedAt, LastMessageAt: c.LastMessageAt}
}

// Read is a read receipt: the last message a reader has read.
type Read struct {
	ReaderKind        string    `json:"reader_kind"`
	ReaderID          int64     `json:"reader_id"`
	LastReadMessageID int64     `json:"last_read_message_id"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Service reads and writes conversations and messages and delivers them in real time.
type Service struct {
	DB     *store.DB
	PII    *pii.Box
	CRM    *crm.Service
	Log    *slog.Logger
	Now    func() time.Time
	Broker *Broker
	Limits Limits
	// Instance names this process in cross-instance notifications, so it can skip its own.
	Instance string
	// Attachments lets image and voice messages carry uploads; nil refuses them.
	Attachments AttachmentHandler

	responder atomic.Pointer[responderBox]
	// respondLocks serialise the bot per conversation (striped to bound memory), so replies
	// to two quick customer messages come out in the order the messages went in. A turn
	// holds its stripe for the whole turn, reply transaction included, so conversations
	// sharing a stripe wait for each other; 64 stripes put some 16 of 1,000 live
	// conversations behind each lock, 1,024 keep such waits rare.
	respondLocks [1024]respondStripe
	sendLimiter  *RateLimiter
	openLimiter  *RateLimiter
	secret       atomic.Pointer[[]byte]
	presence     presence // whether other instances listen (PostgreSQL)
}

// NewService returns a conversation service with default limits and an in-process broker.
func NewService(db *store.DB, box *pii.Box, customers *crm.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{DB: db, PII: box, CRM: customers, Log: log, Now: time.Now, Broker: NewBroker(), Limits: DefaultLimits(),
		Instance: auth.RandomToken("")[:12]}
	s.presence.window, s.presence.every = presenceWindow, helloEvery
	s.sendLimiter = NewRateLimiter(s.Limits.SendPerSecond, s.Limits.SendBurst)
	s.openLimiter = NewRateLimiter(s.Limits.SessionsPerSecond, s.Limits.SessionsBurst)
	return s
}

// Limits bound what one client may do. They are enforced per participant (visitor or user)
// across all of their connections and REST calls.
type Limits struct {
	MaxBodyChars      int     // characters in one message body
	MaxFrameBytes     int     // bytes in one WebSocket frame we parse
	SendPerSecond     float64 // sustained messages per second per participant
	SendBurst         int
	FramesPerSecond   float64 // any frame, per connection
	FramesBurst       int
	SessionsPerSecond float64 // widget sessions opened per client IP
	SessionsBurst     int
}

// DefaultLimits are generous for people and tight for scripts.
func DefaultLimits() Limits {
	return Limits{MaxBodyChars: 4000, MaxFrameBytes: 64 << 10, SendPerSecond: 5, SendBurst: 20,
		FramesPerSecond: 30, FramesBurst: 60, SessionsPerSecond: 10, SessionsBurst: 100}
}

// SetLimits replaces the limits (tests and operators tune them; rate limiters start afresh).
func (s *Service) SetLimits(l Limits) {
	s.Limits = l
	s.sendLimiter = NewRateLimiter(l.SendPerSecond, l.SendBurst)
	s.openLimiter = NewRateLimiter(l.SessionsPerSecond, l.SessionsBurst)
}

func text(field, v string, max int) (string, error) { return validate.Text(field, v, 0, max) }

const convColumns = `id, customer_id, visitor_token_hash, channel, status, handled_by, assignee_id, team_id, subject, lang, bot_state, created_at, updated_at, last_message_at, closed_at`

func scanConversation(row interface{ Scan(...any) error }) (*Conversation, error) {
	var c Conversation
	err := row.Scan(&c.ID, &c.CustomerID, &c.visitorHash, &c.Channel, &c.Status, &c.HandledBy, &c.AssigneeID, &c.TeamID,
		&c.Subject, &c.Lang, &c.BotState, &c.CreatedAt, &c.UpdatedAt, &c.LastMessageAt, &c.ClosedAt)
	return &c, err
}

// NewConversation is the input to Create.
type NewConversation struct {
	CustomerID int64  `json:"customer_id"`
	Channel    string `json:"channel"`
	Subject    string `json:"subject"`
	Lang       string `json:"lang"`
	AssigneeID int64  `json:"assignee_id"`
	TeamID     int64  `json:"team_id"`

	visitorHash string // set by the widget
}

// Create validates and inserts a conversation. Without a bot (no Responder) conversations start
// with handled_by=agent so they show up in the agents' queue instead of waiting for nobody.
func (s *Service) Create(ctx context.Context, q store.Querier, in NewConversation) (*Conversation, error) {
	var err error
	if in.Subject, err = text("subject", in.Subject, 200); err != nil {
		return nil, err
	}
	if in.Channel == "" {
		in.Channel = "api"
	}
	if !oneOf(in.Channel, Channels) {
		return nil, apperr.Invalid("channel", "must be one of "+strings.Join(Channels, ", "))
	}
	if in.Lang == "" {
		in.Lang = "zh"
	}
	if in.Lang != "zh" && in.Lang != "en" {
		return nil, apperr.Invalid("lang", "must be zh or en")
	}
	if in.CustomerID < 0 || in.AssigneeID < 0 || in.TeamID < 0 {
		return nil, apperr.Invalid("customer_id", "ids must be positive")
	}
	if in.CustomerID == 0 && in.visitorHash == "" {
		return nil, apperr.Invalid("customer_id", "is required")
	}
	if in.CustomerID != 0 {
		if err := exists(ctx, q, `SELECT 1 FROM customers WHERE id = ? AND erased_at IS NULL`, in.CustomerID); err != nil {
			return nil, notFoundAs(err, "customer_id", "no such customer")
		}
	}
	if in.AssigneeID != 0 {
		if err := exists(ctx, q, `SELECT 1 FROM users WHERE id = ?`, in.AssigneeID); err != nil {
			return nil, notFoundAs(err, "assignee_id", "no such user")
		}
	}
	if in.TeamID != 0 {
		if err := exists(ctx, q, `SELECT 1 FROM teams WHERE id = ?`, in.TeamID); err != nil {
			return nil, notFoundAs(err, "team_id", "no such team")
		}
	}
	handled := "agent"
	if s.Responder() != nil {
		handled = "bot"
	}
	now := s.Now()
	// The subject is indexed for agents' search in the transaction that inserts the row (as a
	// message's body is), not left to the catch-up sweep: the sweep locks the rows it indexes,
	// and a conversation is written to by every message from its first minute on.
	var id int64
	insert := func(tx *store.Tx) error {
		var err error
		id, err = store.InsertID(ctx, tx, `INSERT INTO conversations (customer_id, visitor_token_hash, channel, status, handled_by, assignee_id, team_id, subject, lang, created_at, updated_at, search_indexed)
			VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, TRUE) RETURNING id`,
			nullID(in.CustomerID), nullStr(in.visitorHash), in.Channel, handled, nullID(in.AssigneeID), nullID(in.TeamID), in.Subject, in.Lang, now, now)
		if err != nil {
			return err
		}
		return recordsearch.Reindex(ctx, tx, recordsearch.KindConversation, id, "", in.Subject)
	}
	if tx, ok := q.(*store.Tx); ok {
		err = insert(tx)
	} else {
		err = s.DB.Tx(ctx, insert)
	}
	if err != nil {
		return nil, err
	}
	return s.get(ctx, q, id)
}

func exists(ctx context.Context, q store.Querier, query string, args ...any) error {
	var one int
	return q.QueryRow(ctx, query, args...).Scan(&one)
}

func notFoundAs(err error, field, msg string) error {
	if store.IsNoRows(err) {
		return apperr.Invalid(field, msg)
	}
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Get loads a conversation with its read receipts.
func (s *Service) Get(ctx context.Context, id int64) (*Conversation, error) {
	c, err := s.get(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	c.Reads, err = s.reads(ctx, id)
	return c, err
}

// respondStripe serialises the bot turns of the conversations that hash to it. turns counts
// the turns it has finished, so a turn can tell whether the conversation row its message's
// post returned is still the latest the bot wrote (see Service.Respond).
type respondStripe struct {
	sync.Mutex
	turns atomic.Uint64
}

func (s *Service) respondStripe(conversationID int64) *respondStripe {
	return &s.respondLocks[uint64(conversationID)%uint64(len(s.respondLocks))]
}

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (*Conversation, error) {
	c, err := scanConversation(q.QueryRow(ctx, `SELECT `+convColumns+` FROM conversations WHERE id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("conversation")
	}
	return c, err
}

func (s *Service) reads(ctx context.Context, id int64) ([]Read, error) {
	rows, err := s.DB.Query(ctx, `SELECT reader_kind, reader_id, last_read_message_id, updated_at FROM conversation_reads WHERE conversation_id = ? ORDER BY reader_kind, reader_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Read{}
	for rows.Next() {
		var r Read
		if err := rows.Scan(&r.ReaderKind, &r.ReaderID, &r.LastReadMessageID, &r.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Filter narrows List; zero values mean "any".
type Filter struct {
	Status     string
	HandledBy  string
	AssigneeID int64
	TeamID     int64
	CustomerID int64
	// Unassigned lists conversations no agent owns yet (the people's queue).
	Unassigned bool
	// MemberOf lists conversations routed to any team this user belongs to (the team queue).
	MemberOf int64
}

// List lists conversations for staff.
func (s *Service) List(ctx context.Context, f Filter, page store.Page) ([]*Conversation, error) {
	w := f.where()
	return s.query(ctx, `SELECT `+convColumns+` FROM conversations`+w.SQL()+page.SQL(), w.Args()...)
}

// where is the filter as SQL; List and CountQueues share it, so a tab's count and its list
// always agree on what the queue holds.
func (f Filter) where() store.Where {
	var w store.Where
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.HandledBy != "" {
		w.Add("handled_by = ?", f.HandledBy)
	}
	if f.AssigneeID != 0 {
		w.Add("assignee_id = ?", f.AssigneeID)
	}
	if f.TeamID != 0 {
		w.Add("team_id = ?", f.TeamID)
	}
	if f.CustomerID != 0 {
		w.Add("customer_id = ?", f.CustomerID)
	}
	if f.Unassigned {
		w.Add("assignee_id IS NULL")
	}
	if f.MemberOf != 0 {
		w.Add("team_id IN (SELECT team_id FROM team_members WHERE user_id = ?)", f.MemberOf)
	}
	return w
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]*Conversation, error) {
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Update is a partial change of routing and state by staff or the bot; nil fields stay.
type Update struct {
	Status     *string `json:"status"`
	HandledBy  *string `json:"handled_by"`
	AssigneeID *int64  `json:"assignee_id"` // 0 unassigns
	TeamID     *int64  `json:"team_id"`     // 0 clears
	Subject    *string `json:"subject"`
}

// UpdateConversation applies u.
func (s *Service) UpdateConversation(ctx context.Context, q store.Querier, id int64, u Update) error {
	var sets []string
	var args []any
	var oldSubject, newSubject string
	now := s.Now()
	if u.Status != nil {
		if !oneOf(*u.Status, Statuses) {
			return apperr.Invalid("status", "must be one of "+strings.Join(Statuses, ", "))
		}
		sets, args = append(sets, "status = ?"), append(args, *u.Status)
		if *u.Status == "closed" {
			sets, args = append(sets, "closed_at = ?"), append(args, now)
		} else {
			sets = append(sets, "closed_at = NULL")
		}
	}
	if u.HandledBy != nil {
		if !oneOf(*u.HandledBy, HandledBy) {
			return apperr.Invalid("handled_by", "must be bot or agent")
		}
		sets, args = append(sets, "handled_by = ?"), append(args, *u.HandledBy)
	}
	if u.AssigneeID != nil {
		if *u.AssigneeID != 0 {
			if err := exists(ctx, q, `SELECT 1 FROM users WHERE id = ?`, *u.AssigneeID); err != nil {
				return notFoundAs(err, "assignee_id", "no such user")
			}
		}
		sets, args = append(sets, "assignee_id = ?"), append(args, nullID(*u.AssigneeID))
	}
	if u.TeamID != nil {
		if *u.TeamID != 0 {
			if err := exists(ctx, q, `SELECT 1 FROM teams WHERE id = ?`, *u.TeamID); err != nil {
				return notFoundAs(err, "team_id", "no such team")
			}
		}
		sets, args = append(sets, "team_id = ?"), append(args, nullID(*u.TeamID))
	}
	if u.Subject != nil {
		v, err := text("subject", *u.Subject, 200)
		if err != nil {
			return err
		}
		sets, args, newSubject = append(sets, "subject = ?"), append(args, v), v
		// The search index holds the subject's words: swap the old ones for the new below.
		if err := q.QueryRow(ctx, `SELECT subject FROM conversations WHERE id = ?`, id).Scan(&oldSubject); err != nil && !store.IsNoRows(err) {
			return err
		}
	}
	if len(sets) == 0 {
		return apperr.BadRequest("nothing_to_update", "send at least one field to change")
	}
	sets, args = append(sets, "updated_at = ?"), append(args, now)
	res, err := q.Exec(ctx, `UPDATE conversations SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("conversation")
	}
	if _, inTx := q.(*store.Tx); !inTx {
		// The change is committed: tell the inbox feeds. Inside a transaction the caller's
		// commit is followed by a message event of its own (the bot's handoff note).
		defer s.Signal(ctx, Event{Kind: EventConversation, ConversationID: id})
	}
	if u.Subject != nil {
		return recordsearch.Reindex(ctx, q, recordsearch.KindConversation, id, oldSubject, newSubject)
	}
	return nil
}
