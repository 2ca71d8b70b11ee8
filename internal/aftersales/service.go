package aftersales

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// Service persists after-sales cases: creation runs the policy engine and stores its decision
// (with the rule that decided) in one transaction; transitions use the case state machines
// with optimistic concurrency; every state change records an event and a customer notification.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// NewService returns an after-sales service using the wall clock.
func NewService(db *store.DB) *Service { return &Service{DB: db, Now: time.Now} }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// SettingPolicy is the `settings` key holding the shop's policy JSON.
const SettingPolicy = "aftersales.policy"

// Policy returns the shop's policy, or DefaultPolicy when none is stored.
func (s *Service) Policy(ctx context.Context) (Policy, error) { return s.policy(ctx, s.DB) }

func (s *Service) policy(ctx context.Context, q store.Querier) (Policy, error) {
	var raw string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, SettingPolicy).Scan(&raw)
	if store.IsNoRows(err) {
		return DefaultPolicy(), nil
	}
	if err != nil {
		return Policy{}, err
	}
	return ParsePolicy([]byte(raw))
}

// SetPolicy validates and stores the shop's policy.
func (s *Service) SetPolicy(ctx context.Context, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(p)
	_, err := s.DB.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, SettingPolicy, string(b), s.now())
	return err
}

// CaseItem is an order line (and how many units) a case is about.
type CaseItem struct {
	OrderItemID int64 `json:"order_item_id"`
	Qty         int   `json:"qty"`
}

// CreateInput is a customer's (or an agent's, or the bot's) after-sales request.
type CreateInput struct {
	Kind        Kind       `json:"kind"`
	CustomerID  int64      `json:"customer_id"`
	OrderID     int64      `json:"order_id"` // required except for complaints
	TicketID    int64      `json:"ticket_id"`
	Reason      Reason     `json:"reason"`
	Description string     `json:"description"`
	Items       []CaseItem `json:"items"`
	Evidence    []int64    `json:"evidence"` // attachment ids (photos)
	// EvidenceMessages are ids of image messages the customer sent in a conversation.
	EvidenceMessages []int64 `json:"evidence_messages"`
	// Lang is the language the customer is kept informed in (zh or en); empty means the
	// language of their profile. The bot passes the language the customer is writing in.
	Lang string `json:"lang"`
}

// Record is a stored case.
type Record struct {
	ID                  int64      `json:"id"`
	Ref                 string     `json:"ref"`
	Kind                Kind       `json:"kind"`
	State               State      `json:"state"`
	CustomerID          int64      `json:"customer_id"`
	OrderID             *int64     `json:"order_id"`
	TicketID            *int64     `json:"ticket_id"`
	Reason              Reason     `json:"reason"`
	Description         string     `json:"description"`
	Items               []CaseItem `json:"items"`
	RequestedCents      Money      `json:"requested_cents"`
	ApprovedCents       Money      `json:"approved_cents"`
	RefundedCents       Money      `json:"refunded_cents"`
	ReturnShippingPayer Payer      `json:"return_shipping_payer"`
	ReturnTracking      string     `json:"return_tracking_number"`
	OutboundTracking    string     `json:"outbound_tracking_number"`
	Appeals             int        `json:"appeals"`
	ReturnDueAt         *time.Time `json:"return_due_at"` // while awaiting the return shipment
	ReturnReopens       int        `json:"return_reopens"`
	Evidence            []int64    `json:"evidence"`
	EvidenceMessages    []int64    `json:"evidence_messages"`
	Decision            Decision   `json:"decision"`
	Lang                string     `json:"lang"`
	Version             int        `json:"version"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	ClosedAt            *time.Time `json:"closed_at"`
}

// CaseRef is the public reference customers see: "AS-88".
func CaseRef(id int64) string { return fmt.Sprintf("AS-%d", id) }

func (r *Record) asCase() Case {
	return Case{Kind: r.Kind, State: r.State, ReturnTracking: r.ReturnTracking, OutboundTracking: r.OutboundTracking,
		RefundLimit: r.ApprovedCents, Refunded: r.RefundedCents, Appeals: r.Appeals, ReturnReopens: r.ReturnReopens}
}

// Create files a case: the policy engine decides, the decision is stored with the case, an
// auto-approval or rejection is applied at once by the system, and the customer is told.
func (s *Service) Create(ctx context.Context, in CreateInput, actor Actor) (*Record, error) {
	var rec *Record
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		rec, err = s.CreateTx(ctx, tx, in, actor)
		return err
	})
	return rec, err
}

type orderLine struct {
	id, refundedQty, qty int64
	sku, title, category string
	unit                 Money
	noReasonOK           bool
	tags                 []string
}

// CreateTx is Create inside the caller's transaction.
func (s *Service) CreateTx(ctx context.Context, q store.Querier, in CreateInput, actor Actor) (*Record, error) {
	if _, ok := machines[in.Kind]; !ok {
		return nil, apperr.Invalid("kind", fmt.Sprintf("unknown case kind %q", in.Kind))
	}
	if in.Reason == "" {
		in.Reason = map[Kind]Reason{KindPriceProtection: ReasonPriceDrop, KindComplaint: ReasonService}[in.Kind]
		if in.Reason == "" {
			in.Reason = ReasonNoReason
		}
	}
	desc := strings.TrimSpace(in.Description)
	if !utf8.ValidString(desc) || strings.ContainsRune(desc, 0) || utf8.RuneCountInString(desc) > 2000 {
		return nil, apperr.Invalid("description", "must be valid text of at most 2000 characters")
	}
	if len(in.Evidence)+len(in.EvidenceMessages) > 20 {
		return nil, apperr.Invalid("evidence", "at most 20 photos")
	}
	if in.Lang != "" && in.Lang != "zh" && in.Lang != "en" {
		return nil, apperr.Invalid("lang", "must be zh, en or empty (the customer's profile language)")
	}
	var tier, lang string
	err := q.QueryRow(ctx, `SELECT tier, lang FROM customers WHERE id = ?`, in.CustomerID).Scan(&tier, &lang)
	if err == nil && (in.Lang == "zh" || in.Lang == "en") {
		lang = in.Lang
	}
	if store.IsNoRows(err) {
		return nil, apperr.Invalid("customer_id", "no such customer")
	} else if err != nil {
		return nil, err
	}
	if in.TicketID > 0 {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE id = ?`, in.TicketID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.Invalid("ticket_id", "no such ticket")
		}
	}
	for _, a := range in.Evidence {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE id = ?`, a).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.Invalid("evidence", fmt.Sprintf("no attachment %d", a))
		}
	}
	for _, m := range in.EvidenceMessages {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.id = ? AND m.content_type = 'image' AND m.sender_kind = 'customer' AND c.customer_id = ?`, m, in.CustomerID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.Invalid("evidence_messages", fmt.Sprintf("message %d is not an image this customer sent", m))
		}
	}
	now := s.now()
	req := Request{Kind: in.Kind, Tier: Tier(tier), Reason: in.Reason, Now: now, EvidencePhotos: len(in.Evidence) + len(in.EvidenceMessages)}
	pol, err := s.policy(ctx, q)
	if err != nil {
		return nil, err
	}
	var breakdown *RefundBreakdown
	if in.Kind != KindComplaint || in.OrderID > 0 {
		if breakdown, err = s.fillFromOrder(ctx, q, &in, pol, &req); err != nil {
			return nil, err
		}
	}
	if req.FreePickupsUsedThisMonth, err = s.freePickupsUsed(ctx, q, in.CustomerID, now); err != nil {
		return nil, err
	}
	d, err := Evaluate(pol, req)
	if err != nil {
		return nil, err
	}
	d.Refund = breakdown
	var orderID any
	if in.OrderID > 0 {
		orderID = in.OrderID
	}
	var ticketID any
	if in.TicketID > 0 {
		ticketID = in.TicketID
	}
	items := in.Items
	if items == nil {
		items = []CaseItem{}
	}
	evidence, evidenceMsgs := in.Evidence, in.EvidenceMessages
	if evidence == nil {
		evidence = []int64{}
	}
	if evidenceMsgs == nil {
		evidenceMsgs = []int64{}
	}
	initial := InitialState(in.Kind)
	id, err := store.InsertID(ctx, q, `INSERT INTO aftersales_cases (type, status, customer_id, order_id, ticket_id, reason_code,
		reason, items, requested_cents, return_shipping_payer, evidence, evidence_messages, decision, lang, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		string(in.Kind), string(initial), in.CustomerID, orderID, ticketID, string(in.Reason), desc, toJSON(items),
		int64(d.Amount), string(d.ReturnShippingPaidBy), toJSON(evidence), toJSON(evidenceMsgs), toJSON(d), lang, now, now)
	if err != nil {
		return nil, err
	}
	if err := insertCaseEvent(ctx, q, id, now, actor, "", initial, desc, map[string]any{"decision": d.Outcome, "rule_id": d.RuleID}); err != nil {
		return nil, err
	}
	rec, err := s.get(ctx, q, id)
	if err != nil {
		return nil, err
	}
	// The engine's verdict is applied by the system, so the history shows who decided what.
	switch d.Outcome {
	case OutcomeAutoApprove:
		if in.Kind != KindComplaint {
			if rec, err = s.apply(ctx, q, rec, Event{Name: EventApprove, Amount: d.Amount, Note: d.RuleID}, Actor{Kind: ActorSystem}, now, false); err != nil {
				return nil, err
			}
		}
	case OutcomeReject:
		note := Message{ZH: d.ReasonZH, EN: d.ReasonEN}.In(lang)
		if rec, err = s.apply(ctx, q, rec, Event{Name: EventReject, Note: note}, Actor{Kind: ActorSystem}, now, false); err != nil {
			return nil, err
		}
	}
	if err := notify(ctx, q, rec, "case.created", DecisionMessage(rec.Ref, rec.Kind, d), now); err != nil {
		return nil, err
	}
	return rec, nil
}

// policyMonth is the calendar the published policy counts months in (Beijing time).
var policyMonth = time.FixedZone("CST", 8*3600)

// freePickupsUsed counts the customer's cases this calendar month whose return pickup the
// shop paid under the tier's monthly allowance (cancelled and rejected ones give it back).
func (s *Service) freePickupsUsed(ctx context.Context, q store.Querier, customerID int64, now time.Time) (int, error) {
	local := now.In(policyMonth)
	start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, policyMonth).UTC()
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM aftersales_cases WHERE customer_id = ? AND created_at >= ?
		AND status NOT IN ('cancelled', 'rejected') AND decision LIKE ?`,
		customerID, start, `%"shipping_rule_id":"`+MonthlyFreePickupRule+`"%`).Scan(&n)
	return n, err
}

// fillFromOrder completes the request from the stored order: times, items with their catalogue
// category, and the money at stake (the refund the policy would pay, or the goods' value).
// With no items named, the case covers every unit of the order not yet refunded ("return the
// order"), and in.Items is filled in so the stored case says exactly what it covers.
func (s *Service) fillFromOrder(ctx context.Context, q store.Querier, in *CreateInput, pol Policy, req *Request) (*RefundBreakdown, error) {
	if in.OrderID <= 0 {
		return nil, apperr.Invalid("order_id", "an order is required for this kind of case")
	}
	var owner int64
	var shipping, discount, refunded int64
	var paidAt, shippedAt, deliveredAt *time.Time
	err := q.QueryRow(ctx, `SELECT customer_id, shipping_cents, discount_cents, refunded_cents, paid_at, shipped_at, delivered_at
		FROM orders WHERE id = ?`, in.OrderID).Scan(&owner, &shipping, &discount, &refunded, &paidAt, &shippedAt, &deliveredAt)
	if store.IsNoRows(err) {
		return nil, apperr.Invalid("order_id", "no such order")
	} else if err != nil {
		return nil, err
	}
	if owner != in.CustomerID {
		return nil, apperr.Invalid("order_id", "the order belongs to another customer")
	}
	if paidAt == nil {
		return nil, apperr.Invalid("order_id", "the order has not been paid")
	}
	req.PaidAt = *paidAt
	if shippedAt != nil {
		req.ShippedAt = *shippedAt
	}
	if deliveredAt != nil {
		req.DeliveredAt = *deliveredAt
	}
	rows, err := q.Query(ctx, `SELECT oi.id, oi.sku, oi.title, oi.qty, oi.unit_price_cents, oi.refunded_qty,
		COALESCE(c.slug, ''), COALESCE(c.no_reason_return, ?), COALESCE(p.tags, '[]') FROM order_items oi
		LEFT JOIN products p ON p.id = oi.product_id LEFT JOIN categories c ON c.id = p.category_id
		WHERE oi.order_id = ? ORDER BY oi.id`, true, in.OrderID)
	if err != nil {
		return nil, err
	}
	var lines []orderLine
	for rows.Next() {
		var l orderLine
		var unit int64
		var tags string
		if err := rows.Scan(&l.id, &l.sku, &l.title, &l.qty, &unit, &l.refundedQty, &l.category, &l.noReasonOK, &tags); err != nil {
			rows.Close()
			return nil, err
		}
		_ = json.Unmarshal([]byte(tags), &l.tags)
		l.unit = Money(unit)
		lines = append(lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byID := map[int64]orderLine{}
	order := Order{ShippingFee: Money(shipping), Discount: Money(discount), Refunded: Money(refunded), Shipped: shippedAt != nil}
	for _, l := range lines {
		byID[l.id] = l
		// Lines are keyed by order-item id: a SKU may appear on two lines of one order.
		order.Lines = append(order.Lines, OrderLine{SKU: strconv.FormatInt(l.id, 10), Qty: int(l.qty), UnitPrice: l.unit, RefundedQty: int(l.refundedQty)})
	}
	if len(in.Items) == 0 && in.Kind != KindComplaint {
		for _, l := range lines {
			if left := int(l.qty - l.refundedQty); left > 0 {
				in.Items = append(in.Items, CaseItem{OrderItemID: l.id, Qty: left})
			}
		}
		if len(in.Items) == 0 {
			return nil, apperr.Invalid("items", "every item of this order has already been refunded")
		}
	}
	var refund []RefundLine
	var value Money
	seen := map[int64]bool{}
	for i, it := range in.Items {
		l, ok := byID[it.OrderItemID]
		if !ok {
			return nil, apperr.Invalid(fmt.Sprintf("items[%d].order_item_id", i), "not an item of this order")
		}
		if seen[it.OrderItemID] {
			return nil, apperr.Invalid(fmt.Sprintf("items[%d].order_item_id", i), "listed twice")
		}
		seen[it.OrderItemID] = true
		if left := int(l.qty - l.refundedQty); it.Qty <= 0 || it.Qty > left {
			return nil, apperr.Invalid(fmt.Sprintf("items[%d].qty", i), fmt.Sprintf("%d of this item can still be claimed", left))
		}
		req.Items = append(req.Items, Item{SKU: l.sku, Name: l.title, Category: l.category, Qty: it.Qty, ExcludedFromNoReason: !l.noReasonOK, Tags: l.tags})
		refund = append(refund, RefundLine{SKU: strconv.FormatInt(l.id, 10), Qty: it.Qty})
		value += l.unit * Money(it.Qty)
	}
	switch in.Kind {
	case KindReturn, KindRefundOnly:
		b, err := CalculateRefund(pol, order, refund, req.Reason)
		if err != nil {
			return nil, err
		}
		req.Amount = b.Total
		return &b, nil
	case KindExchange, KindRepair:
		req.Amount = value
	case KindPriceProtection:
		if len(in.Items) != 1 {
			return nil, apperr.Invalid("items", "price protection is claimed for one item at a time")
		}
		l := byID[in.Items[0].OrderItemID]
		var current int64
		err := q.QueryRow(ctx, `SELECT price_cents FROM product_variants WHERE sku = ?`, l.sku).Scan(&current)
		if store.IsNoRows(err) {
			err = q.QueryRow(ctx, `SELECT price_cents FROM products WHERE sku = ?`, l.sku).Scan(&current)
		}
		if store.IsNoRows(err) {
			return nil, apperr.Invalid("items", "the product is no longer sold, so there is no current price to compare")
		} else if err != nil {
			return nil, err
		}
		req.PaidUnitPrice, req.CurrentUnitPrice, req.Qty = l.unit, Money(current), in.Items[0].Qty
	}
	return nil, nil
}

// Transition applies an event to a case. version is what the editor saw (0: current, for
// system and customer actions); a concurrent change makes it fail with stale_version.
func (s *Service) Transition(ctx context.Context, id int64, version int, ev Event, actor Actor) (*Record, error) {
	var out *Record
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		rec, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if version != 0 && rec.Version != version {
			return staleVersion()
		}
		out, err = s.apply(ctx, tx, rec, ev, actor, s.now(), true)
		return err
	})
	return out, err
}

func staleVersion() error {
	return apperr.Conflict("stale_version", "the case was changed by someone else; reload it and try again")
}

// apply runs the state machine and writes the result, guarded by the version it read.
func (s *Service) apply(ctx context.Context, q store.Querier, rec *Record, ev Event, actor Actor, now time.Time, tell bool) (*Record, error) {
	next, err := Transition(rec.asCase(), ev, actor)
	if err != nil {
		return nil, err
	}
	approved := rec.ApprovedCents
	if ev.Name == EventApprove {
		approved = rec.RequestedCents
		if ev.Amount > 0 {
			if ev.Amount > MaxMoney {
				return nil, apperr.Invalid("amount", "amount out of range")
			}
			approved = ev.Amount
		}
	}
	if ev.Name == EventRefund && rec.OrderID != nil {
		// Never pay back more than the order still holds, whatever was approved.
		var total, refunded int64
		if err := q.QueryRow(ctx, `SELECT total_cents, refunded_cents FROM orders WHERE id = ?`, *rec.OrderID).Scan(&total, &refunded); err != nil {
			return nil, err
		}
		if left := Money(total - refunded); ev.Amount > left {
			return nil, apperr.Invalid("amount", fmt.Sprintf("only %s of the order is left to refund", left))
		}
		status := "partially_refunded"
		if Money(refunded)+ev.Amount >= Money(total) {
			status = "refunded"
		}
		if _, err := q.Exec(ctx, `UPDATE orders SET refunded_cents = refunded_cents + ?, payment_status = ?, updated_at = ? WHERE id = ?`,
			int64(ev.Amount), status, now, *rec.OrderID); err != nil {
			return nil, err
		}
		if rec.Kind == KindReturn || rec.Kind == KindRefundOnly {
			for _, it := range rec.Items {
				if _, err := q.Exec(ctx, `UPDATE order_items SET refunded_qty = refunded_qty + ? WHERE id = ? AND order_id = ? AND refunded_qty + ? <= qty`,
					it.Qty, it.OrderItemID, *rec.OrderID, it.Qty); err != nil {
					return nil, err
				}
			}
		}
	}
	// Entering awaiting_return_shipment (approved, or an expired return reopened) starts the
	// shipment deadline; leaving it stops it.
	var returnDue *time.Time
	if next.State == StateAwaitingReturnShipment {
		due, err := s.startReturnDeadline(ctx, q, rec, now)
		if err != nil {
			return nil, err
		}
		returnDue = &due
	} else if rec.State == StateAwaitingReturnShipment {
		if err := stopReturnDeadline(ctx, q, rec.ID); err != nil {
			return nil, err
		}
	}
	var closedAt any
	if IsTerminal(next.State) {
		closedAt = now
	} else if rec.ClosedAt != nil {
		closedAt = *rec.ClosedAt
	}
	res, err := q.Exec(ctx, `UPDATE aftersales_cases SET status = ?, approved_cents = ?, refunded_cents = ?, return_tracking_number = ?,
		outbound_tracking_number = ?, appeals = ?, return_due_at = ?, return_reopens = ?, version = version + 1, updated_at = ?, closed_at = ?
		WHERE id = ? AND version = ?`,
		string(next.State), int64(approved), int64(next.Refunded), next.ReturnTracking, next.OutboundTracking, next.Appeals,
		returnDue, next.ReturnReopens, now, closedAt, rec.ID, rec.Version)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, staleVersion()
	}
	data := map[string]any{"event": ev.Name}
	if ev.TrackingNumber != "" {
		data["tracking_number"] = next.ReturnTracking + next.OutboundTracking
	}
	if ev.Amount > 0 {
		data["amount"] = ev.Amount
	}
	if err := insertCaseEvent(ctx, q, rec.ID, now, actor, rec.State, next.State, next.LastNote, data); err != nil {
		return nil, err
	}
	out, err := s.get(ctx, q, rec.ID)
	if err != nil {
		return nil, err
	}
	if tell {
		c := next
		if out.ReturnDueAt != nil {
			c.ReturnDueAt = *out.ReturnDueAt
		}
		if err := notify(ctx, q, out, "case."+string(next.State), CaseMessage(out.Ref, c), now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func insertCaseEvent(ctx context.Context, q store.Querier, caseID int64, at time.Time, actor Actor, from, to State, note string, data any) error {
	kind := string(actor.Kind)
	if kind == "" {
		kind = string(ActorSystem)
	}
	var actorID any
	if actor.ID > 0 {
		actorID = actor.ID
	}
	_, err := q.Exec(ctx, `INSERT INTO aftersales_events (case_id, at, actor_kind, actor_id, from_status, to_status, note, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, caseID, at, kind, actorID, string(from), string(to), note, toJSON(data))
	return err
}

// notify records the customer-facing message in the case's language; the conversation module
// delivers pending chat notifications (to the customer's latest conversation).
func notify(ctx context.Context, q store.Querier, rec *Record, kind string, m Message, at time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO notifications (customer_id, ticket_id, case_id, channel, kind, body, status, created_at)
		VALUES (?, ?, ?, 'chat', ?, ?, 'pending', ?)`, rec.CustomerID, rec.TicketID, rec.ID, kind, m.In(rec.Lang), at)
	return err
}

const caseColumns = `id, type, status, customer_id, order_id, ticket_id, reason_code, reason, items, requested_cents,
	approved_cents, refunded_cents, return_shipping_payer, return_tracking_number, outbound_tracking_number, appeals,
	return_due_at, return_reopens, evidence, evidence_messages, decision, lang, version, created_at, updated_at, closed_at`

func scanCase(row interface{ Scan(...any) error }) (*Record, error) {
	var r Record
	var items, evidence, evidenceMsgs, decision string
	var req, appr, ref int64
	err := row.Scan(&r.ID, &r.Kind, &r.State, &r.CustomerID, &r.OrderID, &r.TicketID, &r.Reason, &r.Description, &items,
		&req, &appr, &ref, &r.ReturnShippingPayer, &r.ReturnTracking, &r.OutboundTracking, &r.Appeals,
		&r.ReturnDueAt, &r.ReturnReopens, &evidence, &evidenceMsgs, &decision, &r.Lang, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.ClosedAt)
	if err != nil {
		return nil, err
	}
	r.Ref = CaseRef(r.ID)
	r.RequestedCents, r.ApprovedCents, r.RefundedCents = Money(req), Money(appr), Money(ref)
	_ = json.Unmarshal([]byte(items), &r.Items)
	_ = json.Unmarshal([]byte(evidence), &r.Evidence)
	_ = json.Unmarshal([]byte(evidenceMsgs), &r.EvidenceMessages)
	_ = json.Unmarshal([]byte(decision), &r.Decision)
	return &r, nil
}

// Get loads a case.
func (s *Service) Get(ctx context.Context, id int64) (*Record, error) { return s.get(ctx, s.DB, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (*Record, error) {
	r, err := scanCase(q.QueryRow(ctx, `SELECT `+caseColumns+` FROM aftersales_cases WHERE id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("after-sales case")
	}
	return r, err
}

// CaseEvent is one step of a case's history.
type CaseEvent struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	ActorKind string          `json:"actor_kind"`
	ActorID   *int64          `json:"actor_id"`
	From      State           `json:"from"`
	To        State           `json:"to"`
	Note      string          `json:"note"`
	Data      json.RawMessage `json:"data"`
}

// Events lists a case's history, oldest first.
func (s *Service) Events(ctx context.Context, id int64) ([]CaseEvent, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, at, actor_kind, actor_id, from_status, to_status, note, data
		FROM aftersales_events WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CaseEvent{}
	for rows.Next() {
		var e CaseEvent
		var data string
		if err := rows.Scan(&e.ID, &e.At, &e.ActorKind, &e.ActorID, &e.From, &e.To, &e.Note, &data); err != nil {
			return nil, err
		}
		e.Data = json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CaseFilter narrows List. Zero values mean "any".
type CaseFilter struct {
	Kind       Kind
	State      State
	CustomerID int64
	OrderID    int64
	TicketID   int64
}

// CaseSorts maps API sort names to columns for List.
var CaseSorts = map[string]string{"id": "id", "created_at": "created_at", "updated_at": "updated_at"}

// List returns cases matching f, one page (up to page.Limit+1 rows).
func (s *Service) List(ctx context.Context, f CaseFilter, page store.Page) ([]*Record, error) {
	var w store.Where
	if f.Kind != "" {
		w.Add("type = ?", string(f.Kind))
	}
	if f.State != "" {
		w.Add("status = ?", string(f.State))
	}
	if f.CustomerID > 0 {
		w.Add("customer_id = ?", f.CustomerID)
	}
	if f.OrderID > 0 {
		w.Add("order_id = ?", f.OrderID)
	}
	if f.TicketID > 0 {
		w.Add("ticket_id = ?", f.TicketID)
	}
	if page.Sort == "" {
		page.Sort, page.Desc = "id", true
	}
	if page.Limit <= 0 {
		page.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+caseColumns+` FROM aftersales_cases`+w.SQL()+page.SQL(), w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Record{}
	for rows.Next() {
		r, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
