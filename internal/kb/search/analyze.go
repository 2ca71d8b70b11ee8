// Package search is kefu's knowledge-base retrieval engine: a pure, in-memory inverted index
// over FAQ entries (question variants, title, answer, tags) with BM25 ranking, Chinese words
// plus character bigrams, English stems, a domain synonym list, typo tolerance and a
// calibrated confidence the bot uses to answer, suggest or hand over. It touches no database
// and no files: package kb feeds it articles and keeps it consistent with the store.
package search

import (
	"strings"
	"unicode/utf8"

	"kefu/internal/nlu/textseg"
)

// Term kinds. A term key is the kind byte followed by the text, so a Chinese word and the
// bigram with the same characters are different terms with different weights.
const (
	kindWord    = 'w' // a segmented word; English words are stemmed
	kindBigram  = 'b' // two adjacent Chinese characters (catches 退款 inside 申请退款流程)
	kindUnigram = 'u' // one Chinese character (weak evidence, but robust to odd segmentation)
	kindSyn     = 's' // a synonym group (快递/物流/包裹 share one), per script: a Chinese query
	// should not pull English articles to the top through "refund"
)

// Weights says how much each kind of evidence counts in a query. They are hyper-parameters
// tuned on the public dev sets (see Options); a term's weight multiplies its BM25 score.
type Weights struct {
	Word, Bigram, Unigram, Synonym, Fuzzy float64
	// Filler scales Chinese function words and question fillers (我, 的, 吗, 怎么, 为什么, …)
	// and the character bigrams made only of them: customers phrase the same question with
	// different fillers, so they say little about which entry is meant.
	Filler float64
}

// term is one analysed token: its key in the index and how much it counts.
type term struct {
	key    string
	weight float64
}

// analyzer turns text into weighted index terms.
type analyzer struct {
	w Weights
}

// maxQueryRunes bounds query analysis: a 10 KB paste is cut to its first part, which keeps the
// cost of one query bounded whatever a customer sends.
const maxQueryRunes = 512

// terms analyses text into terms with their counts (weights summed per key).
// Field text and queries go through the same analysis so they match.
func (a *analyzer) terms(text string, limit int) []term {
	norm := textseg.Normalize(truncateRunes(text, limit))
	if norm == "" {
		return nil
	}
	var out []term
	add := func(kind byte, s string, w float64) {
		if w <= 0 || s == "" {
			return
		}
		out = append(out, term{key: string(kind) + s, weight: w})
	}
	norm = foldVariants(norm)
	for _, w := range textseg.SegmentNormalized(norm) {
		if isHanWord(w) {
			ww := a.w.Word
			if zhFillerWords[w] {
				ww *= a.w.Filler
			}
			add(kindWord, w, ww)
			continue // Chinese synonyms are found in the character stretches below
		}
		ww := a.w.Word
		if enFillerWords[w] {
			ww *= a.w.Filler
		}
		add(kindWord, textseg.Stem(w), ww)
		if g, ok := synonymGroup(w); ok {
			add(kindSyn, "en:"+g, a.w.Synonym)
		}
	}
	// Chinese character unigrams and bigrams over each Han stretch, across word boundaries,
	// because the segmenter's dictionary cannot know every product or service term. Synonyms
	// are looked up on the characters too, for the same reason.
	var han []rune
	flush := func() {
		for i, r := range han {
			add(kindUnigram, string(r), a.w.Unigram)
			if i > 0 {
				bw := a.w.Bigram
				if zhFillerRunes[han[i-1]] && zhFillerRunes[r] {
					bw *= a.w.Filler
				}
				add(kindBigram, string(han[i-1:i+1]), bw)
			}
			for n := 2; n <= 4 && i+n <= len(han) && mayStartSynonym(r); n++ {
				if g, ok := synonymGroup(string(han[i : i+n])); ok {
					add(kindSyn, "zh:"+g, a.w.Synonym)
				}
			}
		}
		han = han[:0]
	}
	for _, r := range norm {
		if textseg.IsHan(r) {
			han = append(han, r)
		} else if len(han) > 0 {
			flush()
		}
	}
	flush()
	return mergeTerms(out)
}

// mergeTerms sums the weights of repeated keys, keeping first-seen order.
func mergeTerms(ts []term) []term {
	if len(ts) < 2 {
		return ts
	}
	pos := make(map[string]int, len(ts))
	out := ts[:0:0]
	for _, t := range ts {
		if i, ok := pos[t.key]; ok {
			out[i].weight += t.weight
			continue
		}
		pos[t.key] = len(out)
		out = append(out, t)
	}
	return out
}

func isHanWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return textseg.IsHan(r)
}

// isLatinWord reports a lower-case ASCII word of minLen to 24 letters (typo correction only
// applies to these).
func isLatinWord(w string, minLen int) bool {
	if len(w) < minLen || len(w) > 24 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func truncateRunes(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// keyText returns the text of a term key without its kind byte.
func keyText(key string) string { return strings.TrimPrefix(key, key[:1]) }
