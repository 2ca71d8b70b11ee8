package search

import (
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// synthCorpus generates n bilingual FAQ entries with Zipf-distributed vocabulary (half
// Chinese, half English), shaped like real articles: a title, three question variants and
// an answer of a few sentences. It is generated, not taken from any dataset.
func synthCorpus(n int, seed uint64) []Doc {
	r := rand.New(rand.NewPCG(seed, 1))
	hanZipf := rand.NewZipf(r, 1.1, 8, 2999)
	enZipf := rand.NewZipf(r, 1.1, 8, 19999)
	enWords := make([]string, 20000)
	for i := range enWords {
		var b strings.Builder
		for l := 3 + r.IntN(7); l > 0; l-- {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		enWords[i] = b.String()
	}
	zh := func(chars int) string {
		var b strings.Builder
		for i := 0; i < chars; i++ {
			b.WriteRune(rune(0x4E00 + hanZipf.Uint64()*7))
			if i%15 == 14 {
				b.WriteString("，")
			}
		}
		return b.String()
	}
	en := func(words int) string {
		parts := make([]string, words)
		for i := range parts {
			parts[i] = enWords[enZipf.Uint64()]
		}
		return strings.Join(parts, " ")
	}
	docs := make([]Doc, n)
	for i := range docs {
		d := Doc{ID: int64(i + 1), Status: "published"}
		if i%2 == 0 {
			d.Lang, d.Title, d.Answer = "zh", zh(8), zh(120)
			d.Questions = []string{zh(12), zh(10), zh(14)}
			d.Tags = []string{zh(2), zh(3)}
		} else {
			d.Lang, d.Title, d.Answer = "en", en(6), en(60)
			d.Questions = []string{en(9), en(8), en(11)}
			d.Tags = []string{en(1), en(2)}
		}
		docs[i] = d
	}
	return docs
}

// benchQueries takes question variants of random entries and perturbs them (a character
// dropped, a word added) so they are not verbatim copies.
func benchQueries(docs []Doc, n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]string, n)
	for i := range out {
		d := docs[r.IntN(len(docs))]
		q := []rune(d.Questions[r.IntN(len(d.Questions))])
		if len(q) > 4 {
			j := r.IntN(len(q))
			q = append(q[:j], q[j+1:]...)
		}
		out[i] = string(q) + " " + string([]rune(d.Answer)[:4])
	}
	return out
}

var bench100k *Index

func index100k(b *testing.B) (*Index, []Doc) {
	docs := synthCorpus(100_000, 42)
	if bench100k == nil {
		start := time.Now()
		ix := New(DefaultOptions())
		for _, d := range docs {
			ix.Put(d)
		}
		b.Logf("indexed 100k entries in %s", time.Since(start))
		bench100k = ix
	}
	return bench100k, docs
}

// BenchmarkSearch100k measures query latency on a 100k-entry index and reports the p50/p99
// of wall time and of the CPU time of the querying thread.
func BenchmarkSearch100k(b *testing.B) {
	ix, docs := index100k(b)
	qs := benchQueries(docs, 2000, 7)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, ok := threadCPU()
		start := time.Now()
		ix.Search(Query{Text: qs[i%len(qs)], Limit: 5})
		lat = append(lat, time.Since(start))
		if c1, _ := threadCPU(); ok {
			cpu = append(cpu, time.Duration(c1-c0))
		}
	}
	b.StopTimer()
	report := func(name string, d []time.Duration) {
		if len(d) == 0 {
			return
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		b.ReportMetric(float64(d[len(d)/2].Microseconds()), name+"_p50_us")
		b.ReportMetric(float64(d[min(len(d)-1, len(d)*99/100)].Microseconds()), name+"_p99_us")
	}
	report("wall", lat)
	report("cpu", cpu)
}

// BenchmarkSearch100kParallel runs queries from all cores at once (the server's situation).
func BenchmarkSearch100kParallel(b *testing.B) {
	ix, docs := index100k(b)
	qs := benchQueries(docs, 2000, 8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.Search(Query{Text: qs[i%len(qs)], Limit: 5})
			i++
		}
	})
}

// BenchmarkPut measures indexing one entry into a 100k index (create/update cost).
func BenchmarkPut(b *testing.B) {
	ix, docs := index100k(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := docs[i%len(docs)]
		ix.Put(d)
	}
}
