// Package bot is kefu's service bot: for each customer message while the bot owns the
// conversation it runs NLU → dialogue state → action → reply, in the customer's language.
// It solves the simple cases itself (order status, logistics, urge, cancel, address change,
// after-sales requests, policy and product questions) and hands the rest to people with the
// whole context.
//
// The bot names what it consumes as small interfaces (this file), so it can be tested and
// replayed with the real services behind them, and so the services do not depend on it.
package bot

import (
	"context"
	"time"

	"kefu/internal/aftersales"
	"kefu/internal/commerce"
)

// Understanding is what NLU says about one message.
type Understanding struct {
	Lang       string   `json:"lang"`
	Intent     string   `json:"intent"`
	Confidence float64  `json:"confidence"`
	Top        []Scored `json:"top,omitempty"`
	Entities   []Entity `json:"entities,omitempty"`
	Sentiment  Feeling  `json:"sentiment"`
}

// Scored is an intent with its confidence.
type Scored struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Entity is an extracted entity: Type (order_number, tracking_number, phone, money, date,
// product, size, color, city…), the Text as written and its normalised Value.
type Entity struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Value string `json:"value"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Feeling is sentiment plus the anger and urgency signals that drive handoff.
type Feeling struct {
	Polarity string   `json:"polarity"` // positive, neutral, negative
	Score    float64  `json:"score"`    // -1 … 1
	Anger    bool     `json:"anger"`
	Urgency  bool     `json:"urgency"`
	Signals  []string `json:"signals,omitempty"`
}

// Understander runs NLU on a message.
type Understander interface {
	Understand(ctx context.Context, text string) Understanding
}

// Orders is what the bot needs from the shop's orders.
type Orders interface {
	RecentOrders(ctx context.Context, customerID int64, limit int) ([]*commerce.Order, error)
	OrderByNumber(ctx context.Context, number string) (*commerce.Order, error)
	CancelOrder(ctx context.Context, orderID int64) error
	ChangeAddress(ctx context.Context, orderID int64, a commerce.Address) error
	// ItemCategories reports, per SKU of the order, the product category and whether
	// no-reason returns apply, for the after-sales policy.
	ItemCategories(ctx context.Context, orderID int64) (map[string]commerce.ItemCategory, error)
}

// Knowledge answers policy and how-to questions from the knowledge base.
type Knowledge interface {
	// Answer returns the best article for the question, with a calibrated score in [0,1] and
	// the decision the score supports: "answer", "suggest" or "handoff". Nil when nothing fits.
	Answer(ctx context.Context, q KBQuestion) (*KBAnswer, error)
}

// KBQuestion is a customer question in context: the tier selects articles written for that
// audience, the conversation fills placeholders such as {order.number}.
type KBQuestion struct {
	Text           string
	Lang           string
	Intent         string
	IntentScore    float64 // NLU's calibrated confidence in Intent
	Tier           string
	ConversationID int64
}

// KBAnswer is a knowledge-base hit the bot can show.
type KBAnswer struct {
	ArticleID int64    `json:"article_id"`
	Title     string   `json:"title"`
	Answer    string   `json:"answer"`
	Score     float64  `json:"score"`
	Decision  string   `json:"decision"`
	Related   []string `json:"related,omitempty"` // other titles to offer as quick replies
}

// Catalog answers product questions.
type Catalog interface {
	FindProducts(ctx context.Context, query string, limit int) ([]*commerce.Product, error)
}

// Cases opens and reads after-sales cases.
type Cases interface {
	Policy(ctx context.Context) aftersales.Policy
	OpenCase(ctx context.Context, req CaseRequest) (*CaseResult, error)
	LatestCases(ctx context.Context, customerID int64, limit int) ([]CaseView, error)
}

// CaseRequest asks for an after-sales case the policy engine has already decided on.
type CaseRequest struct {
	ConversationID int64
	CustomerID     int64
	OrderID        int64
	Kind           aftersales.Kind
	Reason         aftersales.Reason
	ReasonText     string
	Evidence       []string              // attachment references
	Items          []aftersales.CaseItem // the order lines (and quantities) the request is about; empty = the whole order
	Decision       aftersales.Decision
	RequestedCents int64
	Lang           string // the language the customer is writing in: case updates follow it
}

// CaseResult is the opened case.
type CaseResult struct {
	ID     int64  `json:"id"`
	Ref    string `json:"ref"` // customer-facing reference, e.g. AS000042
	Kind   string `json:"type"`
	Status string `json:"status"`
}

// CaseView is a case as the customer may see it.
type CaseView struct {
	ID          int64     `json:"id"`
	Ref         string    `json:"ref"`
	Kind        string    `json:"type"`
	Status      string    `json:"status"`
	OrderNumber string    `json:"order_number"`
	Cents       int64     `json:"amount_cents"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Handoff passes a conversation to people: it creates or updates a ticket with the summary,
// routes it to a team queue and says how long the customer should expect to wait.
type Handoff interface {
	HandOff(ctx context.Context, req HandoffRequest) (*HandoffResult, error)
}

// HandoffRequest is the whole context an agent needs so the customer never repeats themselves.
type HandoffRequest struct {
	ConversationID int64         `json:"conversation_id"`
	CustomerID     int64         `json:"customer_id"`
	Tier           string        `json:"tier"`
	Lang           string        `json:"lang"`
	Reason         string        `json:"reason"` // explicit_request, low_confidence, anger, negative_sentiment, vip_aftersales, flow_failure, policy_exception, complaint
	ReasonText     string        `json:"reason_text"`
	Intent         string        `json:"intent"`
	Understanding  Understanding `json:"understanding"`
	OrderID        int64         `json:"order_id,omitempty"`
	OrderNumber    string        `json:"order_number,omitempty"`
	OrderCents     int64         `json:"order_cents,omitempty"`
	CaseID         int64         `json:"case_id,omitempty"`
	Attempts       []string      `json:"attempts"` // what the bot tried
	LastMessage    string        `json:"last_message"`
}

// HandoffResult tells the customer what happens next.
type HandoffResult struct {
	TicketID     int64     `json:"ticket_id"`
	TeamID       int64     `json:"team_id,omitempty"`
	AssigneeID   int64     `json:"assignee_id,omitempty"`
	Team         string    `json:"team"`
	WaitMinutes  int       `json:"wait_minutes"`
	OutsideHours bool      `json:"outside_hours"`
	NextOpen     time.Time `json:"next_open"`
}

// Customer is who the bot is talking to (ID 0 for an anonymous visitor).
type Customer struct {
	ID   int64
	Name string
	Tier string
	Lang string
}
