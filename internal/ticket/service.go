package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/sla"
	"kefu/internal/store"
	"kefu/internal/validate"
)

// Service persists tickets on top of the pure rules in this package: creation (classify,
// prioritise, route, start SLA clocks, write events — in one transaction), workflow transitions
// with optimistic concurrency, replies, notes, overrides and the event history.
type Service struct {
	DB  *store.DB
	Now func() time.Time

	hoursCache hoursCache
}

// NewService returns a ticket service using the wall clock.
func NewService(db *store.DB) *Service { return &Service{DB: db, Now: time.Now} }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Settings keys (core `settings` table) holding this package's configuration as JSON.
const (
	SettingSLAPolicies   = "ticket.sla_policies"
	SettingPriorityRules = "ticket.priority_rules"
	SettingBusinessHours = "ticket.business_hours" // default schedule for teams without their own
)

// Sources a ticket can come from.
var Sources = []string{"bot_handoff", "api", "agent", "email", "system"}

// Ticket is a stored ticket.
type Ticket struct {
	ID                 int64      `json:"id"`
	Ref                string     `json:"ref"`
	Subject            string     `json:"subject"`
	Description        string     `json:"description"`
	Type               string     `json:"type"`
	Source             string     `json:"source"`
	Category           Category   `json:"category"`
	Priority           Priority   `json:"priority"`
	PriorityReasons    []Reason   `json:"priority_reasons"`
	PriorityOverridden bool       `json:"priority_overridden"`
	Status             Status     `json:"status"`
	CustomerID         *int64     `json:"customer_id"`
	OrderID            *int64     `json:"order_id"`
	ConversationID     *int64     `json:"conversation_id"`
	AssigneeID         *int64     `json:"assignee_id"`
	TeamID             *int64     `json:"team_id"`
	Tags               []string   `json:"tags"`
	Summary            Summary    `json:"summary"`
	FirstResponseDueAt *time.Time `json:"first_response_due_at"`
	ResolutionDueAt    *time.Time `json:"resolution_due_at"`
	FirstRespondedAt   *time.Time `json:"first_responded_at"`
	SLAPausedAt        *time.Time `json:"sla_paused_at"`
	SLAPausedSeconds   int64      `json:"sla_paused_seconds"`
	SLABreached        bool       `json:"sla_breached"`
	MergedIntoID       *int64     `json:"merged_into_id"`
	Version            int        `json:"version"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	ResolvedAt         *time.Time `json:"resolved_at"`
	ClosedAt           *time.Time `json:"closed_at"`
	SLA                *SLAState  `json:"sla,omitempty"`
	lang               string     // customer's language, for notifications
}

// Summary is the handoff context stored with a ticket, so the agent sees what the bot saw.
type Summary struct {
	Intent     string     `json:"intent,omitempty"`
	Entities   []Entity   `json:"entities,omitempty"`
	Sentiment  float64    `json:"sentiment,omitempty"`
	Anger      bool       `json:"anger,omitempty"`
	Urgency    bool       `json:"urgency,omitempty"`
	Language   string     `json:"language,omitempty"`
	Tier       string     `json:"tier,omitempty"`
	Assignment Assignment `json:"assignment"`
}

// SLAState is a ticket's SLA clocks and what they mean now.
type SLAState struct {
	Policy             string      `json:"policy"`
	Clocks             sla.Targets `json:"clocks"`
	FirstResponseState sla.State   `json:"first_response_state"`
	ResolutionState    sla.State   `json:"resolution_state"`
	FirstResponseWarn  *time.Time  `json:"first_response_warn_at"`
	ResolutionWarn     *time.Time  `json:"resolution_warn_at"`
	warnAtPercent      int
	onBreach           []string
}

// Ref is the public reference customers see: "T-1024".
func Ref(id int64) string { return fmt.Sprintf("T-%d", id) }

// CreateInput is a new ticket: from a bot handoff (intent, entities, sentiment filled in), the
// API, or an agent.
type CreateInput struct {
	Subject        string   `json:"subject"`
	Description    string   `json:"description"`
	Type           string   `json:"type"` // question, problem, after_sales, complaint, task; default problem
	Source         string   `json:"source"`
	CustomerID     int64    `json:"customer_id"`
	OrderID        int64    `json:"order_id"`
	ConversationID int64    `json:"conversation_id"`
	Intent         string   `json:"intent"`
	Entities       []Entity `json:"entities"`
	Sentiment      float64  `json:"sentiment"`
	Anger          bool     `json:"anger"`
	Urgency        bool     `json:"urgency"`
	Language       string   `json:"language"`
	RepeatContacts int      `json:"repeat_contacts"`
	// Category and Priority, when set, are an agent's choice: classification is skipped and the
	// priority override is recorded (the computed priority and its reasons are still stored).
	Category Category `json:"category"`
	Priority Priority `json:"priority"`
	Tags     []string `json:"tags"`
}

var ticketTypes = []string{"question", "problem", "after_sales", "complaint", "task"}

// cleanText is the shared text check: valid UTF-8, no NUL (PostgreSQL rejects it), bounded.
func cleanText(field, v string, min, max int) (string, error) {
	return validate.Text(field, v, min, max)
}

func cleanTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t, err := cleanText("tags", t, 1, MaxTagLen)
		if err != nil {
			return nil, err
		}
		if !contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > 20 {
		return nil, apperr.Invalid("tags", "at most 20 tags")
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func nullID(id int64) any {
	if id <= 0 {
		return nil
	}
	return id
}

// Create makes a ticket in its own transaction.
func (s *Service) Create(ctx context.Context, in CreateInput, actor Actor) (*Ticket, error) {
	var t *Ticket
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		t, err = s.CreateTx(ctx, tx, in, actor)
		return err
	})
	return t, err
}

// CreateTx makes a ticket inside the caller's transaction (e.g. a handoff that also updates
// the conversation): classify, prioritise, route, start SLA clocks, write the events and the
// customer notification.
func (s *Service) CreateTx(ctx context.Context, q store.Querier, in CreateInput, actor Actor) (*Ticket, error) {
	subject, err := cleanText("subject", in.Subject, 1, 200)
	if err != nil {
		return nil, err
	}
	desc, err := cleanText("description", in.Description, 0, 20000)
	if err != nil {
		return nil, err
	}
	if in.Source == "" {
		in.Source = "agent"
	}
	if !contains(Sources, in.Source) {
		return nil, apperr.Invalid("source", "must be one of "+strings.Join(Sources, ", "))
	}
	if in.Type == "" {
		in.Type = "problem"
	}
	if !contains(ticketTypes, in.Type) {
		return nil, apperr.Invalid("type", "must be one of "+strings.Join(ticketTypes, ", "))
	}
	if in.Category != "" && !in.Category.Valid() {
		return nil, apperr.Invalid("category", fmt.Sprintf("unknown category %q", in.Category))
	}
	if in.Priority != "" && !in.Priority.Valid() {
		return nil, apperr.Invalid("priority", fmt.Sprintf("unknown priority %q", in.Priority))
	}
	if in.Sentiment < -1 || in.Sentiment > 1 {
		return nil, apperr.Invalid("sentiment", "must be between -1 and 1")
	}
	tags, err := cleanTags(in.Tags)
	if err != nil {
		return nil, err
	}
	intent, err := cleanText("intent", in.Intent, 0, 64)
	if err != nil {
		return nil, err
	}
	for i := range in.Entities {
		if _, err := cleanText("entities", in.Entities[i].Type+in.Entities[i].Value, 0, 500); err != nil {
			return nil, err
		}
	}

	// Who is the customer, and what did they buy?
	tier, lang := "regular", strings.TrimSpace(in.Language)
	if in.CustomerID > 0 {
		var custLang string
		err := q.QueryRow(ctx, `SELECT tier, lang FROM customers WHERE id = ?`, in.CustomerID).Scan(&tier, &custLang)
		if store.IsNoRows(err) {
			return nil, apperr.Invalid("customer_id", "no such customer")
		} else if err != nil {
			return nil, err
		}
		if lang == "" {
			lang = custLang
		}
	}
	if lang == "" {
		lang = "zh"
	}
	var orderValue int64
	if in.OrderID > 0 {
		var owner int64
		err := q.QueryRow(ctx, `SELECT customer_id, total_cents FROM orders WHERE id = ?`, in.OrderID).Scan(&owner, &orderValue)
		if store.IsNoRows(err) {
			return nil, apperr.Invalid("order_id", "no such order")
		} else if err != nil {
			return nil, err
		}
		if in.CustomerID > 0 && owner != in.CustomerID {
			return nil, apperr.Invalid("order_id", "the order belongs to another customer")
		}
	}
	if in.ConversationID > 0 {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE id = ?`, in.ConversationID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.Invalid("conversation_id", "no such conversation")
		}
	}

	// Pure rules: category, priority with reasons, routing.
	cat := in.Category
	if cat == "" {
		cat = Classify(intent, in.Entities...)
	}
	rules, err := s.priorityRules(ctx, q)
	if err != nil {
		return nil, err
	}
	prio, reasons := rules.Compute(Input{Category: cat, Intent: intent, SentimentScore: in.Sentiment, Anger: in.Anger,
		Urgency: in.Urgency, Tier: tier, OrderValue: orderValue, RepeatContacts: in.RepeatContacts})
	overridden := false
	if in.Priority != "" && in.Priority != prio {
		reasons = append(reasons, overrideReason(prio, in.Priority, actor))
		prio, overridden = in.Priority, true
	}
	teams, err := s.teamSnapshots(ctx, q)
	if err != nil {
		return nil, err
	}
	asg := Assign(Request{Category: cat, Language: lang, Tier: tier}, teams)

	// SLA clocks start now, in the routed team's business hours.
	now := s.now()
	policies, err := s.slaPolicies(ctx, q)
	if err != nil {
		return nil, err
	}
	pol, err := policies.Lookup(string(prio), tier)
	if err != nil {
		return nil, err
	}
	hours, err := s.teamHours(ctx, q, asg.TeamID)
	if err != nil {
		return nil, err
	}
	st := &SLAState{Policy: pol.Name, Clocks: pol.Start(now), warnAtPercent: pol.WarnAtPercent, onBreach: pol.OnBreach}
	due := st.refresh(now, hours)

	summary := Summary{Intent: intent, Entities: in.Entities, Sentiment: in.Sentiment, Anger: in.Anger,
		Urgency: in.Urgency, Language: lang, Tier: tier, Assignment: asg}
	id, err := store.InsertID(ctx, q, `INSERT INTO tickets (subject, description, type, source, category, priority,
		priority_reasons, priority_overridden, status, customer_id, order_id, conversation_id, assignee_id, team_id, tags,
		summary, first_response_due_at, resolution_due_at, sla_risk_at, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		subject, desc, in.Type, in.Source, string(cat), string(prio), toJSON(reasons), overridden,
		nullID(in.CustomerID), nullID(in.OrderID), nullID(in.ConversationID), nullID(asg.AgentID), nullID(asg.TeamID),
		toJSON(tags), toJSON(summary), timeOrNil(due.FirstResponse), timeOrNil(due.Resolution), st.riskAt(), now, now)
	if err != nil {
		return nil, err
	}
	if err := st.insert(ctx, q, id, now); err != nil {
		return nil, err
	}
	events := []Event{
		{Kind: "created", Field: "status", After: string(StatusNew), Body: subject},
		{Kind: "priority", Field: "priority", After: string(prio), Body: toJSON(reasons)},
		{Kind: "category", Field: "category", After: string(cat)},
		{Kind: "assign", Field: "assignee", After: assignmentValue(asg), Body: toJSON(asg)},
		{Kind: "sla", Field: "policy", After: pol.Name, Body: toJSON(due)},
	}
	for _, e := range events {
		if err := insertEvent(ctx, q, id, now, actor, e); err != nil {
			return nil, err
		}
	}
	if err := notifyCustomer(ctx, q, id, in.CustomerID, in.ConversationID, lang, "ticket.new", StatusMessage(Ref(id), StatusNew), now); err != nil {
		return nil, err
	}
	return s.get(ctx, q, id)
}

func overrideReason(from, to Priority, actor Actor) Reason {
	return Reason{Code: "agent_override",
		ZH: fmt.Sprintf("%s 将优先级从%s改为%s", actorLabel(actor), from.Label("zh"), to.Label("zh")),
		EN: fmt.Sprintf("%s changed the priority from %s to %s", actorLabel(actor), from, to)}
}

func actorLabel(a Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.ID > 0 {
		return fmt.Sprintf("%s #%d", a.Kind, a.ID)
	}
	return string(a.Kind)
}

func assignmentValue(a Assignment) string {
	return fmt.Sprintf("team=%d agent=%d", a.TeamID, a.AgentID)
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func ptrTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// refresh recomputes deadlines, warning instants and states of the clocks at now.
func (st *SLAState) refresh(now time.Time, h sla.BusinessHours) sla.Due {
	pol := sla.Policy{WarnAtPercent: st.warnAtPercent}
	due := pol.Due(st.Clocks, h)
	st.FirstResponseWarn, st.ResolutionWarn = ptrTime(due.FirstResponseWarn), ptrTime(due.ResolutionWarn)
	fr, res := st.Clocks.FirstResponse, st.Clocks.Resolution
	st.FirstResponseState = fr.StateAt(now, pol.WarnBefore(fr.Target), h)
	st.ResolutionState = res.StateAt(now, pol.WarnBefore(res.Target), h)
	return due
}

type storedSLA struct {
	Clocks        sla.Targets `json:"clocks"`
	WarnAtPercent int         `json:"warn_at_percent"`
	OnBreach      []string    `json:"on_breach,omitempty"`
}

func (st *SLAState) insert(ctx context.Context, q store.Querier, id int64, now time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO ticket_sla (ticket_id, policy, clocks, first_response_warn_at, resolution_warn_at,
		first_response_state, resolution_state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, st.Policy, toJSON(storedSLA{st.Clocks, st.warnAtPercent, st.onBreach}), st.FirstResponseWarn, st.ResolutionWarn,
		string(st.FirstResponseState), string(st.ResolutionState), now)
	return err
}

func (st *SLAState) update(ctx context.Context, q store.Querier, id int64, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE ticket_sla SET policy = ?, clocks = ?, first_response_warn_at = ?, resolution_warn_at = ?,
		first_response_state = ?, resolution_state = ?, updated_at = ? WHERE ticket_id = ?`,
		st.Policy, toJSON(storedSLA{st.Clocks, st.warnAtPercent, st.onBreach}), st.FirstResponseWarn, st.ResolutionWarn,
		string(st.FirstResponseState), string(st.ResolutionState), now, id)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `UPDATE tickets SET sla_risk_at = ? WHERE id = ?`, st.riskAt(), id)
	return err
}

// clockRunning reports whether a clock in this state is still counting towards its deadline
// (not stopped, not paused): only such a clock can put a ticket at risk.
func clockRunning(s sla.State) bool {
	return s == sla.StateRunning || s == sla.StateWarning || s == sla.StateBreached
}

// riskAt is tickets.sla_risk_at: the earliest warning instant of a running clock, nil when no
// clock runs. Stored on the ticket row so the "SLA at risk" queue is a range on one indexed
// column (sla_risk_at <= now) instead of a join evaluated for every open ticket.
func (st *SLAState) riskAt() any {
	var at *time.Time
	for _, c := range []struct {
		state sla.State
		warn  *time.Time
	}{{st.FirstResponseState, st.FirstResponseWarn}, {st.ResolutionState, st.ResolutionWarn}} {
		if clockRunning(c.state) && c.warn != nil && (at == nil || c.warn.Before(*at)) {
			at = c.warn
		}
	}
	if at == nil {
		return nil
	}
	return *at
}

// Event is one entry of a ticket's history: who did what, when, with before and after.
type Event struct {
	ID        int64     `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	At        time.Time `json:"at"`
	ActorKind string    `json:"actor_kind"`
	ActorID   *int64    `json:"actor_id"`
	Kind      string    `json:"kind"`
	Field     string    `json:"field"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	Body      string    `json:"body"`
	Internal  bool      `json:"internal"`
}

func insertEvent(ctx context.Context, q store.Querier, ticketID int64, at time.Time, actor Actor, e Event) error {
	kind := string(actor.Kind)
	if kind == "" {
		kind = string(ActorSystem)
	}
	_, err := q.Exec(ctx, `INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, kind, field, before_value,
		after_value, body, internal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ticketID, at, kind, nullID(actor.ID), e.Kind, e.Field, e.Before, e.After, e.Body, e.Internal)
	return err
}

// notifyCustomer records the customer-facing message of a state change in the customer's
// language; the conversation module delivers pending chat notifications.
func notifyCustomer(ctx context.Context, q store.Querier, ticketID, customerID, conversationID int64, lang, kind string, m Message, at time.Time) error {
	if customerID <= 0 {
		return nil
	}
	_, err := q.Exec(ctx, `INSERT INTO notifications (customer_id, conversation_id, ticket_id, channel, kind, body, status, created_at)
		VALUES (?, ?, ?, 'chat', ?, ?, 'pending', ?)`, customerID, nullID(conversationID), ticketID, kind, m.In(lang), at)
	return err
}

const ticketColumns = `t.id, t.subject, t.description, t.type, t.source, t.category, t.priority, t.priority_reasons,
	t.priority_overridden, t.status, t.customer_id, t.order_id, t.conversation_id, t.assignee_id, t.team_id, t.tags,
	t.summary, t.first_response_due_at, t.resolution_due_at, t.first_responded_at, t.sla_paused_at, t.sla_paused_seconds,
	t.sla_breached, t.merged_into_id, t.version, t.created_at, t.updated_at, t.resolved_at, t.closed_at,
	s.policy, s.clocks, s.first_response_warn_at, s.resolution_warn_at, s.first_response_state, s.resolution_state`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var reasons, tags, summary string
	var policy, clocks, frState, resState *string
	var frWarn, resWarn *time.Time
	err := row.Scan(&t.ID, &t.Subject, &t.Description, &t.Type, &t.Source, &t.Category, &t.Priority, &reasons,
		&t.PriorityOverridden, &t.Status, &t.CustomerID, &t.OrderID, &t.ConversationID, &t.AssigneeID, &t.TeamID, &tags,
		&summary, &t.FirstResponseDueAt, &t.ResolutionDueAt, &t.FirstRespondedAt, &t.SLAPausedAt, &t.SLAPausedSeconds,
		&t.SLABreached, &t.MergedIntoID, &t.Version, &t.CreatedAt, &t.UpdatedAt, &t.ResolvedAt, &t.ClosedAt,
		&policy, &clocks, &frWarn, &resWarn, &frState, &resState)
	if err != nil {
		return nil, err
	}
	t.Ref = Ref(t.ID)
	_ = json.Unmarshal([]byte(reasons), &t.PriorityReasons)
	_ = json.Unmarshal([]byte(tags), &t.Tags)
	_ = json.Unmarshal([]byte(summary), &t.Summary)
	t.lang = t.Summary.Language
	if policy != nil && clocks != nil {
		var stored storedSLA
		if err := json.Unmarshal([]byte(*clocks), &stored); err != nil {
			return nil, fmt.Errorf("ticket %d: stored SLA clocks: %w", t.ID, err)
		}
		t.SLA = &SLAState{Policy: *policy, Clocks: stored.Clocks, FirstResponseWarn: frWarn, ResolutionWarn: resWarn,
			FirstResponseState: sla.State(*frState), ResolutionState: sla.State(*resState),
			warnAtPercent: stored.WarnAtPercent, onBreach: stored.OnBreach}
	}
	return &t, nil
}

// Get loads one ticket with its SLA state.
func (s *Service) Get(ctx context.Context, id int64) (*Ticket, error) { return s.get(ctx, s.DB, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (*Ticket, error) {
	t, err := scanTicket(q.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets t LEFT JOIN ticket_sla s ON s.ticket_id = t.id WHERE t.id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("ticket")
	}
	return t, err
}

// Events lists a ticket's history, oldest first.
func (s *Service) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, ticket_id, at, actor_kind, actor_id, kind, field, before_value, after_value, body, internal
		FROM ticket_events WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.TicketID, &e.At, &e.ActorKind, &e.ActorID, &e.Kind, &e.Field, &e.Before, &e.After, &e.Body, &e.Internal); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Filter narrows List. Zero values mean "any".
type Filter struct {
	Status     Status
	Priority   Priority
	Category   Category
	AssigneeID int64
	TeamID     int64
	CustomerID int64
	OrderID    int64
	// ConversationID finds the tickets of one chat (the workspace's ticket panel).
	ConversationID int64
	// Open keeps the statuses a queue shows (new, open, pending, on hold): an agent's or a
	// team's current work rather than its whole history.
	Open bool
	// Unassigned lists the queue: open tickets with no agent (in any team, or TeamID's team).
	Unassigned bool
	Breached   bool
	// SLAAtRisk lists open tickets with a running clock past its warning instant (warning or
	// breached), or already breached: what a supervisor watches.
	SLAAtRisk bool
	// Query is a ticket reference ("T-1024", "1024") or words of the subject.
	Query string
	// Now is the instant SLAAtRisk is judged at (the service's clock when zero).
	Now time.Time
}

// openStatusList is the SQL list of the statuses a queue shows. Written as IN (not NOT IN
// resolved, closed) so the partial indexes on open tickets (migration 0203) apply.
const openStatusList = "('new', 'open', 'pending', 'on_hold')"

// parseRef reads "T-1024", "t-1024" or "1024".
func parseRef(q string) (int64, bool) {
	q = strings.TrimPrefix(strings.TrimPrefix(q, "T-"), "t-")
	id, err := strconv.ParseInt(q, 10, 64)
	return id, err == nil && id > 0
}

// likeEscape makes a user's text match literally inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// Sorts maps API sort names to columns for List.
var Sorts = map[string]string{"id": "t.id", "created_at": "t.created_at", "updated_at": "t.updated_at",
	"first_response_due_at": "t.first_response_due_at", "resolution_due_at": "t.resolution_due_at"}

// List returns tickets matching f, one page (up to page.Limit+1 rows: the extra one tells the
// caller there is a next page).
//
// The page is chosen from the tickets table alone, then only its rows are read in full with
// their SLA state: the database walks an index in the sort order (see migrations 0203 and 0510)
// or sorts narrow (sort key, id) pairs, and the join and the wide columns cost one page of rows,
// not every ticket that matches.
func (s *Service) List(ctx context.Context, f Filter, page store.Page) ([]*Ticket, error) {
	w := s.listWhere(f)
	if page.Sort == "" {
		page.Sort, page.Desc = "t.id", true
	}
	if page.Limit <= 0 {
		page.Limit = 50
	}
	pageSQL := page.SQL()
	order, _, _ := strings.Cut(pageSQL, " LIMIT ")
	rows, err := s.DB.Query(ctx, `SELECT `+ticketColumns+` FROM (SELECT t.id FROM tickets t`+w.SQL()+pageSQL+`) p
		JOIN tickets t ON t.id = p.id LEFT JOIN ticket_sla s ON s.ticket_id = t.id`+order, w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// listWhere turns a filter into conditions on the tickets table only (no join), so every
// filter can be answered from tickets' own indexes.
func (s *Service) listWhere(f Filter) store.Where {
	var w store.Where
	if f.Status != "" {
		w.Add("t.status = ?", string(f.Status))
	}
	if f.Priority != "" {
		w.Add("t.priority = ?", string(f.Priority))
	}
	if f.Category != "" {
		w.Add("t.category = ?", string(f.Category))
	}
	if f.AssigneeID > 0 {
		w.Add("t.assignee_id = ?", f.AssigneeID)
	}
	if f.TeamID > 0 {
		w.Add("t.team_id = ?", f.TeamID)
	}
	if f.CustomerID > 0 {
		w.Add("t.customer_id = ?", f.CustomerID)
	}
	if f.OrderID > 0 {
		w.Add("t.order_id = ?", f.OrderID)
	}
	if f.Open || f.Unassigned || f.SLAAtRisk {
		w.Add("t.status IN " + openStatusList)
	}
	if f.Unassigned {
		w.Add("t.assignee_id IS NULL")
	}
	if f.Breached {
		w.Add("t.sla_breached = ?", true)
	}
	if f.SLAAtRisk {
		now := f.Now
		if now.IsZero() {
			now = s.now()
		}
		// sla_risk_at is the earliest warning instant of a running clock (SLAState.riskAt).
		w.Add(`(t.sla_risk_at <= ? OR t.sla_breached = ?)`, now, true)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if id, ok := parseRef(q); ok {
			w.Add("t.id = ?", id)
		} else {
			w.Add(`LOWER(t.subject) LIKE ? ESCAPE '\'`, "%"+likeEscape(strings.ToLower(q))+"%")
		}
	}
	return w
}
