package kb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kefu/internal/apperr"
	"kefu/internal/kb/search"
	"kefu/internal/nlu/textseg"
	"kefu/internal/store"
)

// MaxQuery bounds a search query; longer input is cut (not rejected), since customers paste
// whole e-mails into the chat.
const MaxQuery = 10000

// SearchRequest is one knowledge-base search.
type SearchRequest struct {
	Query  string
	Lang   string // "" = both languages
	Tier   string // the customer's tier, to respect article audiences ("" = no filter)
	Drafts bool   // staff search: drafts too
	Intent string // the NLU intent, when known
	Limit  int
}

// ArticleRef is the part of an article a result list shows.
type ArticleRef struct {
	ID       int64    `json:"id"`
	Lang     string   `json:"lang"`
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Tags     []string `json:"tags"`
	Status   string   `json:"status"`
}

// Hit is one search result: the article, how well it matched, the question variant or title
// that matched, and the best passage of its answer with the matches marked.
type Hit struct {
	Article   ArticleRef     `json:"article"`
	Score     float64        `json:"score"`
	Relevance float64        `json:"relevance"`
	Field     string         `json:"field"`
	Matched   string         `json:"matched"`
	Passage   search.Passage `json:"passage"`
}

// SearchResult is a ranked list with the bot's decision for the first hit.
type SearchResult struct {
	Items      []Hit   `json:"items"`
	Confidence float64 `json:"confidence"`
	Decision   string  `json:"decision"` // answer, suggest or handoff (search.Decide)
}

// Search ranks articles for a query. Any text is acceptable: hostile, empty or 10 KB input
// gives results or an empty list, never an error.
func (s *Service) Search(ctx context.Context, req SearchRequest) (*SearchResult, error) {
	ix, err := s.Index(ctx)
	if err != nil {
		return nil, err
	}
	q := truncate(req.Query, MaxQuery)
	res := ix.Search(search.Query{Text: q, Lang: req.Lang, Tier: req.Tier, AnyStatus: req.Drafts, Intent: req.Intent, Limit: req.Limit})
	out := &SearchResult{Items: []Hit{}, Confidence: res.Confidence, Decision: res.Decision}
	for _, h := range res.Hits {
		d, ok := ix.Doc(h.ID)
		if !ok {
			continue // removed between ranking and now
		}
		hit := Hit{Article: ArticleRef{ID: d.ID, Lang: d.Lang, Title: d.Title, Category: d.Category, Tags: nonNil(d.Tags), Status: d.Status},
			Score: h.Score, Relevance: h.Relevance, Field: h.Field, Passage: search.Highlight(d.Answer, q, 200)}
		switch {
		case h.Field == "question" && h.Variant < len(d.Questions):
			hit.Matched = d.Questions[h.Variant]
		case h.Field == "tags":
			hit.Matched = strings.Join(d.Tags, ", ")
		default:
			hit.Matched = d.Title
		}
		out.Items = append(out.Items, hit)
	}
	return out, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// truncate cuts s to at most n bytes at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Usage event kinds.
const (
	EventShown     = "shown"     // the bot answered with the article
	EventSuggested = "suggested" // the article was suggested to an agent
	EventInserted  = "inserted"  // an agent inserted it into a reply
	EventHelpful   = "helpful"   // the customer rated the answer helpful
	EventUnhelpful = "unhelpful" // … or not
)

// EventKinds lists the usage event kinds.
var EventKinds = []string{EventShown, EventSuggested, EventInserted, EventHelpful, EventUnhelpful}

// Event is one use of an article.
type Event struct {
	ArticleID      int64   `json:"article_id"`
	Kind           string  `json:"kind"`
	ConversationID int64   `json:"conversation_id,omitempty"`
	UserID         int64   `json:"-"`
	Query          string  `json:"query,omitempty"`
	Confidence     float64 `json:"confidence,omitempty"`
}

func nullID(id int64) any {
	if id > 0 {
		return id
	}
	return nil
}

// RecordEvent stores a usage event.
func (s *Service) RecordEvent(ctx context.Context, q store.Querier, e Event) error {
	if !slices.Contains(EventKinds, e.Kind) {
		return apperr.Invalid("kind", "must be one of "+strings.Join(EventKinds, ", "))
	}
	if e.ArticleID <= 0 {
		return apperr.Invalid("article_id", "is required")
	}
	var exists int
	if err := q.QueryRow(ctx, `SELECT 1 FROM kb_articles WHERE id = ?`, e.ArticleID).Scan(&exists); err != nil {
		if store.IsNoRows(err) {
			return apperr.NotFound("article")
		}
		return err
	}
	if e.ConversationID > 0 {
		if err := q.QueryRow(ctx, `SELECT 1 FROM conversations WHERE id = ?`, e.ConversationID).Scan(&exists); err != nil {
			if store.IsNoRows(err) {
				return apperr.NotFound("conversation")
			}
			return err
		}
	}
	query, err := text("query", truncate(e.Query, 2000), 2000)
	if err != nil {
		return err
	}
	var conf any
	if e.Confidence > 0 {
		conf = e.Confidence
	}
	_, err = q.Exec(ctx, `INSERT INTO kb_usage_events (article_id, kind, conversation_id, user_id, query, confidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ArticleID, e.Kind, nullID(e.ConversationID), nullID(e.UserID), query, conf, s.Now().UTC())
	return err
}

// Usage counts an article's events by kind, plus the helpful share of ratings.
type Usage struct {
	ArticleID   int64          `json:"article_id"`
	Counts      map[string]int `json:"counts"`
	HelpfulRate *float64       `json:"helpful_rate"` // helpful / (helpful + unhelpful); null without ratings
}

// ArticleUsage returns an article's usage counts.
func (s *Service) ArticleUsage(ctx context.Context, id int64) (*Usage, error) {
	if _, err := s.Get(ctx, s.DB, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT kind, COUNT(*) FROM kb_usage_events WHERE article_id = ? GROUP BY kind`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	u := &Usage{ArticleID: id, Counts: map[string]int{}}
	for _, k := range EventKinds {
		u.Counts[k] = 0
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		u.Counts[k] = n
	}
	if r := u.Counts[EventHelpful] + u.Counts[EventUnhelpful]; r > 0 {
		v := float64(u.Counts[EventHelpful]) / float64(r)
		u.HelpfulRate = &v
	}
	return u, rows.Err()
}

// Suggestions are the top articles for a conversation's latest customer messages.
type Suggestions struct {
	ConversationID int64  `json:"conversation_id"`
	Query          string `json:"query"` // the customer text the suggestions are for
	Items          []Hit  `json:"items"`
}

// Suggest finds articles for the latest customer messages of a conversation (in the
// conversation's language, respecting the customer's tier) and records them as suggested.
func (s *Service) Suggest(ctx context.Context, conversationID, userID int64, limit int) (*Suggestions, error) {
	var lang string
	var tier sql.NullString
	err := s.DB.QueryRow(ctx, `SELECT c.lang, cu.tier FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?`, conversationID).Scan(&lang, &tier)
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("conversation")
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT body FROM messages WHERE conversation_id = ? AND sender_kind = 'customer' AND internal = ? AND body <> ''
		ORDER BY id DESC LIMIT 3`, conversationID, false)
	if err != nil {
		return nil, err
	}
	var texts []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return nil, err
		}
		texts = append(texts, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := &Suggestions{ConversationID: conversationID, Items: []Hit{}}
	if len(texts) == 0 {
		return out, nil
	}
	// The newest message says most about what the customer needs now; the two before it add
	// context ("my order …" then "how do I return it?").
	out.Query = strings.Join(texts, "\n")
	if limit <= 0 {
		limit = 5
	}
	res, err := s.Search(ctx, SearchRequest{Query: out.Query, Lang: lang, Tier: tier.String, Limit: limit})
	if err != nil {
		return nil, err
	}
	if len(res.Items) == 0 && lang != "" {
		// A customer may write in the other language than the conversation's setting.
		if res, err = s.Search(ctx, SearchRequest{Query: out.Query, Tier: tier.String, Limit: limit}); err != nil {
			return nil, err
		}
	}
	out.Items = res.Items
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		for _, h := range out.Items {
			if err := s.RecordEvent(ctx, tx, Event{ArticleID: h.Article.ID, Kind: EventSuggested, ConversationID: conversationID, UserID: userID,
				Query: texts[0], Confidence: h.Relevance}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Inserted is an article's answer ready to go into a reply.
type Inserted struct {
	ArticleID int64    `json:"article_id"`
	Text      string   `json:"text"`    // Markdown with placeholders filled
	Missing   []string `json:"missing"` // placeholders the conversation had no value for
}

// Insert renders an article's answer for a conversation (customer name, latest order, agent
// name…) and records that the agent inserted it: one action for the agent.
func (s *Service) Insert(ctx context.Context, articleID, conversationID, userID int64) (*Inserted, error) {
	a, err := s.Get(ctx, s.DB, articleID)
	if err != nil {
		return nil, err
	}
	if a.Status == "archived" {
		return nil, apperr.Conflict("article_archived", "this article is archived; restore it before using it")
	}
	vars, err := s.ContextVars(ctx, conversationID, userID)
	if err != nil {
		return nil, err
	}
	txt, missing := Render(a.Answer, vars)
	if err := s.RecordEvent(ctx, s.DB, Event{ArticleID: articleID, Kind: EventInserted, ConversationID: conversationID, UserID: userID}); err != nil {
		return nil, err
	}
	if missing == nil {
		missing = []string{}
	}
	return &Inserted{ArticleID: articleID, Text: txt, Missing: missing}, nil
}

// ContextVars collects placeholder values for a conversation: its customer, the customer's
// latest order and its shipment, the agent and the shop name (settings key shop.name).
// conversationID and userID may be 0.
func (s *Service) ContextVars(ctx context.Context, conversationID, userID int64) (map[string]string, error) {
	vars := map[string]string{}
	var shop string
	if err := s.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'shop.name'`).Scan(&shop); err == nil {
		vars["shop.name"] = strings.Trim(shop, `"`)
	}
	if userID > 0 {
		var name string
		if err := s.DB.QueryRow(ctx, `SELECT name FROM users WHERE id = ?`, userID).Scan(&name); err == nil {
			vars["agent.name"] = name
		}
	}
	if conversationID <= 0 {
		return vars, nil
	}
	var customerID sql.NullInt64
	err := s.DB.QueryRow(ctx, `SELECT customer_id FROM conversations WHERE id = ?`, conversationID).Scan(&customerID)
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("conversation")
	}
	if err != nil || !customerID.Valid {
		return vars, err
	}
	var name, tier string
	if err := s.DB.QueryRow(ctx, `SELECT name, tier FROM customers WHERE id = ?`, customerID.Int64).Scan(&name, &tier); err == nil {
		vars["customer.name"], vars["customer.tier"] = name, tier
	}
	var orderID, total int64
	var number, status, currency string
	err = s.DB.QueryRow(ctx, `SELECT id, number, status, total_cents, currency FROM orders WHERE customer_id = ? ORDER BY placed_at DESC, id DESC LIMIT 1`,
		customerID.Int64).Scan(&orderID, &number, &status, &total, &currency)
	if err == nil {
		vars["order.number"], vars["order.status"] = number, status
		vars["order.total"] = fmt.Sprintf("%s %d.%02d", currency, total/100, total%100)
		var carrier, tracking string
		if err := s.DB.QueryRow(ctx, `SELECT carrier_name, tracking_number FROM shipments WHERE order_id = ? AND direction = 'outbound' ORDER BY id DESC LIMIT 1`,
			orderID).Scan(&carrier, &tracking); err == nil {
			vars["order.carrier"], vars["order.tracking_number"] = carrier, tracking
		}
	} else if !store.IsNoRows(err) {
		return nil, err
	}
	return vars, nil
}

// BotRequest is what the bot asks the knowledge base for one customer message.
type BotRequest struct {
	Text           string
	Lang           string
	Tier           string
	Intent         string
	ConversationID int64
	// Later, when set, takes the usage records (article shown, question unanswered) to write in
	// the caller's transaction — the bot's turn, committed with its reply — instead of
	// writing each in a transaction of its own now.
	Later func(write func(ctx context.Context, q store.Querier) error)
}

// record writes now, or hands the write to later when the caller gave one.
func (s *Service) record(ctx context.Context, later func(func(context.Context, store.Querier) error), write func(context.Context, store.Querier) error) error {
	if later != nil {
		later(write)
		return nil
	}
	return write(ctx, s.DB)
}

// BotReply is the knowledge base's answer to the bot.
type BotReply struct {
	Decision   string   `json:"decision"` // answer, suggest or handoff
	Confidence float64  `json:"confidence"`
	Text       string   `json:"text,omitempty"` // rendered answer when Decision is answer
	Missing    []string `json:"missing,omitempty"`
	Items      []Hit    `json:"items"` // ranked articles (the suggestions when Decision is suggest)
}

// Answer is the bot's entry point: search published articles for the customer's audience,
// answer when confident (recording "shown"), and record the question as unanswered when
// nothing fits so it shows up in the knowledge gaps.
func (s *Service) Answer(ctx context.Context, req BotRequest) (*BotReply, error) {
	res, err := s.Search(ctx, SearchRequest{Query: req.Text, Lang: req.Lang, Tier: req.Tier, Intent: req.Intent, Limit: 3})
	if err != nil {
		return nil, err
	}
	r := &BotReply{Decision: res.Decision, Confidence: res.Confidence, Items: res.Items}
	switch res.Decision {
	case search.DecisionAnswer:
		top := res.Items[0]
		a, err := s.Get(ctx, s.DB, top.Article.ID)
		if err != nil {
			return nil, err
		}
		vars, err := s.ContextVars(ctx, req.ConversationID, 0)
		if err != nil {
			return nil, err
		}
		r.Text, r.Missing = Render(a.Answer, vars)
		ev := Event{ArticleID: a.ID, Kind: EventShown, ConversationID: req.ConversationID, Query: req.Text, Confidence: res.Confidence}
		err = s.record(ctx, req.Later, func(ctx context.Context, q store.Querier) error { return s.RecordEvent(ctx, q, ev) })
		if err != nil {
			return nil, err
		}
	case search.DecisionHandoff:
		var best int64
		if len(res.Items) > 0 {
			best = res.Items[0].Article.ID
		}
		u := Unanswered{Question: req.Text, Lang: req.Lang, ConversationID: req.ConversationID, BestArticleID: best, Confidence: res.Confidence}
		err := s.record(ctx, req.Later, func(ctx context.Context, q store.Querier) error { return s.RecordUnanswered(ctx, q, u) })
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Unanswered is a question the bot could not answer.
type Unanswered struct {
	ID             int64     `json:"id"`
	Question       string    `json:"question"`
	Lang           string    `json:"lang"`
	ConversationID int64     `json:"conversation_id,omitempty"`
	BestArticleID  int64     `json:"best_article_id,omitempty"`
	Confidence     float64   `json:"confidence"`
	CreatedAt      time.Time `json:"created_at"`
}

// RecordUnanswered stores a question the bot could not answer.
func (s *Service) RecordUnanswered(ctx context.Context, q store.Querier, u Unanswered) error {
	question, err := text("question", truncate(u.Question, 2000), 2000)
	if err != nil {
		return err
	}
	if question == "" {
		return nil // nothing to learn from an empty message
	}
	if u.Lang != "zh" && u.Lang != "en" {
		// The caller did not know the language: detect it, so an article drafted from this
		// gap gets a valid one.
		u.Lang = textseg.Lang(question)
	}
	_, err = q.Exec(ctx, `INSERT INTO kb_unanswered (question, lang, conversation_id, best_article_id, confidence, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		question, u.Lang, nullID(u.ConversationID), nullID(u.BestArticleID), u.Confidence, s.Now().UTC())
	return err
}

// ShowAnswer renders an article for the bot to send in a conversation and records that the bot
// showed it (used when the bot answers with an article retrieval alone only suggested).
// later, when set, takes the usage record as in BotRequest.Later.
func (s *Service) ShowAnswer(ctx context.Context, articleID, conversationID int64, query string, confidence float64, later func(func(context.Context, store.Querier) error)) (string, error) {
	a, err := s.Get(ctx, s.DB, articleID)
	if err != nil {
		return "", err
	}
	vars, err := s.ContextVars(ctx, conversationID, 0)
	if err != nil {
		return "", err
	}
	txt, _ := Render(a.Answer, vars)
	ev := Event{ArticleID: articleID, Kind: EventShown, ConversationID: conversationID, Query: query, Confidence: confidence}
	err = s.record(ctx, later, func(ctx context.Context, q store.Querier) error { return s.RecordEvent(ctx, q, ev) })
	return txt, err
}
