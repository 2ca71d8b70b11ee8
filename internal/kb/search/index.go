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
}

// DefaultOptions returns the tuned ranking parameters.
func DefaultOptions() Options {
	return Options{
		K1: 1.2, B: 0.75,
		Weights: Weights{Word: 1, Bigram: 0.6, Unigram: 0, Synonym: 0.5, Fuzzy: 0.7},
		Field:   [nFields]float64{fieldQuestion: 1, fieldTitle: 0.9, fieldAnswer: 0.35, fieldTags: 0.5},
		Spread:  0.25,
		Fuzzy:   true,
	}
}

type posting struct {
	unit int32
	tf   float32
}

type unit struct {
	slot    int32   // the entry it belongs to (index into Index.entries)
	field   uint8   // fieldQuestion, …
	variant uint16  // which question variant (for fieldQuestion)
	length  float32 // sum of term weights, for BM25 length normalisation
	alive   bool
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
	postings [][]posting

	units     []unit
	deadUnits int
	entries   []entry
	freeSlots []int32
	slotOf    map[int64]int32 // Doc.ID → entry slot

	fieldLen   [nFields]float64 // summed unit lengths per field (for avgdl)
	fieldUnits [nFields]int
	liveUnits  int

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
	}
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
		uid := int32(len(ix.units))
		ix.units = append(ix.units, u)
		e.units = append(e.units, uid)
		ix.fieldLen[p.field] += length
		ix.fieldUnits[p.field]++
		ix.liveUnits++
		for _, t := range p.terms {
			tid := ix.termID(t.key)
			ix.postings[tid] = append(ix.postings[tid], posting{unit: uid, tf: float32(t.weight)})
		}
	}
	ix.entries[slot] = e
	ix.slotOf[d.ID] = slot
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
	for i, u := range ix.units {
		if !u.alive {
			remap[i] = -1
			continue
		}
		remap[i] = int32(len(live))
		live = append(live, u)
	}
	for t, ps := range ix.postings {
		out := ps[:0]
		for _, p := range ps {
			if nu := remap[p.unit]; nu >= 0 {
				out = append(out, posting{unit: nu, tf: p.tf})
			}
		}
		ix.postings[t] = slices.Clip(out)
	}
	for i := range ix.entries {
		for j, uid := range ix.entries[i].units {
			ix.entries[i].units[j] = remap[uid]
		}
	}
	ix.units = live
	ix.deadUnits = 0
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
