package search

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"kefu/internal/nlu/textseg"
)

// Corpus is an FAQ evaluation corpus: entries with string ids (the file's) mapped to the
// index's integer ids by position.
type Corpus struct {
	Names []string // Names[i] is the file id of Doc with ID i+1
	Docs  []Doc
}

// EvalQuery is one query with every id that counts as correct.
type EvalQuery struct {
	Text string
	IDs  []string
}

// ReadCorpus reads `id,question` CSV (header required; several rows per id are variants of
// one entry). Each entry's language is detected from its questions.
func ReadCorpus(r io.Reader) (*Corpus, error) {
	rows, err := readCSV(r, "id", "question")
	if err != nil {
		return nil, err
	}
	c := &Corpus{}
	pos := map[string]int{}
	for _, row := range rows {
		id, q := row[0], row[1]
		i, ok := pos[id]
		if !ok {
			i = len(c.Docs)
			pos[id] = i
			c.Names = append(c.Names, id)
			c.Docs = append(c.Docs, Doc{ID: int64(i + 1)})
		}
		c.Docs[i].Questions = append(c.Docs[i].Questions, q)
	}
	for i := range c.Docs {
		c.Docs[i].Lang = textseg.Lang(strings.Join(c.Docs[i].Questions, " "))
	}
	return c, nil
}

// ReadQueries reads `text,id` CSV; rows with the same text are merged into one query with
// several correct ids.
func ReadQueries(r io.Reader) ([]EvalQuery, error) {
	rows, err := readCSV(r, "text", "id")
	if err != nil {
		return nil, err
	}
	var out []EvalQuery
	pos := map[string]int{}
	for _, row := range rows {
		if i, ok := pos[row[0]]; ok {
			out[i].IDs = append(out[i].IDs, row[1])
			continue
		}
		pos[row[0]] = len(out)
		out = append(out, EvalQuery{Text: row[0], IDs: []string{row[1]}})
	}
	return out, nil
}

// readCSV returns the two named columns of every data row.
func readCSV(r io.Reader, a, b string) ([][2]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	ia, ib := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) {
		case a:
			ia = i
		case b:
			ib = i
		}
	}
	if ia < 0 || ib < 0 {
		return nil, fmt.Errorf("the header must name the columns %q and %q", a, b)
	}
	var out [][2]string
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if ia >= len(rec) || ib >= len(rec) {
			return nil, fmt.Errorf("line %d: expected at least %d columns", line, max(ia, ib)+1)
		}
		out = append(out, [2]string{rec[ia], rec[ib]})
	}
}

// Metrics is what `kefu kb eval` prints.
type Metrics struct {
	RecallAt1    float64 `json:"recall_at_1"`
	RecallAt5    float64 `json:"recall_at_5"`
	MRR          float64 `json:"mrr"` // mean reciprocal rank of the first correct entry within the top 10
	NQueries     int     `json:"n_queries"`
	NEntries     int     `json:"n_entries"`
	IndexSeconds float64 `json:"index_seconds"`
	QueryP50us   float64 `json:"query_p50_us"`
	QueryP99us   float64 `json:"query_p99_us"`
	// CPU time of the querying thread per query (Linux): on a shared machine wall time mostly
	// measures the other processes.
	QueryCPUP50us float64 `json:"query_cpu_p50_us,omitempty"`
	QueryCPUP99us float64 `json:"query_cpu_p99_us,omitempty"`
	// How the calibrated confidence behaves: the share of queries the bot would answer, how
	// often those answers are right, the share it would hand over, and the expected
	// calibration error (mean |confidence − accuracy| over ten confidence bins).
	AnswerRate      float64 `json:"answer_rate"`
	AnswerPrecision float64 `json:"answer_precision"`
	HandoffRate     float64 `json:"handoff_rate"`
	ECE             float64 `json:"calibration_error"`
}

// Observation is one evaluated query: the calibration features and whether the first hit was
// right (FitCalibration learns from these).
type Observation struct {
	R1, R2  float64
	Correct bool
}

// BuildIndex indexes a corpus, reporting how long it took.
func BuildIndex(ctx context.Context, c *Corpus, opt Options, progress func(string)) (*Index, time.Duration, error) {
	start := time.Now()
	ix := New(opt)
	for i, d := range c.Docs {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
		if progress != nil && i > 0 && i%10000 == 0 {
			progress(fmt.Sprintf("indexed %d/%d entries", i, len(c.Docs)))
		}
		ix.Put(d)
	}
	return ix, time.Since(start), nil
}

// Evaluate runs every query through Search (exactly what the bot calls) and scores the ranking.
func Evaluate(ctx context.Context, ix *Index, c *Corpus, qs []EvalQuery) (Metrics, []Observation, error) {
	var m Metrics
	m.NQueries, m.NEntries = len(qs), len(c.Docs)
	if len(qs) == 0 {
		return m, nil, nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]float64, 0, len(qs))
	cpu := make([]float64, 0, len(qs))
	obs := make([]Observation, 0, len(qs))
	var answered, answeredRight, handoff int
	for i, q := range qs {
		if i%500 == 0 {
			if err := ctx.Err(); err != nil {
				return m, nil, err
			}
		}
		c0, cpuOK := threadCPU()
		start := time.Now()
		res := ix.Search(Query{Text: q.Text, Limit: 10})
		lat = append(lat, float64(time.Since(start).Nanoseconds())/1e3)
		if c1, _ := threadCPU(); cpuOK {
			cpu = append(cpu, float64(c1-c0)/1e3)
		}
		rank := 0
		for j, h := range res.Hits {
			if slices.Contains(q.IDs, c.Names[h.ID-1]) {
				rank = j + 1
				break
			}
		}
		if rank == 1 {
			m.RecallAt1++
		}
		if rank >= 1 && rank <= 5 {
			m.RecallAt5++
		}
		if rank > 0 {
			m.MRR += 1 / float64(rank)
		}
		o := Observation{Correct: rank == 1}
		if len(res.Hits) > 0 {
			o.R1 = res.Hits[0].Relevance
			if len(res.Hits) > 1 {
				o.R2 = res.Hits[1].Relevance
			}
		}
		obs = append(obs, o)
		switch res.Decision {
		case DecisionAnswer:
			answered++
			if rank == 1 {
				answeredRight++
			}
		case DecisionHandoff:
			handoff++
		}
	}
	n := float64(len(qs))
	m.RecallAt1 /= n
	m.RecallAt5 /= n
	m.MRR /= n
	m.AnswerRate = float64(answered) / n
	if answered > 0 {
		m.AnswerPrecision = float64(answeredRight) / float64(answered)
	}
	m.HandoffRate = float64(handoff) / n
	m.ECE = DefaultCalibration.ExpectedError(obs)
	slices.Sort(lat)
	m.QueryP50us = percentile(lat, 0.50)
	m.QueryP99us = percentile(lat, 0.99)
	slices.Sort(cpu)
	m.QueryCPUP50us = percentile(cpu, 0.50)
	m.QueryCPUP99us = percentile(cpu, 0.99)
	return m, obs, nil
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return math.Round(sorted[max(i, 0)]*10) / 10
}

// ExpectedError is the expected calibration error over ten equal-width confidence bins.
func (c Calibration) ExpectedError(obs []Observation) float64 {
	var conf, acc [10]float64
	var cnt [10]int
	for _, o := range obs {
		p := c.Prob(o.R1, o.R2)
		b := min(int(p*10), 9)
		conf[b] += p
		if o.Correct {
			acc[b]++
		}
		cnt[b]++
	}
	var e float64
	for b := range cnt {
		if cnt[b] > 0 {
			e += math.Abs(conf[b]-acc[b]) / float64(len(obs))
		}
	}
	return e
}

// FitCalibration fits the logistic calibration to observations by gradient descent on the
// log loss (a few thousand observations, so plain batch descent is quick enough).
func FitCalibration(obs []Observation) Calibration {
	c := DefaultCalibration
	if len(obs) == 0 {
		return c
	}
	rate := 2.0
	for iter := 0; iter < 5000; iter++ {
		var gb, gr, gm float64
		for _, o := range obs {
			y := 0.0
			if o.Correct {
				y = 1
			}
			d := c.Prob(o.R1, o.R2) - y
			gb += d
			gr += d * o.R1
			gm += d * (o.R1 - o.R2)
		}
		n := float64(len(obs))
		c.Bias -= rate * gb / n
		c.Relevance -= rate * gr / n
		c.Margin -= rate * gm / n
	}
	return c
}
