package conversation

import (
	"context"
	"time"
)

// Responder answers customer messages automatically — the bot implements it. It is called
// after the customer's message is committed and acknowledged, once per new customer message
// in a conversation handled by the bot, never concurrently for the same conversation.
// The messages it returns are posted as the bot, in order. It may also change the
// conversation (hand it to an agent with UpdateConversation, save its state with
// SaveBotState, annotate msg with Annotate) through the Service.
type Responder interface {
	OnCustomerMessage(ctx context.Context, conv *Conversation, msg *Message) ([]Outgoing, error)
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
	lock := &s.respondLocks[uint64(msg.ConversationID)%uint64(len(s.respondLocks))]
	lock.Lock()
	defer lock.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), respondTimeout)
	defer cancel()
	conv, err := s.get(ctx, s.DB, msg.ConversationID)
	if err != nil {
		s.Log.Error("responder: load conversation", "conversation", msg.ConversationID, "err", err)
		return
	}
	if conv.HandledBy != "bot" {
		return
	}
	outs, err := r.OnCustomerMessage(ctx, conv, msg)
	if err != nil {
		s.Log.Error("responder failed", "conversation", conv.ID, "message", msg.ID, "err", err)
		return
	}
	if len(outs) == 0 {
		return
	}
	replies := make([]NewMessage, len(outs))
	for i, o := range outs {
		replies[i] = NewMessage{ConversationID: conv.ID, SenderKind: "bot", ContentType: o.ContentType, Body: o.Body,
			Payload: o.Payload, Internal: o.Internal, Intent: o.Intent, NLU: o.NLU, Lang: o.Lang}
	}
	if _, _, err := s.post(ctx, replies); err != nil {
		s.Log.Error("responder: post replies", "conversation", conv.ID, "err", err)
	}
}
