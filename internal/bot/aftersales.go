package bot

import (
	"slices"
	"strings"
	"unicode"

	"kefu/internal/aftersales"
	"kefu/internal/commerce"
)

// kindFor maps the customer's request and the order's state to an after-sales case kind.
// A refund asked for before shipping is a cancellation, handled by the cancel flow.
func kindFor(intent, orderStatus string) aftersales.Kind {
	switch intent {
	case "exchange_request":
		return aftersales.Kind("exchange")
	case "warranty_repair":
		return aftersales.Kind("repair")
	case "price_protection":
		return aftersales.Kind("price_protection")
	case "missing_item":
		return aftersales.Kind("refund_only")
	case "refund_request":
		if orderStatus == "shipped" {
			return aftersales.Kind("refund_only")
		}
	}
	return aftersales.Kind("return")
}

// reasonFromIntent is the reason implied by the request itself, when it implies one.
func reasonFromIntent(intent string, fallback aftersales.Reason) aftersales.Reason {
	switch intent {
	case "damaged_item":
		return aftersales.ReasonDamaged
	case "missing_item":
		return aftersales.ReasonMissingParts
	case "warranty_repair":
		return aftersales.ReasonQuality
	case "price_protection":
		return aftersales.ReasonPriceDrop
	}
	return fallback
}

// reasonOf reads a reason from the customer's words (or a quick-reply button's text).
func reasonOf(text string) aftersales.Reason {
	s := strings.ToLower(text)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("无理由", "不想要", "不喜欢", "不合适", "买错", "拍错", "no reason", "changed my mind", "don't want", "dont want", "don't like", "doesn't fit", "does not fit", "too small", "too big"):
		return aftersales.ReasonNoReason
	case has("破损", "碎", "压坏", "摔坏", "damaged", "broken", "cracked", "smashed"):
		return aftersales.ReasonDamaged
	case has("发错", "错发", "不是我买的", "wrong item", "wrong size sent", "wrong colour", "wrong color", "sent the wrong"):
		return aftersales.ReasonWrongItem
	case has("少件", "缺件", "漏发", "少发", "少了", "missing"):
		return aftersales.ReasonMissingParts
	case has("描述不符", "与描述", "色差", "不一样", "not as described", "different from"):
		return aftersales.ReasonNotAsDescribed
	case has("质量", "瑕疵", "坏了", "不能用", "故障", "开线", "掉色", "没声音", "充不进电", "开不了机", "没反应", "quality", "defect", "faulty", "stopped working", "doesn't work", "does not work", "not working"):
		return aftersales.ReasonQuality
	case has("不太喜欢", "不太合适", "码数", "尺码", "偏小", "偏大", "挤脚", "小了", "大了", "买多", "用不上", "不需要", "不要了", "颜色不喜欢", "too tight", "too loose", "don't need", "dont need", "no longer need", "anymore"):
		// size, quantity or taste, after the faults above: the customer's choice, a no-reason request
		return aftersales.ReasonNoReason
	}
	return ""
}

func (tn *turn) reasonButtons() []QuickReply {
	if tn.lang == "en" {
		return []QuickReply{{"Changed my mind (7-day no reason)", "I changed my mind, no reason"}, {"Quality problem", "It has a quality problem"},
			{"Wrong item sent", "You sent the wrong item"}, {"Not as described", "It's not as described"}}
	}
	return []QuickReply{{"七天无理由", "不想要了，七天无理由"}, {"质量问题", "质量问题"}, {"发错货", "发错货了"}, {"与描述不符", "与描述不符"}}
}

// aftersales runs return / refund / exchange / repair / price-protection requests: pick the
// order, learn the reason, collect evidence where the policy wants it, let the tier policy
// decide, open the case and tell the customer what happens next.
func (tn *turn) aftersales() error {
	st := &tn.st
	if len(st.Photos) > 0 { // pictures sent before the request are its evidence
		st.Evidence = appendNew(st.Evidence, st.Photos...)
		st.Photos = nil
	}
	fits := func(o *commerce.Order) bool { return o.Status == "delivered" || o.Status == "completed" }
	switch st.Flow {
	case "refund_request":
		// before shipping a refund is a cancellation, so any paid order may be meant
		fits = func(o *commerce.Order) bool { return o.Status != "pending_payment" && o.Status != "cancelled" }
	case "missing_item":
		fits = func(o *commerce.Order) bool {
			return o.Status == "shipped" || o.Status == "delivered" || o.Status == "completed"
		}
	case "price_protection":
		fits = func(o *commerce.Order) bool { return o.Status != "pending_payment" && o.Status != "cancelled" }
	}
	o, ok, err := tn.pickOrder(false, fits)
	if !ok || err != nil {
		return err
	}
	if st.Flow == "refund_request" && commerce.Cancellable(o.Status) {
		// Not shipped yet: the refund is a cancellation.
		st.Flow = "cancel_order"
		return tn.advance()
	}
	if tn.b.Cases == nil {
		st.tried("after-sales cases are not available")
		return tn.handOff("flow_failure", nil)
	}
	kind := aftersales.Kind(st.Kind)
	if kind == "" {
		kind = kindFor(st.Flow, o.Status)
		if kind == aftersales.KindRepair && wantsMoneyBack(tn.in.Text) {
			// "stopped working, I want a refund": NLU hears a repair, the customer asks for a return
			kind = aftersales.KindReturn
		}
		st.Items = itemsNamed(o, tn.in.Text)
	}
	st.Kind = string(kind)
	if st.Reason == "" {
		if r := reasonOf(tn.in.Text); r != "" {
			st.Reason = string(r)
		} else if r := reasonFromIntent(st.Flow, ""); r != "" {
			st.Reason = string(r)
		}
	}
	if st.Reason == "" {
		st.Step = "reason"
		tn.say(tn.t("ask_reason"), tn.reasonButtons()...)
		return nil
	}
	reason := aftersales.Reason(st.Reason)
	policy := tn.b.Cases.Policy(tn.ctx)
	st.Evidence = appendNew(st.Evidence, tn.in.Attachments...)
	req, err := tn.policyRequest(o, kind, reason)
	if err != nil {
		return err
	}
	if needsEvidence(policy, reason) && photos(st.Evidence) == 0 && st.Step != "evidence_done" {
		// Ask for photos only when they would make the request succeed: one that fails anyway
		// (past the window) is answered now rather than after the customer took pictures.
		probe := req
		probe.EvidencePhotos = max(policy.MinEvidencePhotos, 1)
		if d, err := aftersales.Evaluate(policy, probe); err == nil && d.Allowed {
			st.Step = "evidence"
			tn.say(tn.t("ask_evidence", kind.Label(tn.lang)))
			return nil
		}
	}
	decision, err := aftersales.Evaluate(policy, req)
	if err != nil {
		st.tried("policy evaluation failed: " + err.Error())
		return tn.handOff("flow_failure", nil)
	}
	if !decision.Allowed && decision.Retry {
		// Only the photos are missing: keep the request open and wait for them.
		st.Step = "evidence"
		st.tried("asked again for photos (rule " + decision.RuleID + ")")
		return tn.retry(tn.t("evidence_again", max(policy.MinEvidencePhotos, 1)))
	}
	if !decision.Allowed {
		text := tn.t("case_rejected", kind.Label(tn.lang), reasonIn(tn.lang, decision))
		if decision.Suggest != "" {
			text += tn.t("case_suggest", decision.Suggest.Label(tn.lang))
		}
		tn.say(text, QuickReply{tn.t("human"), tn.t("human")})
		st.tried("policy refused " + string(kind) + ": rule " + decision.RuleID)
		st.endFlow()
		st.Flow = "policy_exception"
		return nil
	}
	var items []aftersales.CaseItem
	if len(st.Items) > 0 { // only when the customer named items; otherwise the case covers the order
		for _, it := range tn.linesMeant(o, kind, reason) {
			items = append(items, aftersales.CaseItem{OrderItemID: it.ID, Qty: it.Qty})
		}
	}
	c, err := tn.b.Cases.OpenCase(tn.ctx, CaseRequest{ConversationID: tn.in.ConversationID, CustomerID: tn.in.Customer.ID, OrderID: o.ID,
		Kind: kind, Reason: reason, ReasonText: clip(tn.in.Text, 500), Evidence: st.Evidence, Items: items, Decision: decision, RequestedCents: int64(decision.Amount), Lang: tn.lang})
	if err != nil {
		return err
	}
	tn.out.Case = c
	tn.say(tn.t("case_opened", kind.Label(tn.lang), c.Ref, tn.nextSteps(kind, decision, c.Status))).Card =
		&Card{Type: "case", Title: c.Ref, Data: map[string]any{"ref": c.Ref, "type": c.Kind, "status": c.Status, "status_label": named(caseStatusNames, tn.lang, c.Status), "order_number": o.Number, "amount_cents": int64(decision.Amount), "rule": decision.RuleID}}
	st.tried("opened " + string(kind) + " case " + c.Ref + " (rule " + decision.RuleID + ")")
	if tn.b.Policy.VIPAftersales && tn.in.Customer.Tier == "vip" {
		return tn.handOff("vip_aftersales", c)
	}
	st.endFlow()
	return nil
}

// photos counts the evidence that is a real upload; "described:" notes (the customer said
// they sent a photo) are kept for the agent but prove nothing.
func photos(evidence []string) int {
	n := 0
	for _, e := range evidence {
		if !strings.HasPrefix(e, "described:") {
			n++
		}
	}
	return n
}

// appendNew adds the references not already in list.
func appendNew(list []string, refs ...string) []string {
	for _, r := range refs {
		if !slices.Contains(list, r) {
			list = append(list, r)
		}
	}
	return list
}

// wantsMoneyBack reports an explicit ask for a return or refund.
func wantsMoneyBack(text string) bool {
	s := strings.ToLower(text)
	for _, w := range []string{"退货", "退款", "退钱", "退掉", "refund", "money back", "return it", "send it back"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// itemsNamed returns the SKUs of the order lines the text names: two neighbouring letters of
// a Chinese title ("T恤" in "速干T恤"), or an English title word of four letters or more
// ("shirt" in "one of the shirts").
func itemsNamed(o *commerce.Order, text string) []string {
	s := strings.ToLower(text)
	var named []string
	for _, it := range o.Items {
		if titleMentioned(strings.ToLower(it.Title), s) {
			named = append(named, it.SKU)
		}
	}
	return named
}

func titleMentioned(title, text string) bool {
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		rs := []rune(w)
		if isCJK(w) {
			for i := 0; i+1 < len(rs); i++ {
				if pair := string(rs[i : i+2]); isCJK(pair) && strings.Contains(text, pair) {
					return true
				}
			}
			continue
		}
		if len(rs) >= 4 && strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func needsEvidence(p aftersales.Policy, r aftersales.Reason) bool {
	for _, x := range p.EvidenceRequiredFor {
		if x == r {
			return true
		}
	}
	return false
}

func tierOr(t string) string {
	if t == "" {
		return "regular"
	}
	return t
}

func reasonIn(lang string, d aftersales.Decision) string {
	if lang == "en" {
		return d.ReasonEN
	}
	return d.ReasonZH
}

// nextSteps tells the customer what happens now. The stored case's status decides (the
// after-sales service re-evaluates the policy when it opens the case), the bot's own decision
// only adds the details (amount, who pays the return shipping).
func (tn *turn) nextSteps(kind aftersales.Kind, d aftersales.Decision, status string) string {
	var next string
	if (kind == aftersales.KindPriceProtection || kind == aftersales.KindRefundOnly) && d.Amount > 0 {
		next = tn.t("amount_line", money(int64(d.Amount)))
	}
	switch {
	case status == string(aftersales.StateRejected):
		next += tn.t("next_rejected")
	case status == string(aftersales.StateApproved) || (status == "" && d.Outcome == aftersales.OutcomeAutoApprove):
		ship := ""
		if d.ReturnShippingPaidBy != "" {
			ship = tn.t("next_ship_back", tn.payer(string(d.ReturnShippingPaidBy)))
		} else {
			ship = tn.t("next_refund")
		}
		next += tn.t("next_auto", ship)
	default:
		next += tn.t("next_review")
	}
	return next
}

func (tn *turn) payer(p string) string {
	if aftersales.Payer(p) == aftersales.PayerBuyer {
		return tn.t("buyer")
	}
	return tn.t("shop")
}

// linesMeant are the order lines the request is about, with the quantities: the items the
// customer named (one unit of each for a missing item, "少发了一件"), or the whole order.
func (tn *turn) linesMeant(o *commerce.Order, kind aftersales.Kind, reason aftersales.Reason) []commerce.Item {
	if len(tn.st.Items) == 0 {
		return o.Items
	}
	var lines []commerce.Item
	for _, it := range o.Items {
		if slices.Contains(tn.st.Items, it.SKU) {
			qty := it.Qty - it.RefundedQty
			if kind == aftersales.KindRefundOnly && reason == aftersales.ReasonMissingParts {
				qty = min(qty, 1)
			}
			it.Qty = max(qty, 1)
			lines = append(lines, it)
		}
	}
	return lines
}

// policyRequest gathers the facts the policy engine decides on.
func (tn *turn) policyRequest(o *commerce.Order, kind aftersales.Kind, reason aftersales.Reason) (aftersales.Request, error) {
	req := aftersales.Request{Kind: kind, Tier: aftersales.Tier(tierOr(tn.in.Customer.Tier)), Reason: reason, Now: tn.b.Now(),
		EvidencePhotos: photos(tn.st.Evidence), Amount: aftersales.Money(o.TotalCents - o.RefundedCents)}
	if o.PaidAt != nil {
		req.PaidAt = *o.PaidAt
	}
	if o.ShippedAt != nil {
		req.ShippedAt = *o.ShippedAt
	}
	if o.DeliveredAt != nil {
		req.DeliveredAt = *o.DeliveredAt
	}
	lines := tn.linesMeant(o, kind, reason)
	if len(tn.st.Items) > 0 {
		var cents int64
		for _, it := range lines {
			cents += int64(it.Qty) * it.UnitPriceCents
		}
		req.Amount = aftersales.Money(min(cents, o.TotalCents-o.RefundedCents))
	}
	cats, err := tn.b.Orders.ItemCategories(tn.ctx, o.ID)
	if err != nil {
		return req, err
	}
	for _, it := range lines {
		c := cats[it.SKU]
		req.Items = append(req.Items, aftersales.Item{SKU: it.SKU, Name: it.Title, Category: c.Category, Qty: it.Qty, ExcludedFromNoReason: !c.NoReasonReturn && c.Category != ""})
	}
	if kind == "price_protection" && len(lines) > 0 {
		it := lines[0]
		req.PaidUnitPrice, req.Qty = aftersales.Money(it.UnitPriceCents), it.Qty
		req.CurrentUnitPrice = req.PaidUnitPrice
		if tn.b.Catalog != nil {
			if ps, err := tn.b.Catalog.FindProducts(tn.ctx, it.SKU, 1); err == nil && len(ps) == 1 {
				req.CurrentUnitPrice = aftersales.Money(ps[0].PriceCents)
			}
		}
	}
	return req, nil
}
