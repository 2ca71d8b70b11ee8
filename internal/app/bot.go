package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"kefu/internal/bot"
	"kefu/internal/commerce"
	"kefu/internal/conversation"
	"kefu/internal/crm"
	"kefu/internal/httpapi"
	"kefu/internal/jobs"
	"kefu/internal/nlu"
	"kefu/internal/store"
)

// The adapters below connect the bot's small ports (internal/bot/ports.go) to the real
// services, so the bot depends on none of them and they depend not on the bot.

// nluPort adapts the NLU engine to bot.Understander.
type nluPort struct{ e *nlu.Engine }

func (p nluPort) Understand(ctx context.Context, text string) bot.Understanding {
	a := p.e.Analyze(text)
	u := bot.Understanding{Lang: a.Lang, Intent: a.Intent, Confidence: a.Confidence,
		Sentiment: bot.Feeling{Polarity: a.Sentiment.Polarity, Score: a.Sentiment.Score, Anger: a.Sentiment.Anger >= 0.5,
			Urgency: a.Sentiment.Urgency >= 0.5, Signals: a.Sentiment.Signals}}
	for _, s := range a.Top3 {
		u.Top = append(u.Top, bot.Scored{Intent: s.Label, Confidence: s.Score})
	}
	for _, e := range a.Entities {
		u.Entities = append(u.Entities, bot.Entity{Type: e.Type, Text: e.Text, Value: e.Value, Start: e.Start, End: e.End})
	}
	return u
}

// ordersPort adapts commerce to bot.Orders; writes run in their own transaction.
type ordersPort struct {
	c  *commerce.Service
	db *store.DB
}

func (p ordersPort) RecentOrders(ctx context.Context, customerID int64, limit int) ([]*commerce.Order, error) {
	return p.c.RecentOrders(ctx, customerID, limit)
}

func (p ordersPort) OrderByNumber(ctx context.Context, number string) (*commerce.Order, error) {
	return p.c.GetOrderByNumber(ctx, number)
}

func (p ordersPort) CancelOrder(ctx context.Context, orderID int64) error {
	return p.db.Tx(ctx, func(tx *store.Tx) error { return p.c.CancelOrder(ctx, tx, orderID) })
}

func (p ordersPort) ChangeAddress(ctx context.Context, orderID int64, a commerce.Address) error {
	return p.db.Tx(ctx, func(tx *store.Tx) error { return p.c.ChangeAddress(ctx, tx, orderID, a) })
}

func (p ordersPort) ItemCategories(ctx context.Context, orderID int64) (map[string]commerce.ItemCategory, error) {
	return p.c.ItemCategories(ctx, orderID)
}

// botResponder runs the bot for the conversation service: it loads who the customer is and
// the dialogue state, asks the bot, stores the annotation and the new state, hands the
// conversation to agents when the bot decided so, and returns the replies to post.
type botResponder struct {
	bot   *bot.Bot
	convs *conversation.Service
	crm   *crm.Service
}

func (r *botResponder) OnCustomerMessage(ctx context.Context, conv *conversation.Conversation, msg *conversation.Message) (conversation.Turn, error) {
	in := bot.Input{ConversationID: conv.ID, Text: msg.Body, State: bot.LoadState(conv.BotState), Lang: conv.Lang}
	if conv.CustomerID != nil {
		c, err := r.crm.Get(ctx, *conv.CustomerID)
		if err != nil {
			return conversation.Turn{}, err
		}
		in.Customer = bot.Customer{ID: c.ID, Name: c.Name, Tier: c.Tier, Lang: c.Lang}
	}
	if msg.ContentType == "image" || msg.ContentType == "voice" {
		var atts []struct {
			ID   any    `json:"id"`
			Kind string `json:"kind"`
			URL  string `json:"url"`
		}
		json.Unmarshal(msg.Attachments, &atts)
		for _, a := range atts {
			if msg.ContentType == "image" {
				ref, _ := json.Marshal(a.ID)
				in.Attachments = append(in.Attachments, "attachment:"+string(ref))
			}
		}
		if msg.ContentType == "image" && len(in.Attachments) == 0 {
			in.Attachments = []string{"message:" + strconv.FormatInt(msg.ID, 10)}
		}
	}
	// Records the turn makes along the way (knowledge-base usage) wait for its commit: one
	// transaction for the whole turn rather than one each (on PostgreSQL every commit waits
	// for the WAL flush).
	var writes []func(context.Context, store.Querier) error
	out, err := r.bot.Handle(withTurnWrites(ctx, func(w func(context.Context, store.Querier) error) { writes = append(writes, w) }), in)
	if err != nil {
		return conversation.Turn{}, err
	}
	// The annotation, the usage records and a handoff are committed with the replies; the
	// bot's state goes into the conversation row with them (Turn.State).
	commit := func(ctx context.Context, tx *store.Tx) error {
		for _, w := range writes {
			if err := w(ctx, tx); err != nil {
				return err
			}
		}
		if err := r.convs.Annotate(ctx, tx, msg.ID, out.Understanding.Intent, out.Understanding); err != nil {
			return err
		}
		if out.Handoff != nil {
			agent := "agent"
			u := conversation.Update{HandledBy: &agent}
			if out.Handoff.TeamID != 0 {
				u.TeamID = &out.Handoff.TeamID
			}
			if out.Handoff.AssigneeID != 0 {
				u.AssigneeID = &out.Handoff.AssigneeID
			}
			if err := r.convs.UpdateConversation(ctx, tx, conv.ID, u); err != nil {
				return err
			}
		}
		return nil
	}
	var outs []conversation.Outgoing
	for _, rep := range out.Replies {
		o := conversation.Outgoing{ContentType: "text", Body: rep.Text, Lang: out.Lang, Intent: out.Understanding.Intent}
		if rep.Card != nil || len(rep.QuickReplies) > 0 {
			payload := map[string]any{}
			if len(rep.QuickReplies) > 0 {
				payload["quick_replies"] = rep.QuickReplies
			}
			if rep.Card != nil {
				o.ContentType = "card"
				payload["card"] = rep.Card
			}
			o.Payload = payload
		}
		outs = append(outs, o)
	}
	if out.Handoff != nil {
		summary := map[string]any{"handoff_reason": out.HandoffReason, "ticket_id": out.Handoff.TicketID, "intent": out.Understanding.Intent,
			"sentiment": out.Understanding.Sentiment, "entities": out.Understanding.Entities, "bot_tried": out.State.Attempts}
		body, _ := json.Marshal(summary)
		outs = append(outs, conversation.Outgoing{ContentType: "text", Internal: true, Body: "handoff: " + string(body), Lang: out.Lang})
	}
	return conversation.Turn{Messages: outs, Commit: commit, State: out.State}, nil
}

// wireBot trains (once per process) the shipped NLU models, builds the bot on the real
// services and plugs it into the conversation service. Without NLU the bot is off and customer
// messages wait for agents, which is degraded but safe.
func (a *App) wireBot() {
	def, err := nlu.Default()
	if err != nil {
		a.Log.Error("NLU models failed to train; the bot is off", "err", err)
		return
	}
	// The trained default models are shared and read-only; each app gets its own engine so a
	// retrained model or a shop's catalogue never leaks into another app in the same process.
	eng := nlu.New(def.IntentModel(), def.SentimentModel())
	a.NLU = eng
	a.Bot = &bot.Bot{NLU: nluPort{eng}, Orders: ordersPort{a.Commerce, a.DB}, Catalog: a.Commerce, Policy: bot.DefaultHandoffPolicy(),
		Handoff: handoffPort{tickets: a.Tickets, db: a.DB, now: time.Now}, Cases: casesPort{svc: a.Aftersales, db: a.DB},
		KB: knowledgePort{a.Server.Services.KB}}
	a.Conversations.SetResponder(&botResponder{bot: a.Bot, convs: a.Conversations, crm: a.CRM})
	a.Server.Services.NLU = a.nluServices()
}

// RefreshCatalog gives NLU the product names and SKUs to recognise, and the segmenter the
// brand and product words. Call it at start and after catalogue imports.
func (a *App) RefreshCatalog(ctx context.Context) error {
	if a.NLU == nil {
		return nil
	}
	entries, err := a.Commerce.Catalog(ctx)
	if err != nil {
		return err
	}
	products := make([]nlu.Product, 0, len(entries))
	for _, e := range entries {
		names := []string{}
		for _, n := range []string{e.TitleZH, e.TitleEN} {
			if n != "" {
				names = append(names, n)
			}
		}
		if e.Brand != "" && e.TitleZH != "" {
			names = append(names, e.Brand+e.TitleZH) // customers often say brand and product together
		}
		products = append(products, nlu.Product{SKU: e.SKU, Names: names})
	}
	a.NLU.SetCatalog(products)
	return nil
}

// nluServices exposes corrections, model versions and retraining to the API.
func (a *App) nluServices() *httpapi.NLUServices {
	st := nlu.NewStore(a.DB)
	var intents []string
	if a.NLU != nil {
		for _, l := range a.NLU.IntentModel().Labels {
			if l != "oos" {
				intents = append(intents, l)
			}
		}
	}
	return &httpapi.NLUServices{Store: st, Intents: intents,
		Retrain: func(r *http.Request, task string) error {
			return jobs.Enqueue(r.Context(), a.DB, RetrainJob, map[string]string{"task": task}, jobs.Options{UniqueKey: RetrainJob + ":" + task})
		},
		Reload: func(ctx context.Context) error {
			if a.NLU == nil {
				return nil
			}
			return nlu.LoadActive(ctx, st, a.NLU)
		}}
}

// turnWritesKey carries, through the bot's ports, where a turn's deferred writes go.
type turnWritesKey struct{}

func withTurnWrites(ctx context.Context, later func(func(context.Context, store.Querier) error)) context.Context {
	return context.WithValue(ctx, turnWritesKey{}, later)
}

// turnWritesFrom returns the turn's deferral, or nil outside a bot turn (write at once).
func turnWritesFrom(ctx context.Context) func(func(context.Context, store.Querier) error) {
	later, _ := ctx.Value(turnWritesKey{}).(func(func(context.Context, store.Querier) error))
	return later
}
