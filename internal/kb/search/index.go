package search

import (
	"math"
	"slices"
	"sync"
)

// Doc is one FAQ entry as the index sees it. Package kb builds it from an article; the eval
// command builds it from a corpus file (all rows of one id become its question variants).
type Doc struct {
	ID        int64
	Lang      string // "zh" or "en"; "" matches any query language
	Title     string
	Questions []string // the ways customers ask; each variant is scored on its own
	Answer    string
	Tags      []string
	Category  string
	Audience  []string // customer tiers that may see it; empty = everyone
	Status    string   // only "published" (or "") is found unless Query.AnyStatus
}

// Fields of an entry; each is indexed as separate units so the best-matching question variant
// decides, rather than a bag of every variant at once.
const (
	fieldQuestion = iota
	fieldTitle
	fieldAnswer
	fieldTags
	nFields
)

var fieldNames = [nFields]string{"question", "title", "answer", "tags"}

// Options are the ranking hyper-parameters. DefaultOptions holds the values tuned on the
// public dev sets (faq/bitext_en, faq/atec_zh); the eval command can override them.
type Options struct {
	K1, B   float64          // BM25 term saturation and length normalisation
	Weights Weights          // per kind of term
	Field   [nFields]float64 // weight of a match in each field
	// Spread is how much the entry's second-best unit adds to its best one: entries whose
	// several variants (or title and answer) all match are more likely right.
	Spread float64
	Fuzzy  bool // correct unknown English words to indexed words one or two edits away
	// Negation is the share of the score a Chinese candidate loses when exactly one of it and
	// the query is negated (不/没/未/无): "开通花呗" and "不开通花呗" ask opposite things.
	Negation float64
}

// DefaultOptions returns the tuned ranking parameters.
func DefaultOptions() Options {
	return Options{
		K1: 1.2, B: 0.75,
		Weights:  Weights{Word: 1, Bigram: 0.6, Unigram: 0, Synonym: 0.5, Fuzzy: 0.7, Filler: 0.3},
		Field:    [nFields]float64{fieldQuestion: 1, fieldTitle: 0.9, fieldAnswer: 0.35, fieldTags: 0.5},
		Spread:   0.25,
		Fuzzy:    true,
		Negation: 0.2,
	}
}

// posting is one unit containing a term, with its BM25 term-frequency part precomputed
// (tf·(k1+1)/(tf+k1·(1−b+b·len/avglen))) so the query loop touches nothing else.
type posting struct {
	unit int32
	s    float32
}

// fwdTerm is a unit's own list of its terms (sorted by id), used to score very common terms
// only for the candidates that rarer terms already found instead of scanning their long lists.
type fwdTerm struct {
	id int32
	tf float32
}

type unit struct {
	slot    int32   // the entry it belongs to (index into Index.entries)
	field   uint8   // fieldQuestion, …
	variant uint16  // which question variant (for fieldQuestion)
	length  float32 // sum of term weights, for BM25 length normalisation
	alive   bool
	terms   []fwdTerm
}

// hotUnit is the part of a unit the query loop reads for every candidate, kept apart from the
// rest so that the aggregation pass stays in cache.
type hotUnit struct {
	slot  int32
	field uint8
	alive bool
}

// entryMeta holds an entry's filterable attributes in compact form for the same reason.
type entryMeta struct {
	lang      string
	published bool
	audience  uint8 // bit i set = tier i of tierBits may see it; 0 = everyone
	answer    int32 // the entry's answer unit, -1 when it has none
}

var tierBits = []string{"regular", "silver", "gold", "vip"}

func audienceMask(tiers []string) uint8 {
	var m uint8
	for _, t := range tiers {
		if i := slices.Index(tierBits, t); i >= 0 {
			m |= 1 << i
		} else {
			m |= 1 << 7 // an unknown tier still restricts the entry
		}
	}
	return m
}

type entry struct {
	doc   Doc
	units []int32
	alive bool
}

// Index is an in-memory inverted index. It is safe for concurrent use: searches share a read
// lock, and Put/Remove take the write lock for the few milliseconds they need.
type Index struct {
	mu  sync.RWMutex
	opt Options
	an  analyzer

	termIDs  map[string]int32
	termKeys []string
	// postings[t] lists the question, title and tag units containing term t; answers[t] the
	// answer units. Answers are long, so their lists are long: a query scans an answer list
	// only when it is short and otherwise looks the term up in the answers of the entries the
	// other fields already found (see Search).
	postings [][]posting
	answers  [][]posting

	units     []unit
	hot       []hotUnit // parallel to units
	deadUnits int
	entries   []entry
	meta      []entryMeta // parallel to entries
	freeSlots []int32
	slotOf    map[int64]int32 // Doc.ID → entry slot

	fieldLen   [nFields]float64 // summed unit lengths per field (for avgdl)
	fieldUnits [nFields]int
	liveUnits  int
	// avgUsed is the average length per field that the precomputed postings used; they are
	// recomputed when the real average drifts more than 10% away from it.
	avgUsed [nFields]float64

	// fuzzy maps each English word term, and each form of it with one letter deleted, to
	// the term ids it came from (a symmetric-delete spelling index).
	fuzzy map[string][]int32

	scratch sync.Pool
}

// New returns an empty index.
func New(opt Options) *Index {
	return &Index{
		opt: opt, an: analyzer{w: opt.Weights},
		termIDs: map[string]int32{}, slotOf: map[int64]int32{}, fuzzy: map[string][]int32{},
	}
}

// Len returns the number of entries in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.slotOf)
}

// Has reports whether an entry with this id is indexed.
func (ix *Index) Has(id int64) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, ok := ix.slotOf[id]
	return ok
}

// Put adds d, replacing any entry with the same ID.
func (ix *Index) Put(d Doc) {
	// Analyse outside the lock: it is the expensive part and needs no shared state.
	type analysed struct {
		field, variant int
		terms          []term
	}
	var parts []analysed
	for i, q := range d.Questions {
		parts = append(parts, analysed{fieldQuestion, i, ix.an.terms(q, fieldRunes)})
	}
	parts = append(parts, analysed{fieldTitle, 0, ix.an.terms(d.Title, fieldRunes)})
	parts = append(parts, analysed{fieldAnswer, 0, ix.an.terms(d.Answer, fieldRunes)})
	if len(d.Tags) > 0 {
		var tags string
		for _, t := range d.Tags {
			tags += t + " , "
		}
		parts = append(parts, analysed{fieldTags, 0, ix.an.terms(tags, fieldRunes)})
	}
	d.Questions = slices.Clone(d.Questions)
	d.Tags = slices.Clone(d.Tags)
	d.Audience = slices.Clone(d.Audience)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(d.ID)
	var slot int32
	if n := len(ix.freeSlots); n > 0 {
		slot = ix.freeSlots[n-1]
		ix.freeSlots = ix.freeSlots[:n-1]
	} else {
		slot = int32(len(ix.entries))
		ix.entries = append(ix.entries, entry{})
		ix.meta = append(ix.meta, entryMeta{})
	}
	ix.meta[slot] = entryMeta{lang: d.Lang, published: d.Status == "" || d.Status == "published", audience: audienceMask(d.Audience), answer: -1}
	e := entry{doc: d, alive: true}
	for _, p := range parts {
		if len(p.terms) == 0 {
			continue
		}
		var length float64
		for _, t := range p.terms {
			length += t.weight
		}
		u := unit{slot: slot, field: uint8(p.field), variant: uint16(min(p.variant, math.MaxUint16)), length: float32(length), alive: true}
		if ix.avgUsed[p.field] == 0 {
			ix.avgUsed[p.field] = length
		}
		uid := int32(len(ix.units))
		u.terms = make([]fwdTerm, len(p.terms))
		for i, t := range p.terms {
			tid := ix.termID(t.key)
			u.terms[i] = fwdTerm{tid, float32(t.weight)}
			lists := ix.listsFor(p.field)
			(*lists)[tid] = append((*lists)[tid], posting{unit: uid, s: ix.tfPart(float32(t.weight), &u)})
		}
		slices.SortFunc(u.terms, func(a, b fwdTerm) int { return int(a.id - b.id) })
		ix.units = append(ix.units, u)
		ix.hot = append(ix.hot, hotUnit{slot: slot, field: uint8(p.field), alive: true})
		e.units = append(e.units, uid)
		if p.field == fieldAnswer {
			ix.meta[slot].answer = uid
		}
		ix.fieldLen[p.field] += length
		ix.fieldUnits[p.field]++
		ix.liveUnits++
	}
	ix.entries[slot] = e
	ix.slotOf[d.ID] = slot
	for f := range nFields {
		if ix.fieldUnits[f] == 0 {
			continue
		}
		avg := ix.fieldLen[f] / float64(ix.fieldUnits[f])
		if math.Abs(avg-ix.avgUsed[f]) > 0.1*ix.avgUsed[f] {
			ix.rescoreLocked()
			break
		}
	}
}

// listsFor returns the posting lists a field's units go to.
func (ix *Index) listsFor(field int) *[][]posting {
	if field == fieldAnswer {
		return &ix.answers
	}
	return &ix.postings
}

// df is the number of units (live or not yet compacted) containing a term.
func (ix *Index) df(id int32) int { return len(ix.postings[id]) + len(ix.answers[id]) }

// tfPart is BM25's saturated, length-normalised term frequency for a unit.
func (ix *Index) tfPart(tf float32, u *unit) float32 {
	k1, b := float32(ix.opt.K1), float32(ix.opt.B)
	avg := float32(max(ix.avgUsed[u.field], 1e-3))
	return tf * (k1 + 1) / (tf + k1*(1-b+b*u.length/avg))
}

// rescoreLocked takes the current average field lengths and recomputes every posting.
func (ix *Index) rescoreLocked() {
	for f := range nFields {
		if ix.fieldUnits[f] > 0 {
			ix.avgUsed[f] = ix.fieldLen[f] / float64(ix.fieldUnits[f])
		}
	}
	for uid := range ix.units {
		u := &ix.units[uid]
		if !u.alive {
			continue
		}
		for _, t := range u.terms {
			ps := (*ix.listsFor(int(u.field)))[t.id]
			i, ok := slices.BinarySearchFunc(ps, int32(uid), func(p posting, id int32) int { return int(p.unit - id) })
			if ok {
				ps[i].s = ix.tfPart(t.tf, u)
			}
		}
	}
}

// termTF returns the unit's frequency of a term (binary search in its sorted terms).
func (u *unit) termTF(id int32) (float32, bool) {
	i, ok := slices.BinarySearchFunc(u.terms, id, func(t fwdTerm, id int32) int { return int(t.id - id) })
	if !ok {
		return 0, false
	}
	return u.terms[i].tf, true
}

// fieldRunes bounds how much of one field is indexed; answers longer than this are rare and
// their tail adds little to finding them.
const fieldRunes = 4096

func (ix *Index) termID(key string) int32 {
	if id, ok := ix.termIDs[key]; ok {
		return id
	}
	id := int32(len(ix.termKeys))
	ix.termIDs[key] = id
	ix.termKeys = append(ix.termKeys, key)
	ix.postings = append(ix.postings, nil)
	ix.answers = append(ix.answers, nil)
	if key[0] == kindWord && ix.opt.Fuzzy {
		if w := key[1:]; isLatinWord(w, 3) {
			for _, v := range deletes(w) {
				ix.fuzzy[v] = append(ix.fuzzy[v], id)
			}
			ix.fuzzy[w] = append(ix.fuzzy[w], id)
		}
	}
	return id
}

// Remove deletes the entry with this id (a no-op when absent).
func (ix *Index) Remove(id int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(id)
}

// removeLocked marks the entry's units dead; searches skip them. Posting lists are cleaned in
// one pass once dead units make up a quarter of the index, so an update costs the same on a
// 100-entry and a 100,000-entry index (scanning long posting lists on every update would not).
func (ix *Index) removeLocked(id int64) {
	slot, ok := ix.slotOf[id]
	if !ok {
		return
	}
	e := &ix.entries[slot]
	for _, uid := range e.units {
		u := &ix.units[uid]
		ix.fieldLen[u.field] -= float64(u.length)
		ix.fieldUnits[u.field]--
		ix.liveUnits--
		ix.deadUnits++
		u.alive = false
		ix.hot[uid].alive = false
	}
	*e = entry{}
	ix.freeSlots = append(ix.freeSlots, slot)
	delete(ix.slotOf, id)
	if ix.deadUnits > 1000 && ix.deadUnits > ix.liveUnits/4 {
		ix.compactLocked()
	}
}

// compactLocked drops dead units: renumbers the live ones and rewrites every posting list.
func (ix *Index) compactLocked() {
	remap := make([]int32, len(ix.units))
	live := ix.units[:0:0]
	hot := ix.hot[:0:0]
	for i, u := range ix.units {
		if !u.alive {
			remap[i] = -1
			continue
		}
		remap[i] = int32(len(live))
		live = append(live, u)
		hot = append(hot, ix.hot[i])
	}
	ix.hot = hot
	for _, lists := range [][][]posting{ix.postings, ix.answers} {
		for t, ps := range lists {
			out := ps[:0]
			for _, p := range ps {
				if nu := remap[p.unit]; nu >= 0 {
					out = append(out, posting{unit: nu, s: p.s})
				}
			}
			lists[t] = slices.Clip(out)
		}
	}
	for i := range ix.meta {
		if a := ix.meta[i].answer; a >= 0 {
			ix.meta[i].answer = remap[a]
		}
	}
	for i := range ix.entries {
		for j, uid := range ix.entries[i].units {
			ix.entries[i].units[j] = remap[uid]
		}
	}
	ix.units = live
	ix.deadUnits = 0
	ix.rescoreLocked()
}

// deletes returns w with each one letter removed (distinct forms only).
func deletes(w string) []string {
	out := make([]string, 0, len(w))
	for i := 0; i < len(w); i++ {
		v := w[:i] + w[i+1:]
		if i > 0 && w[i] == w[i-1] {
			continue // same form as deleting the previous letter
		}
		out = append(out, v)
	}
	return out
}

// osaDistance is the optimal-string-alignment edit distance (insert, delete, substitute,
// swap adjacent) between two ASCII words, stopping early once it exceeds limit.
func osaDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Doc returns the indexed entry with this id.
func (ix *Index) Doc(id int64) (Doc, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.slotOf[id]
	if !ok {
		return Doc{}, false
	}
	return ix.entries[slot].doc, true
}
