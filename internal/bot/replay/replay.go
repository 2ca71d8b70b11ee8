// Package replay runs scripted dialogues through the live chat path (conversation service →
// bot → NLU, knowledge base, orders, tickets, after-sales) on a temporary database and checks
// each turn against expectations. `kefu bot replay` and the dialogue suite in `make test` use it.
package replay

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"kefu/internal/app"
	"kefu/internal/commerce"
	"kefu/internal/conversation"
	"kefu/internal/crm"
	"kefu/internal/nlu/textseg"
	"kefu/internal/store"
)

// Dialogue is one line of a dialogues.jsonl file.
type Dialogue struct {
	ID       string   `json:"id"`
	Lang     string   `json:"lang"`
	Fixtures Fixtures `json:"fixtures"`
	Turns    []Turn   `json:"turns"`
}

// Fixtures are the shop data a dialogue starts from.
type Fixtures struct {
	Customer *FixCustomer `json:"customer"`
	Orders   []FixOrder   `json:"orders"`
}

// FixCustomer is the (identified) customer of the dialogue.
type FixCustomer struct {
	Name  string `json:"name"`
	Tier  string `json:"tier"`
	Phone string `json:"phone"`
	Email string `json:"email"`
	Lang  string `json:"lang"`
}

// FixOrder is an order in the fixtures; days are relative to now.
type FixOrder struct {
	Number           string       `json:"number"`
	Status           string       `json:"status"`
	PlacedDaysAgo    float64      `json:"placed_days_ago"`
	DeliveredDaysAgo *float64     `json:"delivered_days_ago"`
	Items            []FixItem    `json:"items"`
	Shipment         *FixShipment `json:"shipment"`
	ShippingFee      float64      `json:"shipping_fee"`
}

// FixItem is an order line; Category (a demo category slug) ties it to after-sales rules.
type FixItem struct {
	SKU      string  `json:"sku"`
	Title    string  `json:"title"`
	Qty      int     `json:"qty"`
	Price    float64 `json:"price"`
	Category string  `json:"category"`
}

// FixShipment is the order's parcel.
type FixShipment struct {
	Carrier        string     `json:"carrier"`
	TrackingNumber string     `json:"tracking_number"`
	Events         []FixEvent `json:"events"`
}

// FixEvent is a logistics scan.
type FixEvent struct {
	DaysAgo  float64 `json:"days_ago"`
	Status   string  `json:"status"`
	Location string  `json:"location"`
}

// Turn is one customer message and what must hold after the bot's answer.
type Turn struct {
	User   string `json:"user"`
	Image  bool   `json:"image,omitempty"` // send a photo (evidence) instead of / before the text
	Expect Expect `json:"expect"`
	// KnownIssue names a known, not yet fixed cause of this turn failing (an NLU or retrieval
	// limitation). The turn still counts as failed in the summary; the suite test reports it
	// instead of failing, and fails once the turn passes so the mark is removed.
	KnownIssue string `json:"known_issue,omitempty"`
}

// Expect lists the checks of a turn; only the keys given are checked.
type Expect struct {
	Intent        *string     `json:"intent"`
	Handoff       *bool       `json:"handoff"`
	Ticket        *bool       `json:"ticket"`
	Aftersales    *ExpectCase `json:"aftersales"`
	ReplyContains []string    `json:"reply_contains"`
	ReplyLang     *string     `json:"reply_lang"`
}

// ExpectCase checks the after-sales case created or changed by the turn. AmountCents, when
// given, is the money the case asks for (requested_cents: the refund, the price difference).
type ExpectCase struct {
	Type        string `json:"type"`
	Status      string `json:"status"`
	AmountCents *int64 `json:"amount_cents,omitempty"`
}

// TurnResult is one line of the report.
type TurnResult struct {
	Dialogue   string          `json:"dialogue"`
	Turn       int             `json:"turn"`
	User       string          `json:"user"`
	Intent     string          `json:"intent"`
	Confidence float64         `json:"confidence"`
	Entities   json.RawMessage `json:"entities"`
	Sentiment  json.RawMessage `json:"sentiment"`
	Reply      string          `json:"reply"`
	Handoff    bool            `json:"handoff"`
	Ticket     bool            `json:"ticket"`
	Aftersales *ExpectCase     `json:"aftersales"`
	Passed     bool            `json:"passed"`
	Failures   []string        `json:"failures"`
	KnownIssue string          `json:"known_issue,omitempty"`
}

// Summary is the report's totals.
type Summary struct {
	Dialogues       int     `json:"dialogues"`
	DialoguesPassed int     `json:"dialogues_passed"`
	Turns           int     `json:"turns"`
	TurnsPassed     int     `json:"turns_passed"`
	ContainmentRate float64 `json:"containment_rate"` // dialogues finished without handoff / all
}

// Report is the JSON `kefu bot replay --json` prints.
type Report struct {
	Turns   []TurnResult `json:"turns"`
	Summary Summary      `json:"summary"`
}

// Read parses a JSONL file of dialogues, naming the line of any bad one.
func Read(r io.Reader) ([]Dialogue, error) {
	var out []Dialogue
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "//") {
			continue
		}
		var d Dialogue
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if d.ID == "" || len(d.Turns) == 0 {
			return nil, fmt.Errorf("line %d: a dialogue needs an id and at least one turn", line)
		}
		out = append(out, d)
	}
	return out, sc.Err()
}

// Env opens a fresh, wired kefu for one dialogue. The caller owns closing it.
type Env func(ctx context.Context) (*app.App, func(), error)

// Run replays every dialogue, each on its own fresh database from env.
func Run(ctx context.Context, env Env, dialogues []Dialogue, progress io.Writer) (*Report, error) {
	rep := &Report{Turns: []TurnResult{}}
	contained := 0
	for i, d := range dialogues {
		if progress != nil {
			fmt.Fprintf(progress, "\rdialogue %d/%d %-30s", i+1, len(dialogues), d.ID)
		}
		results, handedOff, err := runOne(ctx, env, d)
		if err != nil {
			return nil, fmt.Errorf("dialogue %s: %w", d.ID, err)
		}
		allPassed := true
		for _, r := range results {
			rep.Summary.Turns++
			if r.Passed {
				rep.Summary.TurnsPassed++
			} else {
				allPassed = false
			}
		}
		rep.Turns = append(rep.Turns, results...)
		rep.Summary.Dialogues++
		if allPassed {
			rep.Summary.DialoguesPassed++
		}
		if !handedOff {
			contained++
		}
	}
	if progress != nil {
		fmt.Fprintln(progress)
	}
	if rep.Summary.Dialogues > 0 {
		rep.Summary.ContainmentRate = float64(contained) / float64(rep.Summary.Dialogues)
	}
	return rep, nil
}

func runOne(ctx context.Context, env Env, d Dialogue) ([]TurnResult, bool, error) {
	a, closeApp, err := env(ctx)
	if err != nil {
		return nil, false, err
	}
	defer closeApp()
	custID, err := loadFixtures(ctx, a, d)
	if err != nil {
		return nil, false, fmt.Errorf("fixtures: %w", err)
	}
	// The fixtures add products; NLU recognises product names from the catalogue, as it does
	// after a catalogue import in a running shop.
	if err := a.RefreshCatalog(ctx); err != nil {
		return nil, false, fmt.Errorf("refresh catalogue: %w", err)
	}
	lang := d.Lang
	if lang == "" {
		lang = "zh"
	}
	conv, err := a.Conversations.Create(ctx, a.DB, conversation.NewConversation{CustomerID: custID, Channel: "web", Lang: lang})
	if err != nil {
		return nil, false, err
	}
	var results []TurnResult
	handedOff := false
	for i, tu := range d.Turns {
		r, err := runTurn(ctx, a, conv.ID, custID, d.ID, i+1, tu)
		if err != nil {
			return nil, false, err
		}
		handedOff = handedOff || r.Handoff
		results = append(results, r)
	}
	return results, handedOff, nil
}

func runTurn(ctx context.Context, a *app.App, convID, custID int64, dialogue string, n int, tu Turn) (TurnResult, error) {
	res := TurnResult{Dialogue: dialogue, Turn: n, User: tu.User, Entities: json.RawMessage("[]"), Sentiment: json.RawMessage("{}"), KnownIssue: tu.KnownIssue}
	before, err := a.Conversations.Get(ctx, convID)
	if err != nil {
		return res, err
	}
	startCase := latestCaseVersion(ctx, a.DB, custID)
	// The customer's message goes through the same two steps live chat uses: Post, then Respond.
	var last *conversation.Message
	if tu.Image {
		m, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: convID, SenderKind: "customer", ContentType: "image", Body: "[图片]",
			ClientMsgID: fmt.Sprintf("%s-%d-img", dialogue, n)})
		if err != nil {
			return res, err
		}
		a.Conversations.Respond(ctx, m)
		last = m
	}
	if tu.User != "" {
		m, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: convID, SenderKind: "customer", Body: tu.User,
			ClientMsgID: fmt.Sprintf("%s-%d", dialogue, n)})
		if err != nil {
			return res, err
		}
		a.Conversations.Respond(ctx, m)
		last = m
	}
	if last == nil {
		return res, fmt.Errorf("turn %d has neither text nor image", n)
	}
	// What the bot said, and what NLU made of the message.
	msgs, err := a.Conversations.Messages(ctx, convID, last.ID, 50, false)
	if err != nil {
		return res, err
	}
	var replies []string
	for _, m := range msgs {
		if m.SenderKind == "bot" && !m.Internal {
			replies = append(replies, m.Body)
		}
	}
	res.Reply = strings.Join(replies, "\n")
	var annotatedNLU, msgLang string
	if err := a.DB.QueryRow(ctx, `SELECT nlu, lang FROM messages WHERE id = ?`, last.ID).Scan(&annotatedNLU, &msgLang); err != nil {
		return res, err
	}
	var ann struct {
		Intent     string          `json:"intent"`
		Confidence float64         `json:"confidence"`
		Entities   json.RawMessage `json:"entities"`
		Sentiment  json.RawMessage `json:"sentiment"`
	}
	json.Unmarshal([]byte(annotatedNLU), &ann)
	res.Intent, res.Confidence = ann.Intent, ann.Confidence
	if len(ann.Entities) > 0 && string(ann.Entities) != "null" {
		res.Entities = ann.Entities
	}
	if len(ann.Sentiment) > 0 {
		res.Sentiment = ann.Sentiment
	}
	after, err := a.Conversations.Get(ctx, convID)
	if err != nil {
		return res, err
	}
	res.Handoff = before.HandledBy == "bot" && after.HandledBy == "agent"
	var tickets int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE conversation_id = ?`, convID).Scan(&tickets); err != nil {
		return res, err
	}
	res.Ticket = tickets > 0
	res.Aftersales = changedCase(ctx, a.DB, custID, startCase)
	res.Failures = check(tu.Expect, res, annotatedLang(msgLang, replies))
	res.Passed = len(res.Failures) == 0
	if res.Failures == nil {
		res.Failures = []string{}
	}
	return res, nil
}

func annotatedLang(msgLang string, replies []string) string {
	if len(replies) == 0 {
		return msgLang
	}
	return textseg.Lang(strings.Join(replies, " "))
}

func check(e Expect, r TurnResult, replyLang string) []string {
	var f []string
	if e.Intent != nil && r.Intent != *e.Intent {
		f = append(f, fmt.Sprintf("intent: got %q, want %q", r.Intent, *e.Intent))
	}
	if e.Handoff != nil && r.Handoff != *e.Handoff {
		f = append(f, fmt.Sprintf("handoff: got %v, want %v", r.Handoff, *e.Handoff))
	}
	if e.Ticket != nil && r.Ticket != *e.Ticket {
		f = append(f, fmt.Sprintf("ticket: got %v, want %v", r.Ticket, *e.Ticket))
	}
	if e.Aftersales != nil {
		switch {
		case r.Aftersales == nil:
			f = append(f, "aftersales: no case was created or changed")
		case e.Aftersales.Type != "" && r.Aftersales.Type != e.Aftersales.Type:
			f = append(f, fmt.Sprintf("aftersales.type: got %q, want %q", r.Aftersales.Type, e.Aftersales.Type))
		case e.Aftersales.Status != "" && r.Aftersales.Status != e.Aftersales.Status:
			f = append(f, fmt.Sprintf("aftersales.status: got %q, want %q", r.Aftersales.Status, e.Aftersales.Status))
		case e.Aftersales.AmountCents != nil && (r.Aftersales.AmountCents == nil || *r.Aftersales.AmountCents != *e.Aftersales.AmountCents):
			got := "none"
			if r.Aftersales.AmountCents != nil {
				got = fmt.Sprint(*r.Aftersales.AmountCents)
			}
			f = append(f, fmt.Sprintf("aftersales.amount_cents: got %s, want %d", got, *e.Aftersales.AmountCents))
		}
	}
	for _, s := range e.ReplyContains {
		if !strings.Contains(strings.ToLower(r.Reply), strings.ToLower(s)) {
			f = append(f, fmt.Sprintf("reply does not contain %q", s))
		}
	}
	if e.ReplyLang != nil && replyLang != *e.ReplyLang {
		f = append(f, fmt.Sprintf("reply_lang: got %q, want %q", replyLang, *e.ReplyLang))
	}
	return f
}

// latestCaseVersion fingerprints the customer's cases so a turn can tell what it changed.
func latestCaseVersion(ctx context.Context, db *store.DB, custID int64) string {
	var n, v int64
	db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(version), 0) FROM aftersales_cases WHERE customer_id = ?`, custID).Scan(&n, &v)
	return fmt.Sprintf("%d/%d", n, v)
}

func changedCase(ctx context.Context, db *store.DB, custID int64, before string) *ExpectCase {
	if latestCaseVersion(ctx, db, custID) == before {
		return nil
	}
	var c ExpectCase
	var cents int64
	if err := db.QueryRow(ctx, `SELECT type, status, requested_cents FROM aftersales_cases WHERE customer_id = ? ORDER BY updated_at DESC, id DESC LIMIT 1`, custID).Scan(&c.Type, &c.Status, &cents); err != nil {
		return nil
	}
	c.AmountCents = &cents
	return &c
}

// loadFixtures creates the dialogue's customer and orders; it returns the customer id.
func loadFixtures(ctx context.Context, a *app.App, d Dialogue) (int64, error) {
	fc := d.Fixtures.Customer
	if fc == nil {
		fc = &FixCustomer{Name: "Guest", Tier: "regular"}
	}
	lang := fc.Lang
	if lang == "" {
		lang = d.Lang
	}
	now := time.Now()
	var custID int64
	err := a.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		custID, err = a.CRM.CreateCustomer(ctx, tx, crm.NewCustomer{Name: fc.Name, Tier: fc.Tier, Phone: fc.Phone, Email: fc.Email, Lang: lang})
		if err != nil {
			return err
		}
		for _, fo := range d.Fixtures.Orders {
			if err := createOrder(ctx, a, tx, custID, fo, now); err != nil {
				return fmt.Errorf("order %s: %w", fo.Number, err)
			}
		}
		return nil
	})
	return custID, err
}

func daysAgo(now time.Time, d float64) time.Time {
	return now.Add(-time.Duration(d * float64(24*time.Hour)))
}

func createOrder(ctx context.Context, a *app.App, tx *store.Tx, custID int64, fo FixOrder, now time.Time) error {
	placed := daysAgo(now, fo.PlacedDaysAgo)
	in := commerce.NewOrder{Number: fo.Number, CustomerID: custID, Status: fo.Status, PlacedAt: placed, ShippingCents: int64(fo.ShippingFee * 100),
		ShipTo: commerce.Address{Recipient: "收件人", Line: "文三路90号", Province: "浙江省", City: "杭州市"}}
	if fo.Status != "pending_payment" && fo.Status != "cancelled" {
		paid := placed.Add(10 * time.Minute)
		in.PaidAt = &paid
	}
	if fo.Status == "shipped" || fo.Status == "delivered" || fo.Status == "completed" {
		shipped := placed.Add(20 * time.Hour)
		if fo.Shipment != nil && len(fo.Shipment.Events) > 0 {
			if first := daysAgo(now, fo.Shipment.Events[0].DaysAgo); first.Before(shipped) {
				shipped = first
			}
		}
		in.ShippedAt = &shipped
	}
	if fo.Status == "delivered" || fo.Status == "completed" {
		delivered := placed.Add(3 * 24 * time.Hour)
		if fo.DeliveredDaysAgo != nil {
			delivered = daysAgo(now, *fo.DeliveredDaysAgo)
		}
		if delivered.After(now) {
			delivered = now
		}
		in.DeliveredAt = &delivered
		if fo.Status == "completed" {
			in.CompletedAt = &delivered
		}
	}
	if fo.Status == "cancelled" {
		in.CancelledAt = &placed
	}
	for _, it := range fo.Items {
		qty := it.Qty
		if qty == 0 {
			qty = 1
		}
		in.Items = append(in.Items, commerce.NewItem{SKU: it.SKU, Title: it.Title, Qty: qty, UnitPriceCents: int64(it.Price * 100)})
		if err := ensureProduct(ctx, a, tx, it); err != nil {
			return err
		}
	}
	if fo.Shipment != nil {
		sh := commerce.NewShipment{Carrier: carrierCode(fo.Shipment.Carrier), CarrierName: fo.Shipment.Carrier, TrackingNumber: fo.Shipment.TrackingNumber,
			Status: "in_transit", ShippedAt: in.ShippedAt, DeliveredAt: in.DeliveredAt}
		for _, e := range fo.Shipment.Events {
			sh.Events = append(sh.Events, commerce.ShipmentEvent{At: daysAgo(now, e.DaysAgo), Status: e.Status, Location: e.Location,
				DescriptionZH: eventText("zh", e), DescriptionEN: eventText("en", e)})
			sh.Status = e.Status
		}
		in.Shipments = []commerce.NewShipment{sh}
	}
	_, err := a.Commerce.CreateOrder(ctx, tx, in)
	return err
}

// ensureProduct makes the fixture's SKU a catalogue product, so category rules apply to it.
func ensureProduct(ctx context.Context, a *app.App, tx *store.Tx, it FixItem) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM products WHERE sku = ?`, it.SKU).Scan(&n); err != nil || n > 0 {
		return err
	}
	if it.Category != "" {
		if _, err := a.Commerce.UpsertCategory(ctx, tx, commerce.Category{Slug: it.Category, NameZH: it.Category, NameEN: it.Category, NoReasonReturn: !noReasonExcluded[it.Category]}); err != nil {
			return err
		}
	}
	_, err := a.Commerce.CreateProduct(ctx, tx, commerce.NewProduct{SKU: it.SKU, TitleZH: it.Title, TitleEN: it.Title, Category: it.Category, PriceCents: int64(it.Price * 100), Stock: 100})
	return err
}

// noReasonExcluded mirrors the demo catalogue: categories where 7-day no-reason returns do not apply.
var noReasonExcluded = map[string]bool{"food": true, "underwear": true, "custom": true}

func carrierCode(name string) string {
	switch {
	case strings.Contains(name, "顺丰"), strings.EqualFold(name, "SF"), strings.Contains(strings.ToLower(name), "sf express"):
		return "SF"
	case strings.Contains(name, "中通"), strings.EqualFold(name, "ZTO"):
		return "ZTO"
	case strings.Contains(name, "圆通"), strings.EqualFold(name, "YTO"):
		return "YTO"
	case strings.Contains(name, "京东"), strings.EqualFold(name, "JD"):
		return "JD"
	case strings.Contains(name, "EMS"):
		return "EMS"
	}
	return "OTHER"
}

var eventTexts = map[string][2]string{
	"picked_up":        {"快递员已揽收", "Picked up by the courier"},
	"in_transit":       {"运输中，已到达", "In transit, arrived at"},
	"out_for_delivery": {"派送中", "Out for delivery"},
	"delivered":        {"已签收", "Delivered"},
	"exception":        {"运输异常", "Delivery exception"},
}

func eventText(lang string, e FixEvent) string {
	p, ok := eventTexts[e.Status]
	if !ok {
		return e.Status
	}
	if lang == "en" {
		return p[1] + " " + e.Location
	}
	return p[0] + " " + e.Location
}
