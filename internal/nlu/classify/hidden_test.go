package classify

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// xorData labels a text by a combination of two words that neither word predicts alone:
// "red … cat" and "blue … dog" are A, "red … dog" and "blue … cat" are B, among filler words.
func xorData(n int, seed uint64) []Example {
	r := rand.New(rand.NewPCG(seed, 1))
	var ex []Example
	for i := 0; i < n; i++ {
		color, animal := []string{"red", "blue"}[r.IntN(2)], []string{"cat", "dog"}[r.IntN(2)]
		words := []string{color, animal, fmt.Sprintf("filler%d", r.IntN(20)), fmt.Sprintf("filler%d", r.IntN(20))}
		r.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
		label := "A"
		if (color == "red") != (animal == "cat") {
			label = "B"
		}
		ex = append(ex, Example{Text: strings.Join(words, " "), Label: label})
	}
	return ex
}

func topAccuracy(m *Model, test []Example) float64 {
	ok := 0
	for _, e := range test {
		if m.Predict(e.Text).Top[0].Label == e.Label {
			ok++
		}
	}
	return float64(ok) / float64(len(test))
}

// The hidden layer exists to learn combinations of features: on single words (no n-grams
// that would spell the combination out) it solves XOR, which no linear model can.
func TestHiddenLayerLearnsCombinations(t *testing.T) {
	train, test := xorData(400, 1), xorData(200, 2)
	words := Features{WordNGrams: 1, CharWeight: 1}
	hidden := DefaultConfig()
	hidden.Features = words
	linear := linearConfig()
	linear.Features = words
	mh, err := Train(context.Background(), train, nil, hidden, nil)
	if err != nil {
		t.Fatal(err)
	}
	ml, err := Train(context.Background(), train, nil, linear, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("XOR: hidden %.3f linear %.3f", topAccuracy(mh, test), topAccuracy(ml, test))
	if acc := topAccuracy(mh, test); acc < 0.95 {
		t.Errorf("hidden-layer model accuracy %.3f on XOR, want ≥ 0.95", acc)
	}
	if acc := topAccuracy(ml, test); acc > 0.75 {
		t.Errorf("linear model accuracy %.3f on XOR: the test no longer needs combinations", acc)
	}
}

// Train runs the calibration and final fits concurrently; the result must still depend on
// the data and the seed only, and survive a save and load.
func TestHiddenModelIsDeterministicAndLoads(t *testing.T) {
	m1, err := Train(context.Background(), toyData(), nil, quickConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Train(context.Background(), toyData(), nil, quickConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m1.HiddenQ) != len(m1.Keys)*m1.Config.Hidden || len(m1.HiddenScale) != len(m1.Keys) || len(m1.W) != m1.Config.Hidden*len(m1.Labels) {
		t.Fatalf("layer sizes: hidden %d for %d features × %d units, output %d", len(m1.HiddenQ), len(m1.Keys), m1.Config.Hidden, len(m1.W))
	}
	if !bytes.Equal(m1.HiddenQ, m2.HiddenQ) || !slicesEqual(m1.HiddenScale, m2.HiddenScale) || !slicesEqual(m1.W, m2.W) || m1.Threshold != m2.Threshold || m1.Temperature != m2.Temperature {
		t.Error("two trainings with the same seed differ")
	}
	var buf bytes.Buffer
	if err := m1.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"我要退款", "where is my order", "hi", "随便说点什么"} {
		if a, b := m1.Predict(text), loaded.Predict(text); a.Label != b.Label || a.Confidence != b.Confidence {
			t.Errorf("loaded model differs on %q: %+v vs %+v", text, a, b)
		}
	}
	// a file whose hidden layer does not match its vocabulary is refused, not mis-read
	m1.HiddenB = m1.HiddenB[:1]
	buf.Reset()
	if err := m1.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(&buf); err == nil || !strings.Contains(err.Error(), "nlu_bad_model") {
		t.Errorf("Load(inconsistent hidden layer) err = %v, want nlu_bad_model", err)
	}
}

func TestDropout(t *testing.T) {
	var d sparse
	for i := 0; i < 10000; i++ {
		d.idx = append(d.idx, int32(i))
		d.val = append(d.val, float32(i%7+1))
	}
	r := rand.New(rand.NewPCG(1, 2))
	var buf sparse
	if got := dropout(d, 0, r, &buf); len(got.idx) != len(d.idx) || &got.idx[0] != &d.idx[0] {
		t.Error("dropout 0 should return the vector itself")
	}
	got := dropout(d, 0.5, r, &buf)
	if n := len(got.idx); n < 4700 || n > 5300 {
		t.Errorf("dropout 0.5 kept %d of 10000 features", n)
	}
	for i, f := range got.idx {
		if i > 0 && f <= got.idx[i-1] {
			t.Fatalf("kept features out of order at %d", i)
		}
		if want := 2 * d.val[f]; got.val[i] != want {
			t.Fatalf("feature %d kept as %v, want %v (scaled by 1/(1-p))", f, got.val[i], want)
		}
	}
}

func TestQuantizeRows(t *testing.T) {
	cases := []struct {
		name  string
		row   []float32
		scale float32
		q     []int8
	}{
		{"largest magnitude maps to ±127", []float32{0.5, -1, 0.25, 0}, 1.0 / 127, []int8{64, -127, 32, 0}},
		{"positive maximum", []float32{2, 1, -0.01, 0.5}, 2.0 / 127, []int8{127, 64, -1, 32}},
		{"zero row keeps scale 0", []float32{0, 0, 0, 0}, 0, []int8{0, 0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, scale := quantizeRows(c.row, len(c.row))
			if len(scale) != 1 || math.Abs(float64(scale[0]-c.scale)) > 1e-7 {
				t.Fatalf("scale %v, want %v", scale, c.scale)
			}
			for j, b := range q {
				if int8(b) != c.q[j] {
					t.Errorf("weight %d: %d, want %d", j, int8(b), c.q[j])
				}
				if back := float32(int8(b)) * scale[0]; math.Abs(float64(back-c.row[j])) > float64(c.scale)/2+1e-7 {
					t.Errorf("weight %d: %v comes back as %v, more than half a step off", j, c.row[j], back)
				}
			}
		})
	}
	// rows are independent: each gets its own scale
	q, scale := quantizeRows([]float32{1, -0.5, 0.001, 0.002}, 2)
	if len(q) != 4 || len(scale) != 2 || int8(q[2]) != 64 || int8(q[3]) != 127 {
		t.Errorf("two rows: q %v scale %v", q, scale)
	}
}

// The quantised forward pass computes the same scores as the float32 one up to the rounding
// of the weights.
func TestForwardQuantizedMatchesFloat(t *testing.T) {
	const nFeat, H, K = 50, 16, 5
	r := rand.New(rand.NewPCG(3, 4))
	rnd := func(n int) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(r.NormFloat64())
		}
		return w
	}
	hid, hidB, W, B := rnd(nFeat*H), rnd(H), rnd(H*K), rnd(K)
	d := sparse{idx: []int32{1, 7, 20, 49}, val: []float32{0.5, 0.5, 0.5, 0.5}}
	zf, zq := make([]float64, K), make([]float64, K)
	hiddenForward(d, hid, hidB, W, B, make([]float32, H), nil, zf)
	q, scale := quantizeRows(hid, H)
	forwardQuantized(d, q, scale, hidB, W, B, make([]float32, H), nil, zq)
	for k := range zf {
		if math.Abs(zf[k]-zq[k]) > 0.05 {
			t.Errorf("class %d: float %.4f, quantised %.4f", k, zf[k], zq[k])
		}
	}
}

// With Runs > 1 the hidden units are trained as independent networks and joined into one
// whose scores are the mean of theirs: same layer sizes as a single network of Hidden units.
func TestHiddenRunsJoinIntoOneNetwork(t *testing.T) {
	cfg := quickConfig()
	cfg.Hidden, cfg.Runs = 32, 2
	ex := cleanExamples(toyData())
	labels := labelSet(ex)
	m, err := fit(context.Background(), ex, labels, cfg, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.HiddenQ) != len(m.Keys)*32 || len(m.HiddenB) != 32 || len(m.W) != 32*len(labels) {
		t.Fatalf("joined sizes: hidden %d, biases %d, output %d", len(m.HiddenQ), len(m.HiddenB), len(m.W))
	}
	// the joined network must equal the mean of the two halves trained alone, up to the
	// rounding of the int8 weights (the joined rows share one scale)
	var parts [2]*Model
	for r := range parts {
		c := cfg
		c.Hidden, c.Runs, c.Seed = 16, 1, cfg.Seed+uint64(r)*7919
		if parts[r], err = fit(context.Background(), ex, labels, c, func(string) {}); err != nil {
			t.Fatal(err)
		}
	}
	for _, text := range []string{"我要退款", "where is my order", "hi"} {
		z, _ := m.scores(text)
		z0, _ := parts[0].scores(text)
		z1, _ := parts[1].scores(text)
		for k := range z {
			if want := (z0[k] + z1[k]) / 2; math.Abs(z[k]-want) > 0.02 {
				t.Errorf("%q class %d: joined %.5f, mean of the halves %.5f", text, k, z[k], want)
			}
		}
	}
	if _, err := fit(context.Background(), ex, labels, Config{Hidden: 15, Runs: 2, Epochs: 1}, func(string) {}); err == nil {
		t.Error("15 hidden units in 2 runs should be refused")
	}
}

func TestMostFrequent(t *testing.T) {
	df := map[uint64]int32{10: 5, 11: 1, 12: 5, 13: 9, 14: 2}
	cases := []struct {
		n    int
		want []uint64
	}{
		{1, []uint64{13}},
		{2, []uint64{13, 10}}, // 10 and 12 tie at 5: the lower key wins
		{3, []uint64{13, 10, 12}},
		{5, []uint64{13, 10, 12, 14, 11}},
	}
	for _, c := range cases {
		got := mostFrequent([]uint64{14, 12, 11, 10, 13}, df, c.n)
		if !slices.Equal(got, c.want) {
			t.Errorf("mostFrequent(n=%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// MaxFeatures bounds the vocabulary of hidden-layer models only.
func TestMaxFeatures(t *testing.T) {
	ex := cleanExamples(toyData())
	labels := labelSet(ex)
	for _, c := range []struct {
		hidden, max int
		capped      bool
	}{{16, 50, true}, {16, 0, false}, {0, 50, false}} {
		cfg := quickConfig()
		cfg.Hidden, cfg.MaxFeatures = c.hidden, c.max
		m, err := fit(context.Background(), ex, labels, cfg, func(string) {})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(m.Keys) == 50; got != c.capped {
			t.Errorf("hidden %d, max %d: %d features", c.hidden, c.max, len(m.Keys))
		}
	}
}

// Label smoothing trains towards 1-ε+ε/K on the gold class instead of 1: on data it can
// separate perfectly, the network must still put the gold class first but stop short of
// certainty, where hard targets drive it on towards 1.
func TestLabelSmoothingStopsShortOfCertainty(t *testing.T) {
	train := xorData(400, 1)
	goldProb := func(ls float64) (mean, acc float64) {
		cfg := DefaultConfig()
		cfg.Features = Features{WordNGrams: 1, CharWeight: 1}
		cfg.HoldOut = 0 // no calibration: Temperature 1, the network's own probabilities
		cfg.LabelSmoothing = ls
		m, err := Train(context.Background(), train, nil, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range train {
			p := m.Probabilities(e.Text)
			mean += p[slices.Index(m.Labels, e.Label)]
		}
		return mean / float64(len(train)), topAccuracy(m, train)
	}
	hard, hardAcc := goldProb(0)
	smooth, smoothAcc := goldProb(0.1)
	t.Logf("mean gold-class probability on the training texts: hard targets %.4f, smoothing 0.1 %.4f", hard, smooth)
	if hardAcc < 0.99 || smoothAcc < 0.99 {
		t.Errorf("training accuracy hard %.3f smoothed %.3f, want both ≥ 0.99", hardAcc, smoothAcc)
	}
	// the smoothed optimum is 0.95 for two classes
	if smooth > 0.97 || smooth >= hard {
		t.Errorf("smoothed gold probability %.4f, want below 0.97 and below the hard targets' %.4f", smooth, hard)
	}
}
