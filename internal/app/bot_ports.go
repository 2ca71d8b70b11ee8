package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kefu/internal/aftersales"
	"kefu/internal/bot"
	"kefu/internal/kb"
	"kefu/internal/kb/search"
	"kefu/internal/sla"
	"kefu/internal/store"
	"kefu/internal/ticket"
)

// handoffPort adapts the ticket service to bot.Handoff: one open ticket per conversation,
// created with the bot's whole context (classified, prioritised, under SLA, assigned) or, when
// one is already open, updated with a note, so agents see a single thread.
type handoffPort struct {
	tickets *ticket.Service
	db      *store.DB
	now     func() time.Time
}

func (p handoffPort) HandOff(ctx context.Context, req bot.HandoffRequest) (*bot.HandoffResult, error) {
	actor := ticket.Actor{Kind: ticket.ActorSystem}
	var existing int64
	err := p.db.QueryRow(ctx, `SELECT id FROM tickets WHERE conversation_id = ? AND status NOT IN ('resolved', 'closed') ORDER BY id DESC LIMIT 1`, req.ConversationID).Scan(&existing)
	if err != nil && !store.IsNoRows(err) {
		return nil, err
	}
	var t *ticket.Ticket
	if existing != 0 {
		if _, err := p.tickets.AddNote(ctx, existing, actor, "bot handoff again: "+req.ReasonText+"\n"+summaryText(req)); err != nil {
			return nil, err
		}
		if t, err = p.tickets.Get(ctx, existing); err != nil {
			return nil, err
		}
	} else {
		in := ticket.CreateInput{Subject: subjectFor(req), Description: summaryText(req), Type: ticketType(req), Source: "bot_handoff",
			CustomerID: req.CustomerID, OrderID: req.OrderID, ConversationID: req.ConversationID, Intent: req.Intent,
			Sentiment: req.Understanding.Sentiment.Score, Anger: req.Understanding.Sentiment.Anger, Urgency: req.Understanding.Sentiment.Urgency,
			Language: req.Lang, Tags: []string{"handoff:" + req.Reason}}
		for _, e := range req.Understanding.Entities {
			in.Entities = append(in.Entities, ticket.Entity{Type: e.Type, Value: e.Value})
		}
		if t, err = p.tickets.Create(ctx, in, actor); err != nil {
			return nil, err
		}
	}
	res := &bot.HandoffResult{TicketID: t.ID}
	var team int64
	if t.TeamID != nil {
		team, res.TeamID = *t.TeamID, *t.TeamID
		name, nameEN := "", ""
		p.db.QueryRow(ctx, `SELECT name, name_en FROM teams WHERE id = ?`, team).Scan(&name, &nameEN)
		res.Team = name
		if req.Lang == "en" && nameEN != "" {
			res.Team = nameEN
		}
	}
	if t.AssigneeID != nil {
		res.AssigneeID = *t.AssigneeID
	}
	hours, err := p.tickets.TeamHours(ctx, team)
	if err != nil {
		return nil, err
	}
	now := p.now()
	if !hours.IsAlwaysOpen() && !hours.IsOpen(now) {
		res.OutsideHours, res.NextOpen = true, sla.NextOpen(now, hours)
		return res, nil
	}
	res.WaitMinutes, err = p.expectedWait(ctx, team, t.AssigneeID != nil)
	return res, err
}

// expectedWait estimates minutes until an agent answers: the unassigned tickets ahead in the
// team's queue, shared among its online agents, at about four minutes each.
func (p handoffPort) expectedWait(ctx context.Context, team int64, assigned bool) (int, error) {
	if assigned {
		return 2, nil
	}
	var ahead, online int
	if err := p.db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE assignee_id IS NULL AND status IN ('new', 'open') AND (team_id = ? OR ? = 0)`, team, team).Scan(&ahead); err != nil {
		return 0, err
	}
	if err := p.db.QueryRow(ctx, `SELECT COUNT(*) FROM users u JOIN team_members m ON m.user_id = u.id WHERE u.status = 'online' AND u.disabled = ? AND (m.team_id = ? OR ? = 0)`, false, team, team).Scan(&online); err != nil {
		return 0, err
	}
	if online == 0 {
		online = 1
	}
	wait := 2 + ahead*4/online
	if wait > 120 {
		wait = 120
	}
	return wait, nil
}

func ticketType(req bot.HandoffRequest) string {
	switch {
	case req.Reason == "complaint" || req.Intent == "complaint":
		return "complaint"
	case req.CaseID != 0 || aftersalesIntents[req.Intent]:
		return "after_sales"
	}
	return "problem"
}

var aftersalesIntents = map[string]bool{"return_request": true, "refund_request": true, "exchange_request": true, "damaged_item": true,
	"missing_item": true, "warranty_repair": true, "price_protection": true}

func subjectFor(req bot.HandoffRequest) string {
	s := []rune(strings.TrimSpace(req.LastMessage))
	if len(s) > 60 {
		s = append(s[:60], '…')
	}
	if len(s) == 0 {
		return "转人工 / handoff: " + req.Reason
	}
	return string(s)
}

// summaryText is the handoff record agents read first: why, what the customer wants, what
// the bot already tried.
func summaryText(req bot.HandoffRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Handoff reason / 转人工原因: %s\n", req.ReasonText)
	fmt.Fprintf(&b, "Intent / 意图: %s (%.2f)\n", req.Intent, req.Understanding.Confidence)
	fmt.Fprintf(&b, "Sentiment / 情绪: %s %.2f", req.Understanding.Sentiment.Polarity, req.Understanding.Sentiment.Score)
	if req.Understanding.Sentiment.Anger {
		b.WriteString(" (angry / 愤怒)")
	}
	b.WriteString("\n")
	if req.OrderNumber != "" {
		fmt.Fprintf(&b, "Order / 订单: %s\n", req.OrderNumber)
	}
	if req.CaseID != 0 {
		fmt.Fprintf(&b, "After-sales case / 售后单: %s\n", aftersales.CaseRef(req.CaseID))
	}
	if len(req.Understanding.Entities) > 0 {
		b.WriteString("Entities / 实体:")
		for _, e := range req.Understanding.Entities {
			fmt.Fprintf(&b, " %s=%s", e.Type, e.Value)
		}
		b.WriteString("\n")
	}
	if len(req.Attempts) > 0 {
		b.WriteString("Bot tried / 机器人已尝试:\n")
		for _, a := range req.Attempts {
			b.WriteString("- " + a + "\n")
		}
	}
	fmt.Fprintf(&b, "Last message / 最后一条消息: %s", req.LastMessage)
	return b.String()
}

// casesPort adapts the after-sales service to bot.Cases. The service re-evaluates the policy
// when it opens the case, so what is stored is always the engine's own decision.
type casesPort struct {
	svc *aftersales.Service
	db  *store.DB
}

func (p casesPort) Policy(ctx context.Context) aftersales.Policy {
	if pol, err := p.svc.Policy(ctx); err == nil {
		return pol
	}
	return aftersales.DefaultPolicy()
}

func (p casesPort) OpenCase(ctx context.Context, req bot.CaseRequest) (*bot.CaseResult, error) {
	in := aftersales.CreateInput{Kind: req.Kind, CustomerID: req.CustomerID, OrderID: req.OrderID, Reason: req.Reason, Description: req.ReasonText, Items: req.Items, Lang: req.Lang}
	// Evidence is an uploaded attachment, or an image message the customer sent in the chat.
	for _, ref := range req.Evidence {
		kind, id, _ := strings.Cut(ref, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue
		}
		switch kind {
		case "attachment":
			in.Evidence = append(in.Evidence, n)
		case "message":
			in.EvidenceMessages = append(in.EvidenceMessages, n)
		}
	}
	rec, err := p.svc.Create(ctx, in, aftersales.Actor{Kind: aftersales.ActorCustomer, ID: req.CustomerID})
	if err != nil {
		return nil, err
	}
	return &bot.CaseResult{ID: rec.ID, Ref: rec.Ref, Kind: string(rec.Kind), Status: string(rec.State)}, nil
}

func (p casesPort) LatestCases(ctx context.Context, customerID int64, limit int) ([]bot.CaseView, error) {
	rows, err := p.db.Query(ctx, `SELECT c.id, c.type, c.status, COALESCE(o.number, ''), c.refunded_cents, c.approved_cents, c.requested_cents, c.updated_at
		FROM aftersales_cases c LEFT JOIN orders o ON o.id = c.order_id WHERE c.customer_id = ? ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`, customerID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bot.CaseView
	for rows.Next() {
		var v bot.CaseView
		var refunded, approved, requested int64
		if err := rows.Scan(&v.ID, &v.Kind, &v.Status, &v.OrderNumber, &refunded, &approved, &requested, &v.UpdatedAt); err != nil {
			return nil, err
		}
		v.Ref = aftersales.CaseRef(v.ID)
		v.Cents = requested
		if approved > 0 {
			v.Cents = approved
		}
		if refunded > 0 {
			v.Cents = refunded
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// intentAgreementMin is the NLU confidence above which an intent may confirm a retrieval
// suggestion; at 0.9 the shipped model's top intent is almost always right.
const intentAgreementMin = 0.9

// knowledgePort adapts the knowledge base to bot.Knowledge: the same retrieval agents and
// `kefu kb eval` use, with its calibrated decision.
type knowledgePort struct{ kb *kb.Service }

func (p knowledgePort) Answer(ctx context.Context, q bot.KBQuestion) (*bot.KBAnswer, error) {
	later := turnWritesFrom(ctx)
	r, err := p.kb.Answer(ctx, kb.BotRequest{Text: q.Text, Lang: q.Lang, Tier: q.Tier, Intent: q.Intent, ConversationID: q.ConversationID, Later: later})
	if err != nil || r == nil || len(r.Items) == 0 {
		return nil, err
	}
	top := r.Items[0]
	out := &bot.KBAnswer{ArticleID: top.Article.ID, Title: top.Article.Title, Answer: r.Text, Score: r.Confidence, Decision: r.Decision}
	// Two independent signals agreeing — NLU is sure what kind of question this is, and the best
	// article is of exactly that kind — is enough to answer where retrieval alone would only
	// suggest (a short question shares few words with any one article).
	if r.Decision == search.DecisionSuggest && q.IntentScore >= intentAgreementMin && search.IntentMatches(q.Intent, top.Article.Category) {
		text, err := p.kb.ShowAnswer(ctx, top.Article.ID, q.ConversationID, q.Text, r.Confidence, later)
		if err != nil {
			return nil, err
		}
		out.Answer, out.Decision = text, search.DecisionAnswer
	}
	for _, h := range r.Items[1:] {
		out.Related = append(out.Related, h.Article.Title)
	}
	return out, nil
}
