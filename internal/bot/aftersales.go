package bot

import (
	"strings"

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
	case has("少件", "缺件", "漏发", "少了", "missing"):
		return aftersales.ReasonMissingParts
	case has("描述不符", "与描述", "色差", "不一样", "not as described", "different from"):
		return aftersales.ReasonNotAsDescribed
	case has("质量", "瑕疵", "坏了", "不能用", "故障", "开线", "掉色", "quality", "defect", "faulty", "stopped working", "doesn't work", "does not work", "not working"):
		return aftersales.ReasonQuality
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
	if tn.b.Cases == nil {
		return tn.handOff("flow_failure", nil)
	}
	fits := func(o *commerce.Order) bool { return o.Status == "delivered" || o.Status == "completed" }
	switch st.Flow {
	case "refund_request", "missing_item":
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
	kind := kindFor(st.Flow, o.Status)
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
	if needsEvidence(policy, reason) && len(st.Evidence) == 0 && len(tn.in.Attachments) == 0 && st.Step != "evidence_done" {
		st.Step = "evidence"
		tn.say(tn.t("ask_evidence"))
		return nil
	}
	st.Evidence = append(st.Evidence, tn.in.Attachments...)
	req, err := tn.policyRequest(o, kind, reason)
	if err != nil {
		return err
	}
	decision, err := aftersales.Evaluate(policy, req)
	if err != nil {
		st.tried("policy evaluation failed: " + err.Error())
		return tn.handOff("flow_failure", nil)
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
	c, err := tn.b.Cases.OpenCase(tn.ctx, CaseRequest{ConversationID: tn.in.ConversationID, CustomerID: tn.in.Customer.ID, OrderID: o.ID,
		Kind: kind, Reason: reason, ReasonText: clip(tn.in.Text, 500), Evidence: st.Evidence, Decision: decision, RequestedCents: int64(decision.Amount)})
	if err != nil {
		return err
	}
	tn.out.Case = c
	tn.say(tn.t("case_opened", kind.Label(tn.lang), c.Ref, tn.nextSteps(kind, decision))).Card =
		&Card{Type: "case", Title: c.Ref, Data: map[string]any{"ref": c.Ref, "type": c.Kind, "status": c.Status, "status_label": named(caseStatusNames, tn.lang, c.Status), "order_number": o.Number, "amount_cents": int64(decision.Amount), "rule": decision.RuleID}}
	st.tried("opened " + string(kind) + " case " + c.Ref + " (rule " + decision.RuleID + ")")
	if tn.b.Policy.VIPAftersales && tn.in.Customer.Tier == "vip" {
		return tn.handOff("vip_aftersales", c)
	}
	st.endFlow()
	return nil
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

func (tn *turn) nextSteps(kind aftersales.Kind, d aftersales.Decision) string {
	var next string
	switch d.Outcome {
	case aftersales.OutcomeAutoApprove:
		ship := ""
		if d.ReturnShippingPaidBy != "" {
			ship = tn.t("next_ship_back", tn.payer(string(d.ReturnShippingPaidBy)))
		} else {
			ship = tn.t("next_refund")
		}
		next = tn.t("next_auto", ship)
	default:
		next = tn.t("next_review")
	}
	return next
}

func (tn *turn) payer(p string) string {
	if aftersales.Payer(p) == aftersales.PayerBuyer {
		return tn.t("buyer")
	}
	return tn.t("shop")
}

// policyRequest gathers the facts the policy engine decides on.
func (tn *turn) policyRequest(o *commerce.Order, kind aftersales.Kind, reason aftersales.Reason) (aftersales.Request, error) {
	req := aftersales.Request{Kind: kind, Tier: aftersales.Tier(tierOr(tn.in.Customer.Tier)), Reason: reason, Now: tn.b.Now(),
		EvidencePhotos: len(tn.st.Evidence), Amount: aftersales.Money(o.TotalCents - o.RefundedCents)}
	if o.PaidAt != nil {
		req.PaidAt = *o.PaidAt
	}
	if o.ShippedAt != nil {
		req.ShippedAt = *o.ShippedAt
	}
	if o.DeliveredAt != nil {
		req.DeliveredAt = *o.DeliveredAt
	}
	cats, err := tn.b.Orders.ItemCategories(tn.ctx, o.ID)
	if err != nil {
		return req, err
	}
	for _, it := range o.Items {
		c := cats[it.SKU]
		req.Items = append(req.Items, aftersales.Item{SKU: it.SKU, Name: it.Title, Category: c.Category, Qty: it.Qty, ExcludedFromNoReason: !c.NoReasonReturn && c.Category != ""})
	}
	if kind == "price_protection" && len(o.Items) > 0 {
		it := o.Items[0]
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
