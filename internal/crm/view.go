package crm

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"kefu/internal/commerce"
)

// View360 is everything an agent needs about one customer, in one call: who they are, what
// they bought and where it is, every past contact and its outcome, how they felt, and what
// they did on the shop recently.
type View360 struct {
	Customer       *Customer             `json:"customer"`
	Orders         []*commerce.Order     `json:"orders"`
	OrderStats     OrderStats            `json:"order_stats"`
	Conversations  []ConversationSummary `json:"conversations"`
	Tickets        []TicketSummary       `json:"tickets"`
	Cases          []CaseSummary         `json:"aftersales_cases"`
	CSAT           []CSATEntry           `json:"csat"`
	SentimentTrend []SentimentPoint      `json:"sentiment_trend"`
	Behaviour      []BehaviourEvent      `json:"recent_behaviour"`
}

// OrderStats summarises the customer's whole history, not only the orders listed.
type OrderStats struct {
	Count      int   `json:"count"`
	SpentCents int64 `json:"spent_cents"`
	Refunded   int64 `json:"refunded_cents"`
}

// ConversationSummary is a past or current conversation.
type ConversationSummary struct {
	ID            int64      `json:"id"`
	Status        string     `json:"status"`
	HandledBy     string     `json:"handled_by"`
	Subject       string     `json:"subject"`
	CreatedAt     time.Time  `json:"created_at"`
	LastMessageAt *time.Time `json:"last_message_at"`
}

// TicketSummary is a ticket in the customer's history.
type TicketSummary struct {
	ID        int64     `json:"id"`
	Subject   string    `json:"subject"`
	Category  string    `json:"category"`
	Priority  string    `json:"priority"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

// CaseSummary is an after-sales case in the customer's history.
type CaseSummary struct {
	ID            int64     `json:"id"`
	Type          string    `json:"type"`
	Status        string    `json:"status"`
	OrderID       *int64    `json:"order_id"`
	RefundedCents int64     `json:"refunded_cents"`
	CreatedAt     time.Time `json:"created_at"`
}

// CSATEntry is one satisfaction answer.
type CSATEntry struct {
	TicketID  *int64    `json:"ticket_id"`
	Score     int       `json:"score"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
}

// SentimentPoint is the mean sentiment of the customer's messages on one day (Asia/Shanghai).
type SentimentPoint struct {
	Day      string  `json:"day"`
	Score    float64 `json:"score"` // −1 … 1
	Messages int     `json:"messages"`
}

// BehaviourEvent is a view, cart, purchase or search on the shop.
type BehaviourEvent struct {
	Kind      string    `json:"kind"`
	ProductID *int64    `json:"product_id"`
	Query     string    `json:"query,omitempty"`
	At        time.Time `json:"at"`
}

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// View builds the customer 360. Each list is the most recent few; stats cover everything.
func (s *Service) View(ctx context.Context, id int64, orders *commerce.Service) (*View360, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &View360{Customer: c, Conversations: []ConversationSummary{}, Tickets: []TicketSummary{}, Cases: []CaseSummary{},
		CSAT: []CSATEntry{}, SentimentTrend: []SentimentPoint{}, Behaviour: []BehaviourEvent{}}
	if v.Orders, err = orders.RecentOrders(ctx, id, 10); err != nil {
		return nil, err
	}
	if v.Orders == nil {
		v.Orders = []*commerce.Order{}
	}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status <> 'cancelled' THEN total_cents ELSE 0 END), 0), COALESCE(SUM(refunded_cents), 0) FROM orders WHERE customer_id = ?`, id).
		Scan(&v.OrderStats.Count, &v.OrderStats.SpentCents, &v.OrderStats.Refunded); err != nil {
		return nil, err
	}
	if err := s.collect(ctx, `SELECT id, status, handled_by, subject, created_at, last_message_at FROM conversations WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT 10`, id,
		func(sc func(...any) error) error {
			var x ConversationSummary
			if err := sc(&x.ID, &x.Status, &x.HandledBy, &x.Subject, &x.CreatedAt, &x.LastMessageAt); err != nil {
				return err
			}
			v.Conversations = append(v.Conversations, x)
			return nil
		}); err != nil {
		return nil, err
	}
	if err := s.collect(ctx, `SELECT id, subject, category, priority, status, created_at FROM tickets WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT 10`, id,
		func(sc func(...any) error) error {
			var x TicketSummary
			if err := sc(&x.ID, &x.Subject, &x.Category, &x.Priority, &x.Status, &x.CreatedAt); err != nil {
				return err
			}
			v.Tickets = append(v.Tickets, x)
			return nil
		}); err != nil {
		return nil, err
	}
	if err := s.collect(ctx, `SELECT id, type, status, order_id, refunded_cents, created_at FROM aftersales_cases WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT 10`, id,
		func(sc func(...any) error) error {
			var x CaseSummary
			if err := sc(&x.ID, &x.Type, &x.Status, &x.OrderID, &x.RefundedCents, &x.CreatedAt); err != nil {
				return err
			}
			v.Cases = append(v.Cases, x)
			return nil
		}); err != nil {
		return nil, err
	}
	if err := s.collect(ctx, `SELECT ticket_id, score, comment, created_at FROM csat_responses WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT 20`, id,
		func(sc func(...any) error) error {
			var x CSATEntry
			if err := sc(&x.TicketID, &x.Score, &x.Comment, &x.CreatedAt); err != nil {
				return err
			}
			v.CSAT = append(v.CSAT, x)
			return nil
		}); err != nil {
		return nil, err
	}
	if err := s.collect(ctx, `SELECT kind, product_id, query, at FROM behaviour_events WHERE customer_id = ? ORDER BY at DESC, id DESC LIMIT 20`, id,
		func(sc func(...any) error) error {
			var x BehaviourEvent
			if err := sc(&x.Kind, &x.ProductID, &x.Query, &x.At); err != nil {
				return err
			}
			v.Behaviour = append(v.Behaviour, x)
			return nil
		}); err != nil {
		return nil, err
	}
	v.SentimentTrend, err = s.sentimentTrend(ctx, id)
	return v, err
}

func (s *Service) collect(ctx context.Context, q string, id int64, each func(scan func(...any) error) error) error {
	rows, err := s.DB.Query(ctx, q, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sentimentTrend averages the NLU sentiment of the customer's last 300 messages per day.
func (s *Service) sentimentTrend(ctx context.Context, id int64) ([]SentimentPoint, error) {
	rows, err := s.DB.Query(ctx, `SELECT m.created_at, m.nlu FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.customer_id = ? AND m.sender_kind = 'customer' ORDER BY m.id DESC LIMIT 300`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sums := map[string]*SentimentPoint{}
	for rows.Next() {
		var at time.Time
		var raw string
		if err := rows.Scan(&at, &raw); err != nil {
			return nil, err
		}
		var ann struct {
			Sentiment *struct {
				Score float64 `json:"score"`
			} `json:"sentiment"`
		}
		if json.Unmarshal([]byte(raw), &ann) != nil || ann.Sentiment == nil {
			continue
		}
		day := at.In(shanghai).Format("2006-01-02")
		p := sums[day]
		if p == nil {
			p = &SentimentPoint{Day: day}
			sums[day] = p
		}
		p.Score += ann.Sentiment.Score
		p.Messages++
	}
	out := []SentimentPoint{}
	for _, p := range sums {
		p.Score /= float64(p.Messages)
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out, rows.Err()
}
