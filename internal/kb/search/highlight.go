package search

import (
	"html"
	"slices"
	"strings"
	"unicode"

	"kefu/internal/nlu/textseg"
)

// Passage is the part of a text that best matches a query, with the matched words marked.
type Passage struct {
	Text  string   `json:"text"`  // plain text of the passage
	Marks [][2]int `json:"marks"` // matched spans as [start, end) rune offsets into Text
	HTML  string   `json:"html"`  // Text HTML-escaped with each match in <mark>…</mark>
}

// Highlight picks the sentence of text that shares the most query words (Chinese words are
// matched by their characters two at a time, English words by stem) and marks the matches.
// The passage is at most maxRunes long, cut around the first match.
func Highlight(text, query string, maxRunes int) Passage {
	if maxRunes <= 0 {
		maxRunes = 200
	}
	needles := queryNeedles(query)
	best, bestScore := "", -1
	var bestMarks [][2]int
	for _, sent := range sentences(truncateRunes(text, 8*textseg.MaxRunes)) {
		marks := findMarks([]rune(sent), needles)
		score := 0
		for _, m := range marks {
			score += m[1] - m[0]
		}
		if score > bestScore {
			best, bestScore, bestMarks = sent, score, marks
		}
	}
	rs := []rune(best)
	start := 0
	if len(rs) > maxRunes {
		if len(bestMarks) > 0 {
			start = max(0, min(bestMarks[0][0]-maxRunes/4, len(rs)-maxRunes))
		}
		rs = rs[start : start+maxRunes]
	}
	var marks [][2]int
	for _, m := range bestMarks {
		a, b := m[0]-start, m[1]-start
		if a < 0 || b > len(rs) {
			continue
		}
		marks = append(marks, [2]int{a, b})
	}
	p := Passage{Text: string(rs), Marks: marks}
	if p.Marks == nil {
		p.Marks = [][2]int{}
	}
	var h strings.Builder
	at := 0
	for _, m := range marks {
		h.WriteString(html.EscapeString(string(rs[at:m[0]])))
		h.WriteString("<mark>")
		h.WriteString(html.EscapeString(string(rs[m[0]:m[1]])))
		h.WriteString("</mark>")
		at = m[1]
	}
	h.WriteString(html.EscapeString(string(rs[at:])))
	p.HTML = h.String()
	return p
}

// needle is something to look for: a run of folded runes, matched at word starts for
// English (so "refund" marks "refunds" and "Refunded").
type needle struct {
	runes []rune
	word  bool
}

func queryNeedles(query string) []needle {
	var out []needle
	seen := map[string]bool{}
	add := func(s string, word bool) {
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		out = append(out, needle{[]rune(s), word})
	}
	for _, w := range textseg.Segment(truncateRunes(query, maxQueryRunes)) {
		if isHanWord(w) {
			rs := []rune(w)
			if len(rs) == 1 {
				continue // single characters would mark half of any Chinese text
			}
			for i := 0; i+2 <= len(rs); i++ {
				add(string(rs[i:i+2]), false)
			}
			continue
		}
		if len(w) < 2 || stopword(w) {
			continue
		}
		stem := textseg.Stem(w)
		if len(stem) >= 3 {
			add(stem, true)
		}
		add(w, true)
	}
	// Han bigrams across segmentation boundaries too, as the index does.
	var prev rune
	for _, r := range textseg.Normalize(truncateRunes(query, maxQueryRunes)) {
		if !textseg.IsHan(r) {
			prev = 0
			continue
		}
		if prev != 0 {
			add(string([]rune{prev, r}), false)
		}
		prev = r
	}
	return out
}

// stopword lists English function words that are not worth marking.
func stopword(w string) bool {
	switch w {
	case "the", "a", "an", "to", "of", "in", "on", "is", "are", "i", "my", "me", "you", "your", "it", "and", "or", "for",
		"do", "does", "can", "could", "how", "what", "where", "when", "with", "be", "have", "has", "want", "would", "like":
		return true
	}
	return false
}

// findMarks returns the merged spans of sent (folded) that match any needle.
func findMarks(sent []rune, needles []needle) [][2]int {
	folded := make([]rune, len(sent))
	for i, r := range sent {
		folded[i] = textseg.FoldRune(r)
	}
	var spans [][2]int
	for _, n := range needles {
		for i := 0; i+len(n.runes) <= len(folded); i++ {
			if !slices.Equal(folded[i:i+len(n.runes)], n.runes) {
				continue
			}
			end := i + len(n.runes)
			if n.word {
				if i > 0 && isWordChar(folded[i-1]) {
					continue
				}
				for end < len(folded) && isWordChar(folded[end]) && !textseg.IsHan(folded[end]) {
					end++ // extend a stem to the whole word
				}
			}
			spans = append(spans, [2]int{i, end})
		}
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var merged [][2]int
	for _, s := range spans {
		if n := len(merged); n > 0 && s[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

func isWordChar(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// sentences splits text at sentence ends and line breaks, keeping the punctuation.
func sentences(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if s := strings.TrimSpace(b.String()); s != "" {
			out = append(out, s)
		}
		b.Reset()
	}
	var prev rune
	for _, r := range text {
		if r == '\n' || r == '\r' {
			flush()
			prev = 0
			continue
		}
		if prev == '.' && r == ' ' {
			flush() // a full stop followed by a space ends an English sentence; "v1.2" does not
		}
		b.WriteRune(r)
		switch r {
		case '。', '！', '？', '!', '?', '；', ';':
			flush()
		}
		prev = r
	}
	flush()
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}
