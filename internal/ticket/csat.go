package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// LowCSAT is the highest score that still opens a supervisor follow-up: the published policy
// (internal/demo/content/policy.md) promises customers that ratings of 3 or less get a
// supervisor follow-up within 24 hours.
const LowCSAT = 3

// CheckCSAT validates a satisfaction response (score 1-5, optional comment) and returns the
// cleaned comment.
func CheckCSAT(score int, comment string) (string, error) {
	if score < 1 || score > 5 {
		return "", apperr.Invalid("score", "score must be 1 to 5")
	}
	comment = strings.TrimSpace(comment)
	if !utf8.ValidString(comment) || strings.ContainsRune(comment, 0) || utf8.RuneCountInString(comment) > 2000 {
		return "", apperr.Invalid("comment", "comment must be valid text of at most 2000 characters")
	}
	return comment, nil
}

// NeedsFollowUp reports whether a score opens a follow-up ticket.
func NeedsFollowUp(score int) bool { return score >= 1 && score <= LowCSAT }

// CSATAllowed checks a ticket can be rated now: only once it is resolved or closed.
func CSATAllowed(s Status) error {
	if s != StatusResolved && s != StatusClosed {
		return apperr.Conflict("ticket_not_resolved", fmt.Sprintf("a ticket can be rated once it is resolved; it is %s", s))
	}
	return nil
}

// MergeCandidate is what merging needs to know about a ticket.
type MergeCandidate struct {
	ID         int64
	Status     Status
	CustomerID int64
}

// CheckMerge says whether source can be merged into target: two different, non-closed tickets of
// the same customer (a duplicate from another customer is a different problem, however similar).
func CheckMerge(source, target MergeCandidate) error {
	switch {
	case source.ID == target.ID:
		return apperr.Conflict("merge_self", "a ticket cannot be merged into itself")
	case source.Status == StatusClosed:
		return apperr.Conflict("ticket_closed", "the duplicate is already closed")
	case target.Status == StatusClosed:
		return apperr.Conflict("merge_target_closed", "cannot merge into a closed ticket; reopen it or pick another")
	case source.CustomerID != target.CustomerID:
		return apperr.Conflict("merge_customer_mismatch", "only tickets of the same customer can be merged")
	}
	return nil
}

// Notification kinds of the satisfaction survey.
const (
	// CSATRequestKind asks the customer to rate a resolved ticket: a card in the ticket's
	// conversation, else an e-mail with the signed link. At most one per ticket (a unique
	// index enforces it), so reopening and resolving again never asks twice.
	CSATRequestKind = "ticket.csat"
	// CSATThanksKind confirms a rating to the customer.
	CSATThanksKind = "ticket.csat_thanks"
	// CSATFollowUpTag marks the supervisor follow-up a low score opens; resolving it does not
	// survey the customer again about their complaint about the survey.
	CSATFollowUpTag = "csat_follow_up"
)

// CSATCard is the payload of the rating card. The widget answers it without signing in, by
// POST /api/v1/csat/{token} with {score, comment}. The fields are also nested as the
// {type, title, data} card every other chat card uses, for clients that read cards that way.
type CSATCard struct {
	Type      string    `json:"type"` // "csat"
	Token     string    `json:"token"`
	TicketID  int64     `json:"ticket_id"`
	TicketRef string    `json:"ticket_ref"`
	ExpiresAt time.Time `json:"expires_at"`
	Card      struct {
		Type  string         `json:"type"`
		Title string         `json:"title"`
		Data  map[string]any `json:"data"`
	} `json:"card"`
}

func newCSATCard(t *Ticket, link *CSATLink) CSATCard {
	c := CSATCard{Type: "csat", Token: link.Token, TicketID: t.ID, TicketRef: t.Ref, ExpiresAt: link.ExpiresAt}
	c.Card.Type, c.Card.Title = "csat", t.Ref
	c.Card.Data = map[string]any{"token": link.Token, "ticket_id": t.ID, "ticket_ref": t.Ref, "expires_at": link.ExpiresAt}
	return c
}

// askCSAT records the request to rate a ticket that was just resolved, in the resolving
// transaction: a rating card into the ticket's conversation, or — when the ticket has none — an
// e-mail notification carrying the signed link (sent only if e-mail is configured and the
// customer has an address). Never for a ticket with no customer, one already asked or rated,
// or a CSAT follow-up.
func (s *Service) askCSAT(ctx context.Context, q store.Querier, t *Ticket, now time.Time) error {
	if t.CustomerID == nil || contains(t.Tags, CSATFollowUpTag) {
		return nil
	}
	var asked, rated int
	if err := q.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM notifications WHERE ticket_id = ? AND kind = ?),
		(SELECT COUNT(*) FROM csat_responses WHERE ticket_id = ?)`, t.ID, CSATRequestKind, t.ID).Scan(&asked, &rated); err != nil {
		return err
	}
	if asked > 0 || rated > 0 {
		return nil
	}
	link, err := s.signCSATLink(ctx, q, t, CSATLinkTTL)
	if err != nil {
		return err
	}
	channel := "chat"
	if t.ConversationID == nil {
		channel = "email"
	}
	_, err = q.Exec(ctx, `INSERT INTO notifications (customer_id, conversation_id, ticket_id, channel, kind, content_type, body, payload, status, created_at)
		VALUES (?, ?, ?, ?, ?, 'card', ?, ?, 'pending', ?)`, *t.CustomerID, t.ConversationID, t.ID, channel, CSATRequestKind,
		CSATRequestMessage(t.Ref).In(t.lang), toJSON(newCSATCard(t, link)), now)
	return err
}

// thankForCSAT tells the customer their rating arrived (in the rating's transaction).
func (s *Service) thankForCSAT(ctx context.Context, q store.Querier, t *Ticket, score int, now time.Time) error {
	return s.notify(ctx, q, t, CSATThanksKind, CSATThanksMessage(t.Ref, score), now)
}
