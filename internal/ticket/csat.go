package ticket

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"kefu/internal/apperr"
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
