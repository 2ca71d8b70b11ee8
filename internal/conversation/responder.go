package conversation

import (
	"context"
	"encoding/json"
	"time"

	"kefu/internal/store"
)

// Responder answers customer messages automatically — the bot implements it. It is called
// after the customer's message is committed and acknowledged, once per new customer message
// in a conversation handled by the bot, never concurrently for the same conversation.
// The messages of its Turn are posted as the bot, in order, in one transaction with the
// Turn's Commit, which may change the conversation (hand it to an agent with
// UpdateConversation, annotate msg with Annotate) and carry its new dialogue state.
type Responder interface {
	OnCustomerMessage(ctx context.Context, conv *Conversation, msg *Message) (Turn, error)
}

// Turn is the responder's answer to one customer message.
type Turn struct {
	Messages []Outgoing
	// Commit, when set, runs inside the transaction that stores Messages: the bot's records
	// and its replies land together or not at all, and one commit costs less than two.
	Commit func(ctx context.Context, tx *store.Tx) error
	// State, when set, is the responder's new dialogue state for the conversation (stored as
	// JSON in the conversation row, in the same transaction).
	State any
}

// Outgoing is one message the responder wants to send.
type Outgoing struct {
	ContentType string // text (default) or card
	Body        string
	Payload     any  // card data, quick replies
	Internal    bool // a note for agents (e.g. a handoff summary), never shown to the customer
	Intent      string
	NLU         any
	Lang        string
}

type responderBox struct{ r Responder }

// SetResponder plugs in the bot; nil removes it, after which customer messages simply wait
// for an agent.
func (s *Service) SetResponder(r Responder) {
	if r == nil {
		s.responder.Store(nil)
		return
	}
	s.responder.Store(&responderBox{r})
}

// Responder returns the plugged-in responder, or nil.
func (s *Service) Responder() Responder {
	if b := s.responder.Load(); b != nil {
		return b.r
	}
	return nil
}

// respondTimeout bounds one bot turn so a stuck bot cannot hold a conversation forever.
const respondTimeout = 20 * time.Second

// Respond runs the responder for a newly posted customer message and posts its replies. It
// is a no-op without a responder or when an agent handles the conversation. Failures are
// logged, not returned: the customer's message is already safely stored and an agent will
// see it.
func (s *Service) Respond(ctx context.Context, msg *Message) {
	r := s.Responder()
	if r == nil || msg == nil || msg.SenderKind != "customer" {
		return
	}
	stripe := s.respondStripe(msg.ConversationID)
	stripe.Lock()
	defer stripe.Unlock()
	defer stripe.turns.Add(1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), respondTimeout)
	defer cancel()
	// The row the message's post returned is current unless a bot turn finished since (it
	// wrote bot_state), so it is read again only then. Agents' changes (takeover, close)
	// race with the bot either way; the window is the same few milliseconds.
	conv := msg.conv
	if conv == nil || stripe.turns.Load() != msg.turnsBefore {
		var err error
		if conv, err = s.get(ctx, s.DB, msg.ConversationID); err != nil {
			s.Log.Error("responder: load conversation", "conversation", msg.ConversationID, "err", err)
			return
		}
	}
	if conv.HandledBy != "bot" {
		return
	}
	turn, err := r.OnCustomerMessage(ctx, conv, msg)
	if err != nil {
		s.Log.Error("responder failed", "conversation", conv.ID, "message", msg.ID, "err", err)
		return
	}
	replies := make([]NewMessage, len(turn.Messages))
	for i, o := range turn.Messages {
		replies[i] = NewMessage{ConversationID: conv.ID, SenderKind: "bot", ContentType: o.ContentType, Body: o.Body,
			Payload: o.Payload, Internal: o.Internal, Intent: o.Intent, NLU: o.NLU, Lang: o.Lang}
	}
	if len(replies) > 0 {
		replies[0].answers = msg.receivedAt
	}
	var state *string
	if turn.State != nil {
		b, err := json.Marshal(turn.State)
		if err != nil {
			s.Log.Error("responder: encode state", "conversation", conv.ID, "err", err)
			return
		}
		state = new(string(b))
	}
	if len(replies) == 0 {
		if turn.Commit != nil || state != nil {
			err := s.DB.Tx(ctx, func(tx *store.Tx) error {
				if turn.Commit != nil {
					if err := turn.Commit(ctx, tx); err != nil {
						return err
					}
				}
				if state == nil {
					return nil
				}
				_, err := tx.Exec(ctx, `UPDATE conversations SET bot_state = ? WHERE id = ?`, *state, conv.ID)
				return err
			})
			if err != nil {
				s.Log.Error("responder: commit turn", "conversation", conv.ID, "err", err)
			}
		}
		return
	}
	if _, _, err := s.post(ctx, replies, turn.Commit, state); err != nil {
		s.Log.Error("responder: post replies", "conversation", conv.ID, "err", err)
	}
}
