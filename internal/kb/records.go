package kb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/kb/search"
	"kefu/internal/store"
)

// RecordQuery searches beyond articles: conversations, messages and tickets. Criteria combine
// (AND); at least one is required.
type RecordQuery struct {
	Text        string // words in messages, conversation subjects, ticket subjects and descriptions
	CustomerID  int64
	OrderNumber string
	Phone       string // matched through customers.phone_hash (the keyed hash), never by decrypting
	Limit       int    // per kind, default 20
}

// RecordHit is one conversation, message or ticket found.
type RecordHit struct {
	Kind           string         `json:"kind"` // conversation, message, ticket
	ID             int64          `json:"id"`
	ConversationID int64          `json:"conversation_id,omitempty"`
	CustomerID     *int64         `json:"customer_id"`
	Title          string         `json:"title"`
	Snippet        search.Passage `json:"snippet"`
	At             time.Time      `json:"at"`
}

// SearchRecords finds conversations, messages and tickets for an agent, newest first.
func (s *Service) SearchRecords(ctx context.Context, q RecordQuery) ([]RecordHit, error) {
	var err error
	if q.Text, err = text("q", truncate(q.Text, 1000), 1000); err != nil {
		return nil, err
	}
	if q.OrderNumber, err = text("order", q.OrderNumber, 64); err != nil {
		return nil, err
	}
	if q.Text == "" && q.CustomerID == 0 && q.OrderNumber == "" && strings.TrimSpace(q.Phone) == "" {
		return nil, apperr.Invalid("q", "give text, a customer, an order number or a phone number")
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	// Customers the query is about: by id, by phone hash, by the order's customer.
	var customers []int64
	restrict := false
	if q.CustomerID > 0 {
		customers, restrict = append(customers, q.CustomerID), true
	}
	if p := strings.TrimSpace(q.Phone); p != "" {
		restrict = true
		if s.HashPhone == nil {
			return nil, apperr.New(501, "phone_search_unavailable", "phone search needs the PII key")
		}
		ids, err := s.ids(ctx, `SELECT id FROM customers WHERE phone_hash = ?`, s.HashPhone(p))
		if err != nil {
			return nil, err
		}
		customers = intersect(customers, ids, q.CustomerID > 0)
	}
	var orderID int64
	if q.OrderNumber != "" {
		restrict = true
		var cust int64
		err := s.DB.QueryRow(ctx, `SELECT id, customer_id FROM orders WHERE number = ?`, q.OrderNumber).Scan(&orderID, &cust)
		if err != nil && !store.IsNoRows(err) {
			return nil, err
		}
		if orderID == 0 {
			return []RecordHit{}, nil
		}
		customers = intersect(customers, []int64{cust}, q.CustomerID > 0 || strings.TrimSpace(q.Phone) != "")
	}
	if restrict && len(customers) == 0 {
		return []RecordHit{}, nil
	}
	like := "%" + store.EscapeLike(strings.ToLower(q.Text)) + "%"
	out := []RecordHit{}
	add := func(kind, query string, args []any, snippetOf func(title, body string) string) error {
		rows, err := s.DB.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h RecordHit
			var conv sql.NullInt64
			var title, body string
			if err := rows.Scan(&h.ID, &conv, &h.CustomerID, &title, &body, &h.At); err != nil {
				return err
			}
			h.Kind, h.ConversationID, h.Title, h.At = kind, conv.Int64, title, h.At.UTC()
			hl := q.Text
			if hl == "" {
				hl = q.OrderNumber
			}
			h.Snippet = search.Highlight(snippetOf(title, body), hl, 160)
			out = append(out, h)
		}
		return rows.Err()
	}
	filter := func(w *store.Where, customerCol, orderCol string, textCols ...string) {
		if restrict {
			args := make([]string, len(customers))
			for i, c := range customers {
				args[i] = itoa(int(c))
			}
			w.Add(customerCol + " IN (" + strings.Join(args, ",") + ")") // ids are integers from the database
		}
		if orderCol != "" && orderID > 0 {
			w.Add(orderCol+" = ?", orderID)
		}
		if q.Text != "" {
			parts := make([]string, len(textCols))
			args := make([]any, len(textCols))
			for i, c := range textCols {
				parts[i], args[i] = "LOWER("+c+`) LIKE ? ESCAPE '\'`, like
			}
			w.Add("("+strings.Join(parts, " OR ")+")", args...)
		}
	}
	var wm store.Where
	filter(&wm, "c.customer_id", "", "m.body")
	if err := add("message", `SELECT m.id, m.conversation_id, c.customer_id, c.subject, m.body, m.created_at
		FROM messages m JOIN conversations c ON c.id = m.conversation_id`+wm.SQL()+` ORDER BY m.id DESC LIMIT `+itoa(q.Limit), wm.Args(),
		func(_, body string) string { return body }); err != nil {
		return nil, err
	}
	var wc store.Where
	filter(&wc, "customer_id", "", "subject")
	if err := add("conversation", `SELECT id, id, customer_id, subject, subject, created_at FROM conversations`+wc.SQL()+` ORDER BY id DESC LIMIT `+itoa(q.Limit), wc.Args(),
		func(title, _ string) string { return title }); err != nil {
		return nil, err
	}
	var wt store.Where
	filter(&wt, "customer_id", "order_id", "subject", "description")
	if err := add("ticket", `SELECT id, conversation_id, customer_id, subject, description, created_at FROM tickets`+wt.SQL()+` ORDER BY id DESC LIMIT `+itoa(q.Limit), wt.Args(),
		func(title, body string) string { return title + "\n" + body }); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
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
