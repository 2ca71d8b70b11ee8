package classify

import (
	"math"
	"slices"
	"sync"
	"unicode/utf8"

	"kefu/internal/nlu/textseg"
)

// Features says which sparse features describe a text. Words come from textseg.Segment
// (English words stemmed, digit runs reduced to their length), character n-grams make the
// model robust to typos and to segmentation mistakes in Chinese.
type Features struct {
	WordNGrams  int // 1 = unigrams, 2 = unigrams and bigrams (with sentence-boundary markers)
	HanMin      int // character n-grams inside Chinese stretches
	HanMax      int
	WordCharMin int // character n-grams inside space-padded other words
	WordCharMax int
	// Shape adds a few features about how the text is written rather than what it says:
	// runs of "!" or "?" and shouting in capitals. Normalisation drops case
	// and punctuation, so without them a polarity model blames the words of
	// "WHERE IS MY ORDER???" for its anger and then reads a calm "where is my order" as
	// negative too.
	Shape bool
	// Binary counts a feature once however often it occurs (instead of 1 + log count), as
	// NB-SVM does: in reviews, repetition adds little evidence.
	Binary bool
	// CharWeight scales the character n-gram block against the word block before the
	// vector is L2-normalised (1 = equal footing per feature).
	CharWeight float64
}

// Feature key prefixes keep the hash spaces of the blocks apart.
const (
	prefixWord   = 'w'
	prefixBigram = 'b'
	prefixChar   = 'c'
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashBytes(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashRunes(h uint64, rs []rune) uint64 {
	for _, r := range rs {
		h ^= uint64(r)
		h *= fnvPrime
	}
	return h
}

// token maps a segmented word to the form the model sees: English words are stemmed and
// numbers become a shape ("#5" for any five-digit number), so that order numbers and
// amounts do not each become a rare feature.
func token(w string) string {
	digits := true
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			digits = false
			break
		}
	}
	if digits {
		return numShapes[min(len(w), len(numShapes)-1)]
	}
	return textseg.Stem(w)
}

var numShapes = []string{"#0", "#1", "#2", "#3", "#4", "#5", "#6", "#7", "#8", "#9", "#10", "#11", "#12", "#13+"}

// Hash seeds of the feature blocks, computed once (they are on every prediction's path).
var (
	seedWord   = hashBytes(fnvOffset, string(rune(prefixWord)))
	seedBigram = hashBytes(fnvOffset, string(rune(prefixBigram)))
	seedChar   = hashBytes(fnvOffset, string(rune(prefixChar)))
	seedShape  = hashBytes(fnvOffset, "shape")
)

// scratch holds the per-call buffers of feature extraction and scoring; they are pooled so
// that a prediction allocates next to nothing (the bot calls Predict on every message).
type scratch struct {
	keys []uint64
	kc   []keyCount
	vec  sparse
	z    []float64
	h    []float32 // hidden activations (Config.Hidden > 0)
	on   []int32   // hidden units that are on
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// keyCount is one feature occurrence count before weighting.
type keyCount struct {
	key   uint64
	count float64
	char  bool
}

// extract returns the feature keys of a text with their counts, sorted by key.
func (f Features) extract(text string) []keyCount {
	return f.extractInto(text, new(scratch))
}

// extractInto is extract with the caller's buffers (the result aliases sc.kc).
func (f Features) extractInto(text string, sc *scratch) []keyCount {
	norm := textseg.Normalize(text)
	keys := sc.keys[:0]
	if want := 64 + utf8.RuneCountInString(norm)*4; cap(keys) < want {
		keys = make([]uint64, 0, want)
	}
	words := textseg.SegmentNormalized(norm)
	prev := "<s>"
	for i, w := range words {
		t := token(w)
		keys = append(keys, hashBytes(seedWord, t))
		if f.WordNGrams >= 2 {
			h := hashBytes(seedBigram, prev)
			keys = append(keys, hashBytes(h^0xff, t))
			if i == len(words)-1 {
				keys = append(keys, hashBytes(hashBytes(h^0xff, t)^0xfe, "</s>"))
			}
		}
		prev = t
	}
	if f.Shape {
		keys = appendShape(keys, text)
	}
	nWord := len(keys)
	if f.HanMax > 0 || f.WordCharMax > 0 {
		textseg.EachCharNGram(norm, f.HanMin, f.HanMax, f.WordCharMin, f.WordCharMax, func(g []rune) {
			keys = append(keys, hashRunes(seedChar, g))
		})
	}
	// mark char keys so they can be weighted separately: flip the top bit
	for i := nWord; i < len(keys); i++ {
		keys[i] |= 1 << 63
	}
	for i := 0; i < nWord; i++ {
		keys[i] &^= 1 << 63
	}
	slices.Sort(keys)
	sc.keys = keys
	out := sc.kc[:0]
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		out = append(out, keyCount{key: keys[i], count: float64(j - i), char: keys[i]>>63 == 1})
		i = j
	}
	sc.kc = out
	return out
}

// sparse is a weighted, L2-normalised feature vector over the model's vocabulary.
type sparse struct {
	idx []int32
	val []float32
}

// vectorize weights counts by sublinear tf (or 1 with Features.Binary) × idf (or the NB
// weight) and L2-normalises; keys outside the vocabulary are dropped.
func vectorize(kc []keyCount, vocab map[uint64]int32, idf []float32, f Features) sparse {
	return vectorizeInto(sparse{idx: make([]int32, 0, len(kc)), val: make([]float32, 0, len(kc))}, kc, vocab, idf, f)
}

// vectorizeInto is vectorize appending to v's (emptied) buffers.
func vectorizeInto(v sparse, kc []keyCount, vocab map[uint64]int32, idf []float32, f Features) sparse {
	v.idx, v.val = v.idx[:0], v.val[:0]
	norm := 0.0
	for _, c := range kc {
		i, ok := vocab[c.key]
		if !ok {
			continue
		}
		x := (1 + math.Log(c.count)) * float64(idf[i])
		if f.Binary {
			x = float64(idf[i])
		}
		if c.char {
			x *= f.CharWeight
		}
		v.idx = append(v.idx, i)
		v.val = append(v.val, float32(x))
		norm += x * x
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range v.val {
			v.val[i] *= inv
		}
	}
	return v
}

// appendShape adds the Features.Shape keys of the raw text (first MaxRunes runes).
func appendShape(keys []uint64, text string) []uint64 {
	var bangRun, askRun, maxBang, maxAsk, upper, lower, capsWords, capsRun, n int
	flushCaps := func() {
		if capsRun >= 2 {
			capsWords++
		}
		capsRun = 0
	}
	for _, r := range text {
		if n++; n > textseg.MaxRunes {
			break
		}
		switch r {
		case '!', '！':
			bangRun++
			maxBang = max(maxBang, bangRun)
		case '?', '？':
			askRun++
			maxAsk = max(maxAsk, askRun)
		default:
			bangRun, askRun = 0, 0
		}
		switch {
		case r >= 'A' && r <= 'Z':
			upper++
			capsRun++
			continue
		case r >= 'a' && r <= 'z':
			lower++
		}
		flushCaps()
	}
	flushCaps()
	add := func(name string) { keys = append(keys, hashBytes(seedShape, name)) }
	switch {
	case maxBang >= 3:
		add("!!!")
	case maxBang == 2:
		add("!!")
	}
	switch {
	case maxAsk >= 3:
		add("???")
	case maxAsk == 2:
		add("??")
	}
	if capsWords >= 2 && upper > lower {
		add("CAPS")
	}
	return keys
}
