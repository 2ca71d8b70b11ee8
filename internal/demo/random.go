package demo

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Random streams. Each part of the store draws from its own PCG stream of the seed, so adding
// content to one part (say, more articles) does not reshuffle another (the orders).
const (
	streamCustomers uint64 = iota + 1
	streamOrders
	streamLogistics
	streamBehaviour
	streamCatalogue
	streamScale
	streamTags
	streamArticles
)

// rng is a seeded generator with the few helpers the generator needs. It never touches global
// state, so two generators with the same seed and stream produce the same sequence.
type rng struct{ *rand.Rand }

func newRNG(seed int64, stream uint64) *rng {
	return &rng{rand.New(rand.NewPCG(uint64(seed), stream))}
}

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an int in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// span returns a duration in [lo, hi).
func (r *rng) span(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// digits returns n random decimal digits.
func (r *rng) digits(n int) string {
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

// pick returns a random element of a non-empty slice.
func pick[T any](r *rng, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted returns an index drawn with probability proportional to weights[i].
func (r *rng) weighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return r.IntN(len(weights))
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// table is a precomputed cumulative distribution for drawing many times from the same weights
// (products by popularity, customers by buying frequency) in O(log n).
type table struct{ cum []float64 }

func newTable(weights []float64) *table {
	t := &table{cum: make([]float64, len(weights))}
	sum := 0.0
	for i, w := range weights {
		if w > 0 {
			sum += w
		}
		t.cum[i] = sum
	}
	return t
}

func (t *table) draw(r *rng) int {
	total := t.cum[len(t.cum)-1]
	x := r.Float64() * total
	lo, hi := 0, len(t.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if t.cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
