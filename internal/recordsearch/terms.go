// Package recordsearch is the agents' text search over messages, conversation subjects and
// tickets: an inverted index in the search_terms table (migration 0500), maintained when a
// message is written (IndexMessage), when a subject changes (Reindex), on erasure
// (ForgetCustomerMessages) and by a catch-up sweep for everything else (Sync); and the query
// side (Service.Search) that intersects posting lists newest first.
//
// The index is the same on SQLite and PostgreSQL and needs no extension: see the migration
// for why pg_trgm was not used (two-character Chinese words, locale, privileges, SQLite).
package recordsearch

import (
	"hash/fnv"
	"unicode"
	"unicode/utf8"

	"kefu/internal/nlu/textseg"
)

// Kind is what a posting points at; it is hashed into the term, so one table serves all kinds.
type Kind byte

const (
	KindMessage      Kind = 'm'
	KindConversation Kind = 'c'
	KindTicket       Kind = 't'
)

// String is the kind's name in the API.
func (k Kind) String() string {
	switch k {
	case KindMessage:
		return "message"
	case KindConversation:
		return "conversation"
	case KindTicket:
		return "ticket"
	}
	return "unknown"
}

// TermsVersion names the tokenisation below. Postings are deleted by recomputing the terms of
// the old text (no second index on record_id, which would slow every message insert), so a
// change to how terms are cut must come with a migration that rebuilds search_terms.
const TermsVersion = 1

// eachTerm calls fn with every term of text (repeats included), after textseg.Normalize (width
// and case folding, at most textseg.MaxRunes runes):
//   - a stretch of Chinese characters gives its character bigrams, so any Chinese word of two
//     or more characters is found by the bigrams it is made of, whatever the segmenter would
//     have cut (退款 inside 申请退款流程). Single characters are not terms: they would post
//     almost every Chinese message and say little;
//   - a run of other letters and digits is one word, stemmed when English ("refunds" →
//     "refund"); order numbers (KF20261123000042), tracking numbers and product codes stay
//     whole. One-character words are dropped.
//
// Punctuation, symbols, emoji and LIKE wildcards separate terms and are never terms.
func eachTerm(text string, fn func(term string)) {
	norm := textseg.Normalize(text)
	var han []rune
	flushHan := func() {
		for i := 0; i+2 <= len(han); i++ {
			fn(string(han[i : i+2]))
		}
		han = han[:0]
	}
	wordStart := -1
	flushWord := func(end int) {
		if wordStart >= 0 {
			w := norm[wordStart:end]
			if utf8.RuneCountInString(w) >= 2 {
				fn(textseg.Stem(w))
			}
			wordStart = -1
		}
	}
	for i, r := range norm {
		switch {
		case textseg.IsHan(r):
			flushWord(i)
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			flushHan()
			if wordStart < 0 {
				wordStart = i
			}
		default:
			flushHan()
			flushWord(i)
		}
	}
	flushHan()
	flushWord(len(norm))
}

// hashTerm is the posting key of one term of one kind: FNV-1a 64 over the kind byte and the
// term, as the signed integer the BIGINT column holds. A collision can only add candidates,
// and every candidate is checked against its text before it is returned.
func hashTerm(kind Kind, term string) int64 {
	h := fnv.New64a()
	h.Write([]byte{byte(kind)})
	h.Write([]byte(term))
	return int64(h.Sum64())
}

// Terms returns the distinct posting keys of text for kind, in first-seen order.
func Terms(kind Kind, text string) []int64 {
	seen := map[int64]bool{}
	var out []int64
	eachTerm(text, func(t string) {
		k := hashTerm(kind, t)
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	})
	return out
}

// termSet is Terms as a set, for checking candidates.
func termSet(kind Kind, text string) map[int64]bool {
	out := map[int64]bool{}
	eachTerm(text, func(t string) { out[hashTerm(kind, t)] = true })
	return out
}
