package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kefu/internal/aftersales"
	"kefu/internal/commerce"
)

// Bot answers customers. Every dependency is an interface from ports.go; nil ones switch off
// the flows that need them (the bot then hands over instead of guessing).
type Bot struct {
	NLU     Understander
	Orders  Orders
	KB      Knowledge
	Catalog Catalog
	Cases   Cases
	Handoff Handoff
	Policy  HandoffPolicy
	Now     func() time.Time
}

// Input is one customer message in context.
type Input struct {
	ConversationID int64
	Customer       Customer
	Text           string
	Attachments    []string // references to uploaded images (evidence)
	State          State
	Lang           string // the conversation's language so far, for messages with no words
}

// QuickReply is a button; clicking it sends Text.
type QuickReply struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// Card is structured content the widget renders (an order or an after-sales case).
type Card struct {
	Type  string         `json:"type"` // order, case, product
	Data  map[string]any `json:"data"`
	Title string         `json:"title"`
}

// Reply is one bot message.
type Reply struct {
	Text         string       `json:"text"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	Card         *Card        `json:"card,omitempty"`
}

// Output is what the bot decided for one message.
type Output struct {
	Lang          string         `json:"lang"`
	Understanding Understanding  `json:"understanding"`
	Replies       []Reply        `json:"replies"`
	State         State          `json:"state"`
	HandoffReason string         `json:"handoff_reason,omitempty"`
	Handoff       *HandoffResult `json:"handoff,omitempty"`
	Case          *CaseResult    `json:"case,omitempty"`
}

// turn carries one message through the flows.
type turn struct {
	b    *Bot
	ctx  context.Context
	in   Input
	u    Understanding
	lang string
	st   State
	out  Output
}

// Handle runs one customer message through NLU, the dialogue state and the flows.
func (b *Bot) Handle(ctx context.Context, in Input) (Output, error) {
	if b.Now == nil {
		b.Now = time.Now
	}
	tn := &turn{b: b, ctx: ctx, in: in, st: in.State}
	if len(in.Attachments) > 0 && isPhotoPlaceholder(in.Text) {
		// A photo on its own has no words to understand or to take the language from.
		tn.in.Text = ""
		tn.lang = replyLang("", "", in.Lang)
		tn.u = Understanding{Lang: tn.lang}
		err := tn.photo()
		tn.out.Lang, tn.out.Understanding, tn.out.State = tn.lang, tn.u, tn.st
		return tn.out, err
	}
	tn.u = b.NLU.Understand(ctx, in.Text)
	tn.lang = replyLang(in.Text, tn.u.Lang, in.Lang)
	tn.u.Lang = tn.lang
	tn.st.Intent = tn.u.Intent
	err := tn.run()
	tn.out.Lang, tn.out.Understanding, tn.out.State = tn.lang, tn.u, tn.st
	return tn.out, err
}

// replyLang answers in the language of the message; a message with no words (an order number,
// an emoji, "ok") keeps the conversation's language.
func replyLang(text, detected, previous string) string {
	han, latin := 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < 128 && unicode.IsLetter(r):
			latin++
		}
	}
	switch {
	case han > 0:
		return "zh"
	case latin >= 4 && !orderNumberRe.MatchString(strings.TrimSpace(text)):
		return "en"
	case previous == "en" || previous == "zh":
		return previous
	case detected == "en":
		return "en"
	}
	return "zh"
}

func (tn *turn) say(text string, qr ...QuickReply) *Reply {
	tn.out.Replies = append(tn.out.Replies, Reply{Text: text, QuickReplies: qr})
	return &tn.out.Replies[len(tn.out.Replies)-1]
}

func (tn *turn) t(key string, args ...any) string { return t(tn.lang, key, args...) }

var aftersalesIntents = map[string]bool{"return_request": true, "refund_request": true, "exchange_request": true, "damaged_item": true,
	"missing_item": true, "warranty_repair": true, "price_protection": true}

var kbIntents = map[string]bool{"shipping_policy": true, "return_policy": true, "coupon_promotion": true, "payment_issue": true,
	"account_issue": true, "invoice_request": true}

// flowIntents start a multi-turn flow.
func flowIntent(intent string) bool {
	switch intent {
	case "order_status", "urge_shipment", "cancel_order", "change_address", "refund_status":
		return true
	}
	return aftersalesIntents[intent]
}

func (tn *turn) understood() bool {
	return understood(tn.u, tn.in.Text, tn.b.Policy.MinConfidence)
}

// understood: NLU is confident, or its best guess is an after-sales request and the message's
// own words settle it — an explicit return or refund ("想退货"), or a fault ("质量问题", "碎了").
func understood(u Understanding, text string, minConfidence float64) bool {
	if u.Intent == "" || u.Intent == "oos" {
		return false
	}
	if u.Confidence >= minConfidence {
		return true
	}
	return aftersalesIntents[u.Intent] && (wantsMoneyBack(text) || reasonOf(text).ShopFault())
}

// isPhotoPlaceholder reports whether a message's text only stands for its picture.
func isPhotoPlaceholder(text string) bool {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "", "[图片]", "[image]", "[photo]", "[照片]":
		return true
	}
	return false
}

// photo handles a picture sent without words: the evidence an after-sales flow waits for, or
// kept for the after-sales request it most likely belongs to. It is never "not understood".
func (tn *turn) photo() error {
	st := &tn.st
	if aftersalesIntents[st.Flow] && st.Step == "evidence" {
		if handled, err := tn.continueFlow(); handled || err != nil {
			return err
		}
	}
	if aftersalesIntents[st.Flow] {
		st.Evidence = appendNew(st.Evidence, tn.in.Attachments...)
		if st.Step == "reason" {
			tn.say(tn.t("evidence_thanks")+tn.t("ask_reason"), tn.reasonButtons()...)
			return nil
		}
	} else if len(st.Photos) < 9 {
		st.Photos = appendNew(st.Photos, tn.in.Attachments...)
	}
	tn.say(tn.t("photo_received"), QuickReply{tn.qr("商品破损", "Item damaged"), tn.qr("收到的商品破损了", "My item arrived damaged")},
		QuickReply{tn.qr("质量问题", "Quality problem"), tn.qr("商品有质量问题", "The item has a quality problem")},
		QuickReply{tn.t("human"), tn.t("human")})
	return nil
}

func (tn *turn) run() error {
	// People first: an explicit request, anger or strong negative feeling goes to a human at
	// once, whatever flow is in progress.
	if reason := tn.b.Policy.shouldHandOffNow(tn.u, tn.in.Text, tn.st); reason != "" {
		if reason != "explicit_request" {
			tn.say(tn.t("anger_sorry"))
		}
		return tn.handOff(reason, nil)
	}
	if tn.st.Flow == "policy_exception" {
		// The customer answered a refusal: disagreement goes to a person who may make an exception.
		tn.st.Flow = ""
		switch {
		case isExit(tn.in.Text) || answerOf(tn.in.Text) == "yes" || tn.u.Intent == "thanks":
			// "算了" / "ok fine": the customer accepts the decision.
			tn.say(tn.t("accepted"))
			return nil
		case disputes(tn.in.Text) || tn.u.Intent == "complaint" || tn.u.Sentiment.Polarity == "negative" || answerOf(tn.in.Text) == "no":
			tn.say(tn.t("exception_review"))
			return tn.handOff("policy_exception", nil)
		}
	}
	if tn.st.Flow != "" && tn.st.Step != "" {
		handled, err := tn.continueFlow()
		if handled || err != nil {
			return err
		}
	}
	if !tn.understood() {
		if tn.entity("product") != "" && tn.b.Catalog != nil {
			// NLU could not place the sentence, but it names one of the shop's products: a
			// product question is by far the likeliest ("AirBuds Pro 还有货吗").
			tn.st.LowConfidence = 0
			return tn.product()
		}
		return tn.notUnderstood()
	}
	tn.st.LowConfidence = 0
	intent := tn.u.Intent
	switch {
	case intent == "greeting":
		tn.say(tn.t("greeting"), tn.menu()...)
	case intent == "thanks":
		tn.say(tn.t("thanks"))
	case intent == "goodbye":
		tn.st.endFlow()
		tn.say(tn.t("goodbye"))
	case intent == "complaint":
		tn.say(tn.t("complaint_sorry"))
		return tn.handOff("complaint", nil)
	case flowIntent(intent):
		tn.st.endFlow()
		tn.st.Flow = intent
		return tn.advance()
	case intent == "product_inquiry" || intent == "size_advice" || intent == "product_recommendation":
		return tn.product()
	case kbIntents[intent]:
		return tn.knowledge(true)
	default:
		return tn.knowledge(true)
	}
	return nil
}

// notUnderstood is the honest "I'm not sure": knowledge-base suggestions if any fit, the menu
// otherwise, and a person after repeated misses.
func (tn *turn) notUnderstood() error {
	tn.st.LowConfidence++
	if tn.st.LowConfidence >= tn.b.Policy.LowConfidenceTurns {
		tn.say(tn.t("low_confidence_handoff"))
		return tn.handOff("low_confidence", nil)
	}
	tn.st.tried("did not understand: " + clip(tn.in.Text, 60))
	if tn.u.Intent == "oos" && tn.u.Confidence >= tn.b.Policy.MinConfidence {
		// Clearly outside the shop (weather, homework): say so rather than offer unrelated articles.
		tn.say(tn.t("out_of_scope"), tn.menu()...)
		return nil
	}
	if tn.b.KB != nil && utf8.RuneCountInString(strings.TrimSpace(tn.in.Text)) >= 4 {
		if hit, err := tn.b.KB.Answer(tn.ctx, tn.kbQuestion("")); err == nil && hit != nil && hit.Decision != "handoff" {
			qr := []QuickReply{{Label: hit.Title, Text: hit.Title}}
			for _, r := range hit.Related {
				qr = append(qr, QuickReply{Label: r, Text: r})
			}
			tn.say(tn.t("not_sure_kb")+titleList(qr), append(qr, QuickReply{Label: tn.t("human"), Text: tn.t("human")})...)
			return nil
		}
	}
	tn.say(tn.t("not_sure"), tn.menu()...)
	return nil
}

// titleList writes suggested articles into the message too, for channels without buttons.
func titleList(qr []QuickReply) string {
	var b strings.Builder
	for _, q := range qr {
		b.WriteString("\n· " + q.Label)
	}
	return b.String()
}

func (tn *turn) menu() []QuickReply {
	if tn.lang == "en" {
		return []QuickReply{{"Where is my order?", "Where is my order?"}, {"Return an item", "I want to return an item"}, {"Refund status", "Where is my refund?"}, {"Talk to a person", "Talk to a person"}}
	}
	return []QuickReply{{"查物流", "我的订单到哪了"}, {"申请退货", "我要退货"}, {"退款进度", "我的退款到哪了"}, {"转人工", "转人工"}}
}

// ---------------------------------------------------------------- multi-turn flows

// continueFlow gives the message to the step the flow waits for. It reports false when the
// message is really something else (a new request), which then starts over.
func (tn *turn) continueFlow() (bool, error) {
	st := &tn.st
	ans := answerOf(tn.in.Text)
	newNumber := tn.entity("order_number")
	switchIntent := tn.understood() && tn.u.Intent != st.Flow && (flowIntent(tn.u.Intent) || kbIntents[tn.u.Intent] || tn.u.Intent == "goodbye") && tn.u.Confidence >= 0.6
	switch st.Step {
	case "confirm":
		switch {
		case newNumber != "" && newNumber != st.OrderNumber: // "no, the other order: KF…"
			st.OrderNumber, st.Step = newNumber, ""
			return true, tn.advance()
		case ans == "yes":
			st.Step = "confirmed"
			return true, tn.advance()
		case ans == "no" && mentionsOtherOrder(tn.in.Text), mentionsOtherOrder(tn.in.Text) && ans == "":
			st.NotOrders = append(st.NotOrders, st.OrderNumber)
			st.OrderNumber, st.Step = "", ""
			return true, tn.advance()
		case ans == "no":
			if st.Flow == "cancel_order" {
				tn.say(tn.t("cancel_kept", st.OrderNumber))
			} else {
				tn.say(tn.t("flow_exit"))
			}
			st.endFlow()
			return true, nil
		case switchIntent:
			return false, nil
		}
		return true, tn.retry(tn.t("yes") + " / " + tn.t("no") + "?")
	case "order":
		if newNumber == "" {
			if i := ordinal(tn.in.Text); i > 0 && i <= len(st.Offered) {
				newNumber = st.Offered[i-1] // "第二个", "the first one"
			}
		}
		if newNumber != "" {
			st.OrderNumber, st.Step = newNumber, ""
			return true, tn.advance()
		}
		if switchIntent {
			return false, nil
		}
		if ans == "no" || isExit(tn.in.Text) {
			tn.say(tn.t("flow_exit"))
			st.endFlow()
			return true, nil
		}
		return true, tn.retry(tn.t("ask_order"))
	case "address":
		if isExit(tn.in.Text) || ans == "no" {
			tn.say(tn.t("flow_exit"))
			st.endFlow()
			return true, nil
		}
		if switchIntent && !looksLikeAddress(tn.in.Text) {
			return false, nil
		}
		if !looksLikeAddress(tn.in.Text) {
			return true, tn.retry(tn.t("address_bad"))
		}
		st.Address, st.Step = strings.TrimSpace(tn.in.Text), ""
		return true, tn.advance()
	case "reason":
		if isExit(tn.in.Text) {
			tn.say(tn.t("flow_exit"))
			st.endFlow()
			return true, nil
		}
		if switchIntent && reasonOf(tn.in.Text) == "" {
			return false, nil
		}
		st.Reason = string(reasonOf(tn.in.Text))
		if st.Reason == "" {
			st.Reason = string(reasonFromIntent(tn.u.Intent, aftersales.ReasonOther))
		}
		st.Step = ""
		return true, tn.advance()
	case "evidence":
		if len(tn.in.Attachments) > 0 || mentionsPhoto(tn.in.Text) {
			st.Evidence = append(st.Evidence, tn.in.Attachments...)
			if len(tn.in.Attachments) == 0 {
				st.Evidence = append(st.Evidence, "described:"+clip(tn.in.Text, 40))
			}
			tn.say(tn.t("evidence_thanks"))
			st.Step = "evidence_done"
			return true, tn.advance()
		}
		if ans == "no" { // no photo: let the policy decide (it may ask again or refuse)
			st.Step = "evidence_done"
			return true, tn.advance()
		}
		if switchIntent {
			return false, nil
		}
		return true, tn.retry(tn.t("ask_evidence"))
	}
	return false, nil
}

// retry re-asks, and hands off after repeated failures in one flow.
func (tn *turn) retry(question string) error {
	tn.st.Failures++
	if tn.st.Failures >= tn.b.Policy.FlowFailures+1 {
		return tn.handOff("flow_failure", nil)
	}
	tn.say(question)
	return nil
}

// fail records a failed attempt (order not found…) and hands off when they repeat.
func (tn *turn) fail(message string) error {
	tn.st.Failures++
	tn.st.tried(message)
	if tn.st.Failures >= tn.b.Policy.FlowFailures {
		tn.say(message)
		return tn.handOff("flow_failure", nil)
	}
	tn.say(message)
	return nil
}

// advance moves the current flow forward as far as the known slots allow.
func (tn *turn) advance() error {
	st := &tn.st
	switch st.Flow {
	case "refund_status":
		return tn.refundStatus()
	case "order_status":
		o, ok, err := tn.pickOrder(true, nil)
		if !ok || err != nil {
			return err
		}
		tn.orderStatus(o)
		st.endFlow()
	case "urge_shipment":
		o, ok, err := tn.pickOrder(false, func(o *commerce.Order) bool { return o.Status == "paid" })
		if !ok || err != nil {
			return err
		}
		switch o.Status {
		case "paid":
			paid := o.PlacedAt
			if o.PaidAt != nil {
				paid = *o.PaidAt
			}
			tn.say(tn.t("urge_done", o.Number, day(tn.lang, paid)))
			st.tried("urged shipment of " + o.Number)
		case "pending_payment":
			tn.say(tn.t("urge_unpaid", o.Number))
		case "shipped":
			tn.say(tn.t("urge_shipped", o.Number))
			tn.orderStatus(o)
		default:
			tn.say(tn.t("urge_closed", o.Number, named(statusNames, tn.lang, o.Status)))
		}
		st.endFlow()
	case "cancel_order":
		o, ok, err := tn.pickOrder(false, func(o *commerce.Order) bool { return commerce.Cancellable(o.Status) })
		if !ok || err != nil {
			return err
		}
		if o.Status == "shipped" && tn.asksForRefund() {
			// A parcel on its way cannot be cancelled, but the customer asked for their money:
			// that is a refund-only request (the courier is told to return it).
			st.Flow = "refund_request"
			return tn.advance()
		}
		if !commerce.Cancellable(o.Status) {
			tn.say(tn.t("cancel_too_late", o.Number, named(statusNames, tn.lang, o.Status)), QuickReply{tn.qr("申请退货", "Return it"), tn.qr("我要退货", "I want to return it")})
			st.tried("cancel refused: order " + o.Status)
			st.endFlow()
			return nil
		}
		if st.Step != "confirmed" {
			st.Step = "confirm"
			tn.say(tn.t("cancel_confirm", o.Number, named(statusNames, tn.lang, o.Status), money(o.TotalCents)), tn.yesNo()...).Card = orderCard(tn.lang, o)
			return nil
		}
		if err := tn.b.Orders.CancelOrder(tn.ctx, o.ID); err != nil {
			return tn.actionFailed(err, "cancel")
		}
		refund := ""
		if o.Status == "paid" {
			refund = tn.t("cancel_refund", money(o.TotalCents))
		}
		tn.say(tn.t("cancel_done", o.Number, refund))
		st.tried("cancelled order " + o.Number)
		st.endFlow()
	case "change_address":
		o, ok, err := tn.pickOrder(false, func(o *commerce.Order) bool { return commerce.AddressChangeable(o.Status) })
		if !ok || err != nil {
			return err
		}
		if !commerce.AddressChangeable(o.Status) {
			tn.say(tn.t("address_too_late", o.Number, named(statusNames, tn.lang, o.Status)), QuickReply{tn.t("human"), tn.t("human")})
			st.tried("address change refused: order " + o.Status)
			st.endFlow()
			return nil
		}
		if st.Address == "" {
			if a := addressIn(tn.in.Text); a != "" && st.Step == "" {
				st.Address = a
			} else {
				st.Step = "address"
				tn.say(tn.t("ask_address"))
				return nil
			}
		}
		if st.Step != "confirmed" {
			st.Step = "confirm"
			tn.say(tn.t("address_confirm", o.Number, st.Address), tn.yesNo()...)
			return nil
		}
		if err := tn.b.Orders.ChangeAddress(tn.ctx, o.ID, parseAddress(st.Address)); err != nil {
			return tn.actionFailed(err, "change address")
		}
		tn.say(tn.t("address_done", o.Number, st.Address))
		st.tried("changed address of " + o.Number)
		st.endFlow()
	default:
		if aftersalesIntents[st.Flow] {
			return tn.aftersales()
		}
		st.endFlow()
	}
	return nil
}

func (tn *turn) qr(zh, en string) string {
	if tn.lang == "en" {
		return en
	}
	return zh
}

func (tn *turn) yesNo() []QuickReply {
	return []QuickReply{{tn.t("yes"), tn.t("yes")}, {tn.t("no"), tn.t("no")}}
}

// actionFailed turns a refused action (a conflict such as "already shipped") into a reply and
// a handoff, and passes real failures up.
func (tn *turn) actionFailed(err error, what string) error {
	tn.st.tried(what + " failed: " + err.Error())
	return tn.handOff("flow_failure", nil)
}

// pickOrder resolves which order the customer means: a number they gave, the only order that
// fits, or a choice among their recent orders. ok is false while the bot waits for an answer.
func (tn *turn) pickOrder(readOnly bool, fits func(*commerce.Order) bool) (*commerce.Order, bool, error) {
	st := &tn.st
	if n := tn.entity("order_number"); n != "" && st.Step != "confirmed" {
		st.OrderNumber = n
	}
	cust := tn.in.Customer
	if st.OrderNumber != "" {
		o, err := tn.b.Orders.OrderByNumber(tn.ctx, st.OrderNumber)
		if err != nil || o == nil {
			number := st.OrderNumber
			st.OrderNumber, st.Step = "", "order"
			return nil, false, tn.fail(tn.t("order_not_found", number))
		}
		if cust.ID != 0 && o.CustomerID != cust.ID {
			number := st.OrderNumber
			st.OrderNumber, st.Step = "", "order"
			return nil, false, tn.fail(tn.t("order_not_yours", number))
		}
		if cust.ID == 0 && !readOnly {
			st.endFlow()
			tn.say(tn.t("need_login"), QuickReply{tn.t("human"), tn.t("human")})
			return nil, false, nil
		}
		return o, true, nil
	}
	if cust.ID == 0 {
		st.Step = "order"
		tn.say(tn.t("ask_order_anon"))
		return nil, false, nil
	}
	orders, err := tn.b.Orders.RecentOrders(tn.ctx, cust.ID, 10)
	if err != nil {
		return nil, false, err
	}
	if len(orders) == 0 {
		st.endFlow()
		tn.say(tn.t("no_orders"))
		return nil, false, nil
	}
	if len(st.NotOrders) > 0 {
		// "No, the other one": leave out the orders the customer already turned down.
		var rest []*commerce.Order
		for _, o := range orders {
			if !slices.Contains(st.NotOrders, o.Number) {
				rest = append(rest, o)
			}
		}
		if len(rest) > 0 {
			orders = rest
		}
	}
	candidates := orders
	if fits != nil {
		candidates = nil
		for _, o := range orders {
			if fits(o) {
				candidates = append(candidates, o)
			}
		}
	}
	if len(candidates) == 1 {
		st.OrderNumber = candidates[0].Number
		return candidates[0], true, nil
	}
	if len(candidates) == 0 && len(orders) == 1 {
		// The only order does not fit the request (a refund before shipping, a cancel after):
		// it is still the one meant, and the flow explains what is possible.
		st.OrderNumber = orders[0].Number
		return orders[0], true, nil
	}
	if len(candidates) == 0 {
		candidates = orders
	}
	if len(candidates) > 4 {
		candidates = candidates[:4]
	}
	st.Step = "order"
	st.Offered = nil
	var qr []QuickReply
	var list strings.Builder
	for i, o := range candidates {
		title := ""
		if len(o.Items) > 0 {
			title = " " + clip(o.Items[0].Title, 12)
		}
		label := o.Number + title + " · " + named(statusNames, tn.lang, o.Status)
		qr = append(qr, QuickReply{Label: label, Text: o.Number})
		st.Offered = append(st.Offered, o.Number)
		// The list is in the text too, for channels without buttons and for "第二个".
		fmt.Fprintf(&list, "\n%d. %s", i+1, label)
	}
	tn.say(tn.t("ask_order")+list.String(), qr...)
	return nil, false, nil
}

func (tn *turn) orderStatus(o *commerce.Order) {
	text := tn.t("status_line", o.Number, named(statusNames, tn.lang, o.Status))
	if sh := outbound(o); sh != nil {
		when, where, what := "", "", ""
		if n := len(sh.Events); n > 0 {
			e := sh.Events[n-1]
			when, where, what = day(tn.lang, e.At), e.Location, e.DescriptionZH
			if tn.lang == "en" {
				what = e.DescriptionEN
			}
		}
		carrier := sh.CarrierName
		if carrier == "" {
			carrier = sh.Carrier
		}
		text += tn.t("logistics_line", carrier, sh.TrackingNumber, when, where, what)
	} else if o.Status == "paid" {
		text += tn.t("no_logistics")
	} else if o.Status == "pending_payment" {
		text += tn.t("unpaid_hint")
	}
	tn.say(strings.TrimSpace(text)).Card = orderCard(tn.lang, o)
	tn.st.tried("showed status of " + o.Number)
}

func outbound(o *commerce.Order) *commerce.Shipment {
	for i := len(o.Shipments) - 1; i >= 0; i-- {
		if o.Shipments[i].Direction == "outbound" {
			return &o.Shipments[i]
		}
	}
	return nil
}

func orderCard(lang string, o *commerce.Order) *Card {
	d := map[string]any{"number": o.Number, "status": o.Status, "status_label": named(statusNames, lang, o.Status), "total_cents": o.TotalCents, "placed_at": o.PlacedAt}
	if len(o.Items) > 0 {
		d["title"] = o.Items[0].Title
		d["items"] = len(o.Items)
	}
	if sh := outbound(o); sh != nil {
		d["carrier"], d["tracking_number"] = sh.CarrierName, sh.TrackingNumber
		if n := len(sh.Events); n > 0 {
			d["latest_event"] = sh.Events[n-1]
		}
	}
	return &Card{Type: "order", Title: o.Number, Data: d}
}

func (tn *turn) refundStatus() error {
	defer tn.st.endFlow()
	if tn.in.Customer.ID == 0 || tn.b.Cases == nil {
		tn.say(tn.t("need_login"), QuickReply{tn.t("human"), tn.t("human")})
		return nil
	}
	cases, err := tn.b.Cases.LatestCases(tn.ctx, tn.in.Customer.ID, 3)
	if err != nil {
		return err
	}
	if len(cases) == 0 {
		tn.say(tn.t("refund_none"), QuickReply{tn.qr("申请退货", "Return an item"), tn.qr("我要退货", "I want to return an item")})
		return nil
	}
	c := cases[0]
	kind := aftersales.Kind(c.Kind).Label(tn.lang)
	tn.say(tn.t("refund_status", kind, c.Ref, c.OrderNumber, named(caseStatusNames, tn.lang, c.Status))).Card =
		&Card{Type: "case", Title: c.Ref, Data: map[string]any{"ref": c.Ref, "type": c.Kind, "status": c.Status, "status_label": named(caseStatusNames, tn.lang, c.Status), "order_number": c.OrderNumber, "amount_cents": c.Cents}}
	tn.st.tried("showed after-sales status " + c.Ref)
	return nil
}

// ---------------------------------------------------------------- knowledge and products

func (tn *turn) knowledge(fallbackToNotSure bool) error {
	if tn.b.KB == nil {
		return tn.notUnderstood()
	}
	hit, err := tn.b.KB.Answer(tn.ctx, tn.kbQuestion(tn.u.Intent))
	if err != nil {
		return err
	}
	switch {
	case hit != nil && hit.Decision == "answer":
		var qr []QuickReply
		for _, r := range hit.Related {
			qr = append(qr, QuickReply{r, r})
		}
		tn.say(hit.Answer, qr...)
		tn.st.tried("answered from knowledge base: " + hit.Title)
		if tn.u.Intent == "invoice_request" {
			tn.say(tn.t("invoice_hint"), QuickReply{tn.t("human"), tn.t("human")})
		}
	case hit != nil && hit.Decision == "suggest":
		qr := []QuickReply{{hit.Title, hit.Title}}
		for _, r := range hit.Related {
			qr = append(qr, QuickReply{r, r})
		}
		tn.say(tn.t("not_sure_kb")+titleList(qr), qr...)
		tn.st.tried("suggested knowledge: " + hit.Title)
	default:
		if fallbackToNotSure {
			return tn.notUnderstood()
		}
	}
	return nil
}

func (tn *turn) product() error {
	if tn.b.Catalog == nil {
		return tn.knowledge(true)
	}
	query := tn.entity("product")
	if query == "" && tn.u.Intent != "product_recommendation" {
		return tn.knowledge(true)
	}
	products, err := tn.b.Catalog.FindProducts(tn.ctx, query, 3)
	if err != nil {
		return err
	}
	if len(products) == 0 {
		if tn.u.Intent == "size_advice" {
			return tn.knowledge(true)
		}
		tn.say(tn.t("product_none"))
		return nil
	}
	if tn.u.Intent == "product_recommendation" {
		tn.say(tn.t("recommend_intro"))
	}
	if tn.u.Intent == "size_advice" {
		p := products[0]
		chart := p.Attributes["size_chart"]
		if chart == "" {
			chart = p.Attributes["尺码"]
		}
		if chart == "" {
			return tn.knowledge(true)
		}
		tn.say(tn.t("size_intro") + title(tn.lang, p) + " — " + chart)
		return nil
	}
	for _, p := range products {
		stock := tn.t("in_stock")
		if p.Stock <= 0 {
			stock = tn.t("out_of_stock")
		}
		desc := p.DescriptionZH
		if tn.lang == "en" {
			desc = p.DescriptionEN
		}
		tn.say(tn.t("product_line", title(tn.lang, p), money(p.PriceCents), stock, clip(desc, 80))).Card =
			&Card{Type: "product", Title: title(tn.lang, p), Data: map[string]any{"sku": p.SKU, "price_cents": p.PriceCents, "stock": p.Stock, "images": p.Images}}
	}
	tn.st.tried("showed products for " + query)
	return nil
}

func title(lang string, p *commerce.Product) string {
	if lang == "en" && p.TitleEN != "" {
		return p.TitleEN
	}
	if p.TitleZH != "" {
		return p.TitleZH
	}
	return p.TitleEN
}

// ---------------------------------------------------------------- handoff

func (tn *turn) handOff(reason string, c *CaseResult) error {
	st := &tn.st
	tn.out.HandoffReason = reason
	if tn.b.Handoff == nil {
		tn.say(tn.t("handoff_failed"))
		return nil
	}
	req := HandoffRequest{ConversationID: tn.in.ConversationID, CustomerID: tn.in.Customer.ID, Tier: tn.in.Customer.Tier, Lang: tn.lang,
		Reason: reason, ReasonText: handoffReasonText(reason), Intent: tn.u.Intent, Understanding: tn.u,
		Attempts: append([]string(nil), st.Attempts...), LastMessage: clip(tn.in.Text, 500), OrderNumber: st.OrderNumber}
	if c != nil {
		req.CaseID = c.ID
	}
	if st.OrderNumber != "" && tn.b.Orders != nil {
		if o, err := tn.b.Orders.OrderByNumber(tn.ctx, st.OrderNumber); err == nil && o != nil && (tn.in.Customer.ID == 0 || o.CustomerID == tn.in.Customer.ID) {
			req.OrderID, req.OrderCents = o.ID, o.TotalCents
		}
	}
	res, err := tn.b.Handoff.HandOff(tn.ctx, req)
	if err != nil {
		return fmt.Errorf("hand off: %w", err)
	}
	st.endFlow()
	st.HandedOff, st.TicketID, st.LowConfidence = true, res.TicketID, 0
	tn.out.Handoff = res
	ref := fmt.Sprintf("#%d", res.TicketID)
	if res.OutsideHours {
		tn.say(tn.t("handoff_closed", ref, day(tn.lang, res.NextOpen)))
	} else {
		team := res.Team
		if team == "" {
			team = ref
		}
		tn.say(tn.t("handoff", team, res.WaitMinutes))
	}
	return nil
}

func handoffReasonText(reason string) string {
	switch reason {
	case "explicit_request":
		return "customer asked for a person / 客户要求转人工"
	case "low_confidence":
		return "bot did not understand twice in a row / 连续两次未理解"
	case "anger":
		return "customer is angry / 客户情绪激动"
	case "negative_sentiment":
		return "strongly negative sentiment / 强烈负面情绪"
	case "vip_aftersales":
		return "VIP customer after-sales / VIP 客户售后"
	case "flow_failure":
		return "the bot's flow failed repeatedly / 机器人流程多次失败"
	case "policy_exception":
		return "customer disputes a policy decision / 客户对政策结果有异议"
	case "complaint":
		return "complaint / 投诉"
	}
	return reason
}

// ---------------------------------------------------------------- helpers

// entity returns the value of the first entity of a type.
func (tn *turn) entity(typ string) string {
	for _, e := range tn.u.Entities {
		if e.Type == typ {
			if e.Value != "" {
				return e.Value
			}
			return e.Text
		}
	}
	if typ == "order_number" { // NLU may call it differently; the shop's own format is unambiguous
		if m := orderNumberRe.FindString(strings.ToUpper(tn.in.Text)); m != "" {
			return m
		}
	}
	return ""
}

var orderNumberRe = regexp.MustCompile(`KF\d{11,14}`)

func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

func isExit(text string) bool {
	s := strings.ToLower(strings.TrimSpace(text))
	for _, w := range []string{"算了", "不用了", "取消吧", "先不了", "不办了", "never mind", "nevermind", "forget it", "cancel that", "stop"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// ordinal reads a choice from a numbered list: "第二个", "2", "the second one", "最近那个"
// (the list starts with the most recent). 0 when the text is not a choice.
func ordinal(text string) int {
	s := strings.ToLower(strings.TrimSpace(strings.Trim(text, "。.!！ ")))
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 10 {
		return n
	}
	words := []struct {
		n     int
		words []string
	}{
		{1, []string{"第一", "第1", "最近", "最新", "first", "1st", "latest", "most recent", "newest"}},
		{2, []string{"第二", "第2", "second", "2nd"}},
		{3, []string{"第三", "第3", "third", "3rd"}},
		{4, []string{"第四", "第4", "fourth", "4th"}},
	}
	if utf8.RuneCountInString(s) > 20 {
		return 0
	}
	for _, w := range words {
		for _, x := range w.words {
			if strings.Contains(s, x) {
				return w.n
			}
		}
	}
	return 0
}

// addressIn finds a new address in a request such as "把地址改成北京市朝阳区建国路88号" or
// "change the address of order KF… to 5 Park Avenue, Beijing": the text after the last
// "改成 / to", when it looks like an address.
func addressIn(text string) string {
	s := strings.TrimSpace(text)
	best := ""
	for _, marker := range []string{"改成", "改为", "改到", "换成", "更改为", "修改为", "地址是", "送到", "寄到"} {
		if i := strings.LastIndex(s, marker); i >= 0 {
			if rest := strings.Trim(s[i+len(marker):], " ：:，,。."); looksLikeAddress(rest) && (best == "" || len(rest) < len(best)) {
				best = rest
			}
		}
	}
	if best != "" {
		return best
	}
	lower := strings.ToLower(s)
	if i := strings.Index(lower, "address"); i >= 0 {
		if j := strings.Index(lower[i:], " to "); j >= 0 {
			if rest := strings.Trim(s[i+j+4:], " :,."); looksLikeAddress(rest) {
				return rest
			}
		}
	}
	return ""
}

// disputes reports a customer arguing with a decision ("凭什么", "not fair").
func disputes(text string) bool {
	s := strings.ToLower(text)
	for _, w := range []string{"凭什么", "不接受", "不合理", "不公平", "不同意", "为什么不能", "为啥不能", "没道理", "not fair", "unfair", "exception", "disagree", "not acceptable", "why not", "why can't", "why cant"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func mentionsOtherOrder(text string) bool {
	s := strings.ToLower(text)
	for _, w := range []string{"另一个", "别的订单", "其他订单", "不是这个", "另外一个", "the other", "another order", "different order", "wrong order", "not this"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func mentionsPhoto(text string) bool {
	s := strings.ToLower(text)
	for _, w := range []string{"[图片]", "[image]", "照片", "图片已", "已上传", "拍了", "uploaded", "photo attached", "attached a photo", "here is a photo", "here's a photo", "sent a photo", "picture"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// looksLikeAddress accepts text with a place word or a street number and enough length.
func looksLikeAddress(text string) bool {
	s := strings.TrimSpace(text)
	if utf8.RuneCountInString(s) < 6 {
		return false
	}
	for _, w := range []string{"省", "市", "区", "县", "路", "街", "号", "村", "镇", "栋", "室", "road", "street", "st.", "ave", "avenue", "rd", "apt", "district", "city"} {
		if strings.Contains(strings.ToLower(s), w) {
			return true
		}
	}
	return false
}

var provinceRe = regexp.MustCompile(`^(.{2,3}?(?:省|自治区))?(.{2,4}?市)?(.{1,4}?(?:区|县))?`)

// parseAddress splits a Chinese address into province, city and district where it can; the
// full text always stays the line, so nothing the customer wrote is lost.
func parseAddress(text string) commerce.Address {
	a := commerce.Address{Line: strings.TrimSpace(text)}
	if m := provinceRe.FindStringSubmatch(a.Line); m != nil {
		a.Province, a.City, a.District = m[1], m[2], m[3]
	}
	return a
}

func (tn *turn) kbQuestion(intent string) KBQuestion {
	q := KBQuestion{Text: tn.in.Text, Lang: tn.lang, Intent: intent, Tier: tn.in.Customer.Tier, ConversationID: tn.in.ConversationID}
	if intent != "" && intent == tn.u.Intent {
		q.IntentScore = tn.u.Confidence
	}
	return q
}

// asksForRefund reports whether the message asks for money back, in words or as NLU's runner-up.
func (tn *turn) asksForRefund() bool {
	low := strings.ToLower(tn.in.Text)
	for _, w := range []string{"退款", "退钱", "退我钱", "refund", "money back"} {
		if strings.Contains(low, w) {
			return true
		}
	}
	for _, s := range tn.u.Top {
		if s.Intent == "refund_request" && s.Confidence >= 0.2 {
			return true
		}
	}
	return false
}
