package search

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugATEC(t *testing.T) {
	if os.Getenv("KB_DEBUG") == "" {
		t.Skip()
	}
	f, _ := os.Open("/work/shared/data/faq/atec_zh/corpus.csv")
	c, _ := ReadCorpus(f)
	g, _ := os.Open("/work/shared/data/faq/atec_zh/queries.csv")
	qs, _ := ReadQueries(g)
	ix := New(DefaultOptions())
	for _, d := range c.Docs {
		ix.Put(d)
	}
	idx := map[string]int{}
	for i, n := range c.Names {
		idx[n] = i
	}
	hist := map[int]int{}
	shown := 0
	exact := 0
	qtexts := map[string]bool{}
	for _, q := range qs {
		qtexts[q.Text] = true
	}
	inCorpus := 0
	for _, d := range c.Docs {
		if qtexts[d.Questions[0]] {
			inCorpus++
		}
	}
	for _, q := range qs[:2000] {
		res := ix.Search(Query{Text: q.Text, Limit: 50})
		rank := 0
		for j, h := range res.Hits {
			if c.Names[h.ID-1] == q.IDs[0] {
				rank = j + 1
			}
		}
		if c.Docs[res.Hits[0].ID-1].Questions[0] == q.Text {
			exact++
		}
		b := rank
		if rank > 10 {
			b = 11
		}
		hist[b]++
		if rank == 0 && shown < 10 {
			shown++
			fmt.Println("Q:", q.Text, "=>", c.Docs[idx[q.IDs[0]]].Questions)
			for _, h := range res.Hits[:3] {
				fmt.Printf("   %.2f %.2f %s %v\n", h.Score, h.Relevance, c.Names[h.ID-1], c.Docs[h.ID-1].Questions)
			}
		}
	}
	fmt.Println(hist, "exact text top1:", exact, "queries whose text is in corpus:", inCorpus)
}
