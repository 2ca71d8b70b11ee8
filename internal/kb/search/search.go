package search

import (
	"math"
	"slices"
	"strings"

	"kefu/internal/nlu/textseg"
)

// Query is one search.
type Query struct {
	Text      string
	Lang      string // only entries in this language ("" = any)
	Tier      string // the customer's tier: entries whose audience excludes it are skipped ("" = no filter)
	AnyStatus bool   // staff search: drafts too (archived entries are never indexed by package kb)
	Intent    string // the NLU intent, if known: entries tagged with it rank a little higher
	Limit     int    // results wanted (default 5, at most 100)
}

// Hit is one ranked entry.
type Hit struct {
	ID        int64   `json:"id"`
	Score     float64 `json:"score"`     // raw ranking score (only comparable within one query)
	Relevance float64 `json:"relevance"` // score relative to a perfect match of the query, 0..1
	Field     string  `json:"field"`     // field of the best-matching part: question, title, answer, tags
	Variant   int     `json:"variant"`   // the matching question variant when Field is "question"

	unit int32 // the best-matching unit (for re-ranking)
}

// byScore orders hits by descending score.
func byScore(a, b Hit) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return 0
}

// Result is a ranked list with the confidence that the first hit answers the query.
type Result struct {
	Hits       []Hit   `json:"hits"`
	Confidence float64 `json:"confidence"` // calibrated probability that Hits[0] is right
	Decision   string  `json:"decision"`   // Decide(Confidence)
}

type scratch struct {
	acc     []float32
	touched []int32
	best    []float32
	second  []float32
	bestU   []int32
	slots   []int32
}

// answerProbeMax is how many of the best candidates get their answers scored for the common
// words whose answer lists are too long to scan.
const answerProbeMax = 256

// strongest returns the (at most) k units with the highest accumulated scores, in no
// particular order (a size-k min-heap over the candidates).
func strongest(units []int32, acc []float32, k int) []int32 {
	if len(units) <= k {
		return units
	}
	h := make([]int32, 0, k)
	less := func(i, j int) bool { return acc[h[i]] < acc[h[j]] }
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < len(h) && less(l, m) {
				m = l
			}
			if r := l + 1; r < len(h) && less(r, m) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for _, u := range units {
		switch {
		case len(h) < k:
			h = append(h, u)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !less(i, p) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
		case acc[u] > acc[h[0]]:
			h[0] = u
			down(0)
		}
	}
	return h
}

// probeMin is the posting-list length below which scanning is always cheaper than probing.
const probeMin = 2048

// maxCandidates caps the units the rarer query terms may bring in; commoner terms then only
// score those. The rarest terms say most about what is wanted, so the right entry is almost
// always among them, and the cap keeps a query's cost flat as the index grows.
const maxCandidates = 20000

type qterm struct {
	id int32
	w  float64
}

// Search ranks the entries for q. It never fails: empty, hostile or huge input gives an
// empty or ordinary result.
func (ix *Index) Search(q Query) Result {
	limit := q.Limit
	if limit <= 0 {
		limit = 5
	}
	limit = min(limit, 100)
	terms := ix.an.terms(q.Text, maxQueryRunes)
	res := Result{Hits: []Hit{}, Decision: Decide(0)}
	if len(terms) == 0 {
		return res
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.liveUnits == 0 {
		return res
	}
	qts, self := ix.lookup(terms)
	if len(qts) == 0 || self <= 0 {
		return res
	}

	sc, _ := ix.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	defer ix.scratch.Put(sc)
	if len(sc.acc) < len(ix.units) {
		sc.acc = make([]float32, len(ix.units)+len(ix.units)/4)
	}
	if len(sc.best) < len(ix.entries) {
		n := len(ix.entries) + len(ix.entries)/4
		sc.best, sc.second, sc.bestU = make([]float32, n), make([]float32, n), make([]int32, n)
	}

	// BM25 accumulation, rarest terms first. A very common term (a long posting list) is then
	// scored only for the units the rarer terms found, by looking it up in each unit's own
	// sorted term list: the ranking barely changes (such terms weigh little) and the cost no
	// longer grows with the size of the index.
	slices.SortFunc(qts, func(a, b qterm) int { return ix.df(a.id) - ix.df(b.id) })
	acc, touched := sc.acc, sc.touched[:0]
	for _, t := range qts {
		w := float32(t.w)
		ps := ix.postings[t.id]
		if len(touched) >= maxCandidates || (len(touched) > 0 && len(ps) > 8*len(touched)+probeMin) {
			// No new candidates from this term: score the ones we have, by whichever is
			// cheaper — a pass over the list, or a lookup in each candidate's own terms.
			if len(ps) < 4*len(touched) {
				for _, p := range ps {
					if acc[p.unit] != 0 {
						acc[p.unit] += w * p.s
					}
				}
				continue
			}
			for _, uid := range touched {
				u := &ix.units[uid]
				if tf, ok := u.termTF(t.id); ok {
					acc[uid] += w * ix.tfPart(tf, u)
				}
			}
			continue
		}
		for _, p := range ps {
			if acc[p.unit] == 0 {
				touched = append(touched, p.unit)
			}
			acc[p.unit] += w * p.s
		}
	}
	// Answers: short lists are scanned (an answer alone may be the only match); the long
	// lists of common words only score the answers of entries already found.
	answerMax := max(probeMin, len(ix.entries)/50)
	var probe []qterm
	for _, t := range qts {
		ps := ix.answers[t.id]
		if len(ps) > answerMax {
			probe = append(probe, t)
			continue
		}
		w := float32(t.w)
		for _, p := range ps {
			if acc[p.unit] == 0 {
				touched = append(touched, p.unit)
			}
			acc[p.unit] += w * p.s
		}
	}
	if len(probe) > 0 {
		// Only the strongest candidates are worth the lookups: an answer adds at most a
		// fraction (its field weight) to an entry that its questions or title already found.
		for _, uid := range strongest(touched, acc, answerProbeMax) {
			a := ix.meta[ix.hot[uid].slot].answer
			if a < 0 || acc[a] != 0 {
				continue // no answer, or already scored (or queued)
			}
			acc[a] = 1e-9 // mark as queued: it is appended once
			touched = append(touched, a)
			u := &ix.units[a]
			for _, t := range probe {
				if tf, ok := u.termTF(t.id); ok {
					acc[a] += float32(t.w) * ix.tfPart(tf, u)
				}
			}
		}
	}

	// Per entry: the best unit plus a share of the second best, after filtering.
	best, second, bestU, slots := sc.best, sc.second, sc.bestU, sc.slots[:0]
	var fw [nFields]float32
	for f := range fw {
		fw[f] = float32(ix.opt.Field[f])
	}
	// Entries far below the best candidate cannot reach the top of the list; skipping them
	// keeps a query that matched half of a large index as cheap as one that matched little.
	var floor float32
	if len(touched) > 4096 {
		var top float32
		for _, uid := range touched {
			top = max(top, acc[uid]*fw[ix.hot[uid].field])
		}
		floor = top * 0.2
	}
	tierMask := uint8(0)
	if q.Tier != "" {
		tierMask = audienceMask([]string{q.Tier})
	}
	for _, uid := range touched {
		s := acc[uid]
		acc[uid] = 0
		h := ix.hot[uid]
		if !h.alive {
			continue
		}
		s *= fw[h.field]
		if s < floor {
			continue
		}
		slot := h.slot
		if best[slot] < 0 {
			continue // filtered out earlier in this query
		}
		if best[slot] == 0 && second[slot] == 0 {
			m := &ix.meta[slot]
			if (q.Lang != "" && m.lang != "" && m.lang != q.Lang) || (!q.AnyStatus && !m.published) ||
				(tierMask != 0 && m.audience != 0 && m.audience&tierMask == 0) {
				best[slot] = -1
				slots = append(slots, slot)
				continue
			}
			slots = append(slots, slot)
		}
		switch {
		case s > best[slot]:
			second[slot] = best[slot]
			best[slot], bestU[slot] = s, uid
		case s > second[slot]:
			second[slot] = s
		}
	}
	sc.touched = touched[:0]

	spread := float32(ix.opt.Spread)
	boost := float32(0.1 * self)
	rerank := ix.opt.Negation > 0
	want := limit
	if rerank {
		want = max(limit, rerankDepth)
	}
	top := make([]Hit, 0, want+1)
	for _, slot := range slots {
		if best[slot] > 0 {
			score := best[slot] + spread*second[slot]
			d := &ix.entries[slot].doc
			if q.Intent != "" && (d.Category == q.Intent || slices.Contains(d.Tags, q.Intent) || slices.Contains(IntentCategories[q.Intent], d.Category)) {
				score += boost
			}
			if len(top) == want && float64(score) <= top[want-1].Score {
				best[slot], second[slot] = 0, 0
				continue
			}
			u := ix.units[bestU[slot]]
			h := Hit{ID: d.ID, Score: float64(score), Field: fieldNames[u.field], Variant: int(u.variant), unit: bestU[slot]}
			i, _ := slices.BinarySearchFunc(top, h, byScore)
			top = slices.Insert(top, i, h)
			if len(top) > want {
				top = top[:want]
			}
		}
		best[slot], second[slot] = 0, 0
	}
	sc.slots = slots[:0]

	for i := range top {
		top[i].Relevance = math.Min(1, top[i].Score/self)
	}
	if rerank && len(top) > 1 {
		ix.rerankLocked(top, q.Text)
		slices.SortStableFunc(top, byScore)
	}
	if len(top) > limit {
		top = top[:limit]
	}
	res.Hits = top
	if len(top) > 0 {
		r1, r2 := top[0].Relevance, 0.0
		if len(top) > 1 {
			r2 = top[1].Relevance
		}
		res.Confidence = Calibrate(r1, r2)
		res.Decision = Decide(res.Confidence)
	}
	return res
}

// lookup maps analysed query terms to index terms with their BM25 idf folded into the weight,
// adding spelling corrections for unknown English words. self is the score a unit that
// contains every query term once, at average length, would get: the scale for Relevance.
func (ix *Index) lookup(terms []term) (out []qterm, self float64) {
	n := float64(ix.liveUnits + ix.deadUnits) // posting lists still hold the dead units
	idf := func(df int) float64 { return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5)) }
	for _, t := range terms {
		id, ok := ix.termIDs[t.key]
		df := 0
		if ok {
			df = ix.df(id)
		}
		if df > 0 {
			w := t.weight * idf(df)
			out = append(out, qterm{id, w})
			self += w
			continue
		}
		if t.key[0] != kindWord || !ix.opt.Fuzzy || !isLatinWord(t.key[1:], 4) {
			// An unknown term still counts towards self: a query full of words the index has
			// never seen should not look like a perfect match to whatever shares one word.
			self += t.weight * idf(0)
			continue
		}
		word := t.key[1:]
		limit := 1
		if len(word) >= 8 {
			limit = 2
		}
		bestID, bestDF := int32(-1), 0
		seen := map[int32]bool{}
		for _, v := range append(deletes(word), word) {
			for _, cand := range ix.fuzzy[v] {
				if seen[cand] {
					continue
				}
				seen[cand] = true
				cdf := ix.df(cand)
				if cdf == 0 || cdf <= bestDF {
					continue
				}
				if osaDistance(word, ix.termKeys[cand][1:], limit) <= limit {
					bestID, bestDF = cand, cdf
				}
			}
		}
		if bestID >= 0 {
			w := t.weight * ix.opt.Weights.Fuzzy * idf(bestDF)
			out = append(out, qterm{bestID, w})
			self += w
		} else {
			self += t.weight * idf(0)
		}
	}
	return out, self
}

// rerankDepth is how many of the best entries the second stage (Options.Negation) re-scores:
// enough that a paraphrase BM25 ranked a little lower can come up, few enough that the cost
// stays a few microseconds.
const rerankDepth = 50

// rerankLocked lowers the score and relevance of the hits whose best question or title
// disagrees with the query on negation. Answer units are long and their negations say little
// about the question, so they are left alone. Called with the read lock held.
func (ix *Index) rerankLocked(top []Hit, query string) {
	qNeg := -1 // computed on first use: -1 unknown, 0 no, 1 yes
	for i := range top {
		h := &top[i]
		text := ix.unitText(&ix.units[h.unit])
		if !strings.ContainsFunc(text, textseg.IsHan) {
			continue
		}
		if qNeg < 0 {
			qNeg = 0
			if hasNegation(truncateRunes(query, maxQueryRunes)) {
				qNeg = 1
			}
		}
		if hasNegation(text) != (qNeg == 1) {
			h.Score *= 1 - ix.opt.Negation
			h.Relevance *= 1 - ix.opt.Negation
		}
	}
}

// unitText is the text of a question or title unit ("" for others).
func (ix *Index) unitText(u *unit) string {
	d := &ix.entries[u.slot].doc
	switch u.field {
	case fieldQuestion:
		if int(u.variant) < len(d.Questions) {
			return d.Questions[u.variant]
		}
	case fieldTitle:
		return d.Title
	}
	return ""
}

// hasNegation reports a Chinese negation: 不, 没, 未 or 无 (别 is left out: 别人 is "others").
func hasNegation(s string) bool { return strings.ContainsAny(s, "不没未无") }
