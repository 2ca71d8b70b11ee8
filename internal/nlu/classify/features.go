package classify

import (
	"math"
	"slices"
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

// weighted is one feature occurrence count before weighting.
type keyCount struct {
	key   uint64
	count float64
	char  bool
}

// extract returns the feature keys of a text with their counts, sorted by key.
func (f Features) extract(text string) []keyCount {
	norm := textseg.Normalize(text)
	keys := make([]uint64, 0, 64+utf8.RuneCountInString(norm)*4)
	words := textseg.SegmentNormalized(norm)
	prev := "<s>"
	for i, w := range words {
		t := token(w)
		keys = append(keys, hashBytes(hashBytes(fnvOffset, string(rune(prefixWord))), t))
		if f.WordNGrams >= 2 {
			h := hashBytes(hashBytes(fnvOffset, string(rune(prefixBigram))), prev)
			keys = append(keys, hashBytes(h^0xff, t))
			if i == len(words)-1 {
				keys = append(keys, hashBytes(hashBytes(h^0xff, t)^0xfe, "</s>"))
			}
		}
		prev = t
	}
	nWord := len(keys)
	if f.HanMax > 0 || f.WordCharMax > 0 {
		base := hashBytes(fnvOffset, string(rune(prefixChar)))
		textseg.EachCharNGram(norm, f.HanMin, f.HanMax, f.WordCharMin, f.WordCharMax, func(g []rune) {
			keys = append(keys, hashRunes(base, g))
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
	out := make([]keyCount, 0, len(keys))
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		out = append(out, keyCount{key: keys[i], count: float64(j - i), char: keys[i]>>63 == 1})
		i = j
	}
	return out
}

// sparse is a weighted, L2-normalised feature vector over the model's vocabulary.
type sparse struct {
	idx []int32
	val []float32
}

// vectorize weights counts by sublinear tf × idf and L2-normalises; keys outside the
// vocabulary are dropped.
func vectorize(kc []keyCount, vocab map[uint64]int32, idf []float32, charWeight float64) sparse {
	var v sparse
	v.idx = make([]int32, 0, len(kc))
	v.val = make([]float32, 0, len(kc))
	norm := 0.0
	for _, c := range kc {
		i, ok := vocab[c.key]
		if !ok {
			continue
		}
		x := (1 + math.Log(c.count)) * float64(idf[i])
		if c.char {
			x *= charWeight
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
