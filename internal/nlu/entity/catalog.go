package entity

import (
	"slices"
	"strings"
	"unicode"

	"kefu/internal/nlu/textseg"
)

// Product is one catalogue item as the server knows it: its SKU and the names customers may
// use (title, short name, aliases).
type Product struct {
	SKU   string   `json:"sku"`
	Names []string `json:"names"`
}

// Catalog matches product mentions: the SKU, a name written out, or a partial or misspelt
// name ("iphone15" for "Apple iPhone 15 Pro", "蓝牙耳几" for "漫步者蓝牙耳机"). It is immutable
// once built; swap in a new one when the catalogue changes.
type Catalog struct {
	skus    map[string]string // folded SKU → SKU
	names   []catName
	byGram  map[[2]rune][]int // bigram → indexes into names
	exactRe []string
}

type catName struct {
	sku   string
	name  string // folded, spaces removed
	grams map[[2]rune]bool
	runes int
}

// NewCatalog indexes products for matching. Empty names and SKUs are ignored.
func NewCatalog(products []Product) *Catalog {
	c := &Catalog{skus: map[string]string{}, byGram: map[[2]rune][]int{}}
	for _, p := range products {
		if sku := strings.TrimSpace(p.SKU); sku != "" {
			c.skus[textseg.Normalize(sku)] = sku
		}
		for _, n := range p.Names {
			folded := strings.ReplaceAll(textseg.Normalize(n), " ", "")
			rs := []rune(folded)
			if len(rs) < 2 {
				continue
			}
			cn := catName{sku: p.SKU, name: folded, grams: map[[2]rune]bool{}, runes: len(rs)}
			for i := 0; i+1 < len(rs); i++ {
				cn.grams[[2]rune{rs[i], rs[i+1]}] = true
			}
			idx := len(c.names)
			c.names = append(c.names, cn)
			for g := range cn.grams {
				c.byGram[g] = append(c.byGram[g], idx)
			}
		}
	}
	return c
}

// Len is the number of indexed names.
func (c *Catalog) Len() int { return len(c.names) }

func (c *Catalog) match(f *finder) {
	// SKUs: whole tokens of the folded text
	if len(c.skus) > 0 {
		start := -1
		for i, r := range f.text + " " {
			word := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_'
			if word && start < 0 {
				start = i
			}
			if !word && start >= 0 {
				if sku, ok := c.skus[f.text[start:i]]; ok {
					f.add(ProductMention, start, i, sku, 9)
					f.out[len(f.out)-1].Score = 1
				}
				start = -1
			}
		}
	}
	if len(c.names) == 0 {
		return
	}
	// the folded text without spaces, remembering each kept rune's index in the original
	var rs []rune
	var pos []int
	ri := 0
	for _, r := range f.text {
		if r != ' ' {
			rs = append(rs, r)
			pos = append(pos, ri)
		}
		ri++
	}
	if len(rs) < 2 {
		return
	}
	// The text's distinct bigrams get small ids; for every name sharing any, which of them
	// it has. matchName then tests membership by slice index instead of hashing each bigram
	// again for every candidate name.
	gramIDs := make([]int, len(rs)-1) // bigram starting at rune i → its id
	ids := make(map[[2]rune]int, len(rs))
	for i := range gramIDs {
		g := [2]rune{rs[i], rs[i+1]}
		id, ok := ids[g]
		if !ok {
			id = len(ids)
			ids[g] = id
		}
		gramIDs[i] = id
	}
	k := len(ids)
	has := make([]bool, len(c.names)*k) // has[n*k+id]: name n has the text's bigram id
	var touched []int                   // names sharing any bigram
	for g, id := range ids {
		for _, n := range c.byGram[g] {
			row := has[n*k : (n+1)*k]
			if !slices.Contains(row, true) {
				touched = append(touched, n)
			}
			row[id] = true
		}
	}
	// A name sharing fewer distinct bigrams than matchName could ever accept is not worth
	// scanning for (most are not, in English, where common bigrams such as "er" touch half
	// the catalogue).
	seen := make([]bool, len(ids))
	for _, ni := range touched {
		h := has[ni*k : (ni+1)*k]
		cn := c.names[ni]
		shared := 0
		for _, ok := range h {
			if ok {
				shared++
			}
		}
		if shared < minHits(len(cn.grams)) {
			continue
		}
		c.matchName(f, cn, rs, pos, gramIDs, h, seen)
	}
}

// minHits is the fewest distinct bigrams of a name (of n distinct bigrams) that a stretch of
// text must share for matchName to accept it, whichever of its rules applies: an exact match
// has all n; a Dice score of 0.6 needs 2h/(w+n) ≥ 0.6 with a window of w ≥ h bigrams, so
// h ≥ 3n/7; the long-stretch rule needs 3; the coverage rule max(2, n/2).
func minHits(n int) int {
	dice := max(2, (3*n+6)/7) // ⌈3n/7⌉, at least the 2 hits the Dice rule's stretch needs
	cover := max(2, (n+1)/2)
	return min(n, 3, dice, cover)
}

// matchName finds maximal stretches of text whose bigrams belong to the name (one miss
// allowed, for a typo) and accepts them when they cover enough of the name or are long.
// gramIDs[i] is the id of the text's bigram at rune i, has[id] whether the name has that
// bigram; seen is scratch space of the same length.
func (c *Catalog) matchName(f *finder, cn catName, rs []rune, pos []int, gramIDs []int, has, seen []bool) {
	nGrams := len(cn.grams)
	for i := 0; i+1 < len(rs); {
		if !has[gramIDs[i]] {
			i++
			continue
		}
		j, hits, misses := i, 0, 0
		clear(seen)
		lastHit := i
		for j+1 < len(rs) {
			if id := gramIDs[j]; has[id] {
				if !seen[id] {
					hits++
					seen[id] = true
				}
				lastHit = j
				misses = 0
			} else {
				misses++
				if misses > 2 || hits < 2 {
					break
				}
			}
			j++
		}
		startRune, endRune := i, lastHit+2 // rune span [startRune, endRune) in rs
		winGrams := endRune - startRune - 1
		dice := 2 * float64(hits) / float64(winGrams+nGrams)
		coverage := float64(hits) / float64(nGrams)
		exact := string(rs[startRune:endRune]) == cn.name
		accept := exact || dice >= 0.6 || (endRune-startRune >= 4 && hits >= 3 && float64(hits) >= 0.8*float64(winGrams)) ||
			(coverage >= 0.5 && hits >= 2 && float64(hits) >= 0.8*float64(winGrams))
		if accept {
			s, e := pos[startRune], pos[endRune-1]+1
			score := dice
			prio := 7
			if exact {
				score, prio = 1, 8
			}
			f.out = append(f.out, candidate{Entity{Type: ProductMention, Start: s, End: e, Text: string(f.orig[s:e]), Value: cn.sku, Score: score}, prio})
		}
		i = max(lastHit+1, i+1)
	}
}
