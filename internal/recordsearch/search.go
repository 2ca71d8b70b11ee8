package recordsearch

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kefu/internal/apperr"
	"kefu/internal/kb/search"
	"kefu/internal/store"
)

// Query searches conversations, messages and tickets. Criteria combine (AND); at least one of
// Text, CustomerID, ConversationID, OrderNumber and Phone is required.
type Query struct {
	Text           string     // words in message bodies, conversation subjects, ticket subjects and descriptions
	CustomerID     int64      // only this customer's records
	ConversationID int64      // only this conversation (its messages, itself, its tickets)
	OrderNumber    string     // the order's customer's conversations and messages, the order's tickets
	Phone          string     // the customers with this phone, matched through customers.phone_hash (the keyed hash), never by decrypting
	Kind           string     // message, conversation or ticket; empty for all three
	Before         int64      // with Kind: only records with a smaller id (Page.Next of the previous page)
	From, To       *time.Time // created at or after From, before To
	Limit          int        // per kind, 1 to 100, default 20
}

// Hit is one conversation, message or ticket found.
type Hit struct {
	Kind           string         `json:"kind"` // conversation, message, ticket
	ID             int64          `json:"id"`
	ConversationID int64          `json:"conversation_id,omitempty"`
	CustomerID     *int64         `json:"customer_id"`
	Title          string         `json:"title"` // conversation or ticket subject
	Snippet        search.Passage `json:"snippet"`
	At             time.Time      `json:"at"`
}

// Page is one page of hits, newest first within each kind.
type Page struct {
	Items []Hit `json:"items"`
	// Next holds, for each kind that may have more hits, the cursor to continue with: pass it as
	// before together with kind. A kind that is absent has no more.
	Next map[string]int64 `json:"next"`
}

// Kinds lists the kind names the API accepts.
var Kinds = []string{"message", "conversation", "ticket"}

// MaxQueryRunes bounds the text of a query: longer input is refused (400), not cut, because
// a cut query would silently search for something else.
const MaxQueryRunes = 500

const (
	// dfCap bounds how many postings are counted to find a query's rarest term.
	dfCap = 10_000
	// dfSample bounds how many of a long query's terms are counted; all are still checked.
	dfSample = 24
	// probeTerms is how many terms the database checks; the rest are checked on the text.
	probeTerms = 4
	// recordRounds bounds the batches of recordBatch rows read when records drive a text
	// search (a customer's, a conversation's): 3,000 records, then a cursor. A batch is
	// large because each one re-reads the customer's conversations' index entries and sorts
	// them (12 ms for 560 messages on the 1M benchmark): one batch covers most customers.
	recordRounds = 3
	recordBatch  = 1000
	// restrictConvs is how many conversations a customer filter may expand to before the
	// search is driven by the terms instead of by the customer's messages.
	restrictConvs = 2_000
	// searchSync is how many waiting records a search indexes before it looks.
	searchSync = 200
)

// window is how many postings of the driving term one query reads at most, and maxScan how
// many one request reads per kind before it returns what it has and a cursor. They bound the
// worst case (common words that rarely occur together, or a narrow date filter) instead of
// letting it scan a million postings. Variables so tests can make them small.
var (
	window  = 5_000
	maxScan = 50_000
)

// Service answers searches.
type Service struct {
	DB *store.DB
	// HashPhone is the keyed phone hash (pii.Box.Hash); nil disables phone search.
	HashPhone func(phone string) string
}

// kindSpec is how one kind is read.
type kindSpec struct {
	kind     Kind
	table    string // the record's table, aliased r
	joins    string // what the columns need besides
	id       string
	cols     string // id, conversation id, customer id, title, body, created_at
	customer string
	conv     string
	order    string // "" when the kind has no order
	created  string
	text     func(title, body string) string
}

var specs = []kindSpec{
	{KindMessage, `messages r`, ` JOIN conversations c ON c.id = r.conversation_id`, "r.id",
		"r.id, r.conversation_id, c.customer_id, c.subject, r.body, r.created_at", "c.customer_id", "r.conversation_id", "", "r.created_at",
		func(_, body string) string { return body }},
	{KindConversation, `conversations r`, "", "r.id",
		"r.id, r.id, r.customer_id, r.subject, r.subject, r.created_at", "r.customer_id", "r.id", "", "r.created_at",
		func(title, _ string) string { return title }},
	{KindTicket, `tickets r`, "", "r.id",
		"r.id, r.conversation_id, r.customer_id, r.subject, r.description, r.created_at", "r.customer_id", "r.conversation_id", "r.order_id", "r.created_at",
		func(title, body string) string { return title + "\n" + body }},
}

// scope is what the non-text criteria resolved to.
type scope struct {
	restrict  bool // only these customers' records
	customers []int64
	convs     []int64 // the customers' conversations, when few enough to drive the search
	orderID   int64
}

// Search finds records newest first. Hostile text is harmless: it is cut into terms, and
// wildcards, quotes and control characters are never terms; text with no term at all (only
// symbols, or one Chinese character) is refused with 400, as is text over MaxQueryRunes.
func (s *Service) Search(ctx context.Context, q Query) (*Page, error) {
	if !utf8.ValidString(q.Text) || strings.ContainsRune(q.Text, 0) {
		return nil, apperr.Invalid("q", "must be valid UTF-8 text")
	}
	q.Text = strings.TrimSpace(q.Text)
	q.OrderNumber = strings.TrimSpace(q.OrderNumber)
	q.Phone = strings.TrimSpace(q.Phone)
	if utf8.RuneCountInString(q.Text) > MaxQueryRunes {
		return nil, apperr.Invalid("q", "must be at most "+strconv.Itoa(MaxQueryRunes)+" characters")
	}
	if q.Text == "" && q.CustomerID == 0 && q.ConversationID == 0 && q.OrderNumber == "" && q.Phone == "" {
		return nil, apperr.Invalid("q", "give text, a customer, a conversation, an order number or a phone number")
	}
	var words []string
	if q.Text != "" {
		seen := map[string]bool{}
		eachTerm(q.Text, func(t string) {
			if !seen[t] {
				seen[t] = true
				words = append(words, t)
			}
		})
		if len(words) == 0 {
			return nil, apperr.Invalid("q", "give at least two letters, digits or Chinese characters in a row")
		}
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	kinds := specs
	if q.Kind != "" {
		kinds = nil
		for _, k := range specs {
			if k.kind.String() == q.Kind {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			return nil, apperr.Invalid("kind", "must be one of "+strings.Join(Kinds, ", "))
		}
	} else if q.Before != 0 {
		return nil, apperr.Invalid("before", "needs kind: each kind pages on its own")
	}
	if q.Before < 0 {
		return nil, apperr.Invalid("before", "must be a positive whole number")
	}
	sc, ok, err := s.scope(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &Page{Items: []Hit{}, Next: map[string]int64{}}
	if !ok {
		return page, nil
	}
	// Conversations and tickets (and messages from bulk writers) are indexed by the catch-up
	// sweep, not when written: index what is waiting, normally nothing or a few rows, so what
	// was just created is found. A large backlog (after the upgrade) is left to the job.
	if q.Text != "" {
		if _, err := Sync(ctx, s.DB, searchSync); err != nil {
			return nil, err
		}
	}
	hl := q.Text
	if hl == "" {
		hl = q.OrderNumber
	}
	for _, k := range kinds {
		if sc.orderID > 0 && k.order == "" && !sc.restrict {
			continue // a guest order: only its tickets are tied to it
		}
		hits, next, err := s.searchKind(ctx, k, q, sc, words)
		if err != nil {
			return nil, err
		}
		for i := range hits {
			hits[i].Snippet = search.Highlight(hits[i].Snippet.Text, hl, 160)
		}
		page.Items = append(page.Items, hits...)
		if next > 0 {
			page.Next[k.kind.String()] = next
		}
	}
	return page, nil
}

// scope resolves customer, phone and order into customer ids and an order id. ok is false
// when the criteria match nothing (an unknown phone or order, or criteria that disagree).
func (s *Service) scope(ctx context.Context, q Query) (sc scope, ok bool, err error) {
	if q.CustomerID > 0 {
		sc.customers, sc.restrict = []int64{q.CustomerID}, true
	}
	if q.Phone != "" {
		if s.HashPhone == nil {
			return sc, false, apperr.New(501, "phone_search_unavailable", "phone search needs the PII key")
		}
		var ids []int64
		if h := s.HashPhone(q.Phone); h != "" { // "" is not a phone number at all: nobody has it
			if ids, err = s.ids(ctx, `SELECT id FROM customers WHERE phone_hash = ?`, h); err != nil {
				return sc, false, err
			}
		}
		sc.customers, sc.restrict = intersect(sc.customers, ids, sc.restrict), true
	}
	if q.OrderNumber != "" {
		var cust sql.NullInt64
		err := s.DB.QueryRow(ctx, `SELECT id, customer_id FROM orders WHERE number = ?`, q.OrderNumber).Scan(&sc.orderID, &cust)
		if store.IsNoRows(err) {
			return sc, false, nil
		}
		if err != nil {
			return sc, false, err
		}
		if cust.Valid {
			sc.customers, sc.restrict = intersect(sc.customers, []int64{cust.Int64}, sc.restrict), true
		}
	}
	if sc.restrict && len(sc.customers) == 0 {
		return sc, false, nil
	}
	if sc.restrict && q.ConversationID == 0 {
		convs, err := s.ids(ctx, `SELECT id FROM conversations WHERE customer_id IN (`+joinIDs(sc.customers)+`) LIMIT `+strconv.Itoa(restrictConvs+1))
		if err != nil {
			return sc, false, err
		}
		if len(convs) <= restrictConvs {
			sc.convs = convs
		}
	}
	return sc, true, nil
}

// searchKind returns up to q.Limit hits of one kind and the cursor to continue from (0 when
// there is nothing more).
func (s *Service) searchKind(ctx context.Context, k kindSpec, q Query, sc scope, words []string) ([]Hit, int64, error) {
	var filter store.Where
	if sc.restrict {
		if k.kind == KindMessage && sc.convs != nil {
			if len(sc.convs) == 0 {
				return nil, 0, nil
			}
			filter.Add(k.conv + " IN (" + joinIDs(sc.convs) + ")")
		} else {
			filter.Add(k.customer + " IN (" + joinIDs(sc.customers) + ")")
		}
	}
	if sc.orderID > 0 && k.order != "" {
		filter.Add(k.order+" = ?", sc.orderID)
	}
	if q.ConversationID > 0 {
		filter.Add(k.conv+" = ?", q.ConversationID)
	}
	if q.From != nil {
		filter.Add(k.created+" >= ?", q.From.UTC())
	}
	if q.To != nil {
		filter.Add(k.created+" < ?", q.To.UTC())
	}
	cursor := int64(math.MaxInt64)
	if q.Before > 0 {
		cursor = q.Before
	}
	// Terms of this kind, rarest first; a term nobody has means no hit.
	var terms []int64
	var want map[int64]bool
	if len(words) > 0 {
		want = map[int64]bool{}
		for _, w := range words {
			t := hashTerm(k.kind, w)
			if !want[t] {
				want[t] = true
				terms = append(terms, t)
			}
		}
		var err error
		if terms, err = s.rarestFirst(ctx, terms); err != nil || terms == nil {
			return nil, 0, err
		}
	}
	// A customer's or a conversation's records are few: read them newest first and check the
	// terms by primary key. Otherwise the rarest term's postings drive, in windows.
	recordDriven := len(terms) == 0 || q.ConversationID > 0 || (sc.restrict && (k.kind != KindMessage || sc.convs != nil))
	var out []Hit
	scanned := 0
	for round := 0; len(out) < q.Limit; round++ {
		need := q.Limit - len(out)
		fetch := need
		var query string
		var args []any
		var lo int64
		if recordDriven {
			if round >= recordRounds {
				return out, cursor, nil
			}
			// The terms are checked on the text, not by EXISTS on the postings: for a few
			// hundred records that is cheaper and steadier than any plan over a common term's
			// whole posting list (PostgreSQL chose to merge-join 80,000 postings for 560 rows).
			w := filterWith(filter, k.id+" < ?", cursor)
			if len(terms) > 0 {
				fetch = recordBatch
			}
			query = `SELECT ` + k.cols + ` FROM ` + k.table + k.joins + w.SQL() + ` ORDER BY ` + k.id + ` DESC LIMIT ` + strconv.Itoa(fetch)
			args = w.Args()
		} else {
			if scanned >= maxScan {
				return out, cursor, nil
			}
			var err error
			if lo, err = s.windowFloor(ctx, terms[0], cursor); err != nil {
				return nil, 0, err
			}
			w := filterWith(filter, "s.term = ?", terms[0])
			w.Add("s.record_id < ?", cursor)
			if lo > 0 {
				w.Add("s.record_id >= ?", lo)
			}
			for i, t := range terms[1:min(len(terms), probeTerms)] {
				w.Add(exists(i, "s.record_id"), t)
			}
			query = `SELECT ` + k.cols + ` FROM search_terms s JOIN ` + k.table + ` ON ` + k.id + ` = s.record_id` + k.joins + w.SQL() +
				` ORDER BY s.record_id DESC LIMIT ` + strconv.Itoa(fetch)
			args = w.Args()
		}
		got, last, err := s.read(ctx, k, query, args, want, need)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, got...)
		switch {
		case last.n == fetch || len(out) == q.Limit: // this range may hold more: continue right after the last row read
			cursor = last.id
		case recordDriven || lo == 0: // read everything there is
			return out, 0, nil
		default: // the window is done: the next one starts below it
			cursor = lo
			scanned += window
		}
	}
	return out, cursor, nil
}

// filterWith copies f and adds one clause.
func filterWith(f store.Where, clause string, args ...any) *store.Where {
	var w store.Where
	if sqlText := f.SQL(); sqlText != "" {
		w.Add(strings.TrimPrefix(sqlText, " WHERE "), f.Args()...)
	}
	w.Add(clause, args...)
	return &w
}

// exists checks one more term of the record by primary key.
func exists(i int, idExpr string) string {
	a := "e" + strconv.Itoa(i)
	return `EXISTS (SELECT 1 FROM search_terms ` + a + ` WHERE ` + a + `.term = ? AND ` + a + `.record_id = ` + idExpr + `)`
}

type lastRead struct {
	n  int   // rows the database returned
	id int64 // the last one's id
}

// read runs a candidate query and keeps the rows whose text really holds every term (the
// database checked at most probeTerms of them; hash collisions and stale postings drop here).
func (s *Service) read(ctx context.Context, k kindSpec, query string, args []any, want map[int64]bool, need int) ([]Hit, lastRead, error) {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, lastRead{}, err
	}
	defer rows.Close()
	var out []Hit
	var last lastRead
	for len(out) < need && rows.Next() { // stop at need: the cursor must not pass unread hits
		var h Hit
		var conv, cust sql.NullInt64
		var title, body string
		if err := rows.Scan(&h.ID, &conv, &cust, &title, &body, &h.At); err != nil {
			return nil, last, err
		}
		last.n, last.id = last.n+1, h.ID
		text := k.text(title, body)
		if len(want) > 0 && !holdsAll(k.kind, text, want) {
			continue
		}
		h.Kind, h.ConversationID, h.Title, h.At = k.kind.String(), conv.Int64, title, h.At.UTC()
		if cust.Valid {
			h.CustomerID = &cust.Int64
		}
		h.Snippet.Text = text // highlighted by the caller
		out = append(out, h)
	}
	return out, last, rows.Err()
}

func holdsAll(kind Kind, text string, want map[int64]bool) bool {
	have := termSet(kind, text)
	for t := range want {
		if !have[t] {
			return false
		}
	}
	return true
}

// rarestFirst orders terms by how many records hold them (counted up to dfCap), or returns
// nil when one of them is held by none. Long queries count a sample of their terms: the
// rarest of those drives and the rest are checked on the text.
func (s *Service) rarestFirst(ctx context.Context, terms []int64) ([]int64, error) {
	sample := terms
	if len(sample) > dfSample {
		sample = make([]int64, 0, dfSample)
		for i := 0; i < dfSample; i++ {
			sample = append(sample, terms[i*len(terms)/dfSample])
		}
	}
	df := map[int64]int{}
	for _, t := range sample {
		var n int
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_terms WHERE term = ? LIMIT `+strconv.Itoa(dfCap)+`) x`, t).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, nil
		}
		df[t] = n
	}
	sort.SliceStable(sample, func(i, j int) bool { return df[sample[i]] < df[sample[j]] })
	return sample, nil
}

// windowFloor is the lowest record id among the next `window` postings of term below cursor,
// or 0 when fewer remain (the window then reaches the end of the list).
func (s *Service) windowFloor(ctx context.Context, term, cursor int64) (int64, error) {
	var lo int64
	err := s.DB.QueryRow(ctx, `SELECT record_id FROM search_terms WHERE term = ? AND record_id < ? ORDER BY record_id DESC LIMIT 1 OFFSET `+strconv.Itoa(window-1), term, cursor).Scan(&lo)
	if store.IsNoRows(err) {
		return 0, nil
	}
	return lo, err
}

func (s *Service) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// intersect narrows have to want when have is already a constraint, else takes want.
func intersect(have, want []int64, constrained bool) []int64 {
	if !constrained {
		return want
	}
	var out []int64
	for _, h := range have {
		for _, w := range want {
			if h == w {
				out = append(out, h)
			}
		}
	}
	return out
}

// joinIDs renders database ids for an IN list (integers, never user text).
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
