package search

import (
	"math"
	"slices"
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

	// BM25 accumulation over the posting lists of the query terms.
	k1, b := float32(ix.opt.K1), float32(ix.opt.B)
	var norm [nFields]float32
	for f := range norm {
		avg := float32(1)
		if ix.fieldUnits[f] > 0 {
			avg = float32(ix.fieldLen[f] / float64(ix.fieldUnits[f]))
		}
		norm[f] = b / max(avg, 1e-3)
	}
	acc, touched := sc.acc, sc.touched[:0]
	for _, t := range qts {
		w := float32(t.w)
		for _, p := range ix.postings[t.id] {
			u := &ix.units[p.unit]
			if !u.alive {
				continue
			}
			denom := p.tf + k1*(1-b+norm[u.field]*u.length)
			if acc[p.unit] == 0 {
				touched = append(touched, p.unit)
			}
			acc[p.unit] += w * p.tf * (k1 + 1) / denom
		}
	}

	// Per entry: the best unit plus a share of the second best, after filtering.
	var fw [nFields]float32
	for f := range fw {
		fw[f] = float32(ix.opt.Field[f])
	}
	best, second, bestU, slots := sc.best, sc.second, sc.bestU, sc.slots[:0]
	for _, uid := range touched {
		s := acc[uid]
		acc[uid] = 0
		u := &ix.units[uid]
		slot := u.slot
		if best[slot] < 0 {
			continue // filtered out earlier in this query
		}
		if best[slot] == 0 && second[slot] == 0 {
			if !ix.visible(&ix.entries[slot].doc, q) {
				best[slot] = -1
				slots = append(slots, slot)
				continue
			}
			slots = append(slots, slot)
		}
		s *= fw[u.field]
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
	top := make([]Hit, 0, limit+1)
	for _, slot := range slots {
		if best[slot] > 0 {
			score := best[slot] + spread*second[slot]
			d := &ix.entries[slot].doc
			if q.Intent != "" && (d.Category == q.Intent || slices.Contains(d.Tags, q.Intent)) {
				score += boost
			}
			if len(top) == limit && float64(score) <= top[limit-1].Score {
				best[slot], second[slot] = 0, 0
				continue
			}
			u := ix.units[bestU[slot]]
			h := Hit{ID: d.ID, Score: float64(score), Field: fieldNames[u.field], Variant: int(u.variant)}
			i, _ := slices.BinarySearchFunc(top, h, func(a, b Hit) int {
				switch {
				case a.Score > b.Score:
					return -1
				case a.Score < b.Score:
					return 1
				}
				return 0
			})
			top = slices.Insert(top, i, h)
			if len(top) > limit {
				top = top[:limit]
			}
		}
		best[slot], second[slot] = 0, 0
	}
	sc.slots = slots[:0]

	for i := range top {
		top[i].Relevance = math.Min(1, top[i].Score/self)
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
	n := float64(ix.liveUnits)
	idf := func(df int) float64 { return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5)) }
	for _, t := range terms {
		id, ok := ix.termIDs[t.key]
		df := 0
		if ok {
			df = len(ix.postings[id])
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
				cdf := len(ix.postings[cand])
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

// visible applies the query's filters to an entry.
func (ix *Index) visible(d *Doc, q Query) bool {
	if q.Lang != "" && d.Lang != "" && d.Lang != q.Lang {
		return false
	}
	if !q.AnyStatus && d.Status != "" && d.Status != "published" {
		return false
	}
	if q.Tier != "" && len(d.Audience) > 0 && !slices.Contains(d.Audience, q.Tier) {
		return false
	}
	return true
}
