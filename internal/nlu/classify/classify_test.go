package classify

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// toyData is a small bilingual intent set written for these tests.
func toyData() []Example {
	var ex []Example
	add := func(label string, texts ...string) {
		for _, t := range texts {
			ex = append(ex, Example{Text: t, Label: label})
		}
	}
	add("refund", "我要退款", "申请退款", "退款怎么操作", "能不能退钱", "i want a refund", "refund my money please",
		"how do i get a refund", "give me my money back", "退钱给我", "我想退款可以吗", "please refund the order", "退款流程是什么")
	add("order_status", "我的快递到哪了", "订单什么时候到", "查一下物流", "where is my order", "track my package",
		"when will my parcel arrive", "物流信息怎么看", "包裹到哪里了", "has my order shipped", "my order status", "快递怎么还没到", "order tracking")
	add("greeting", "你好", "您好", "在吗", "hello", "hi there", "good morning", "hey", "有人吗", "早上好", "hello, anyone there",
		"嗨", "hi")
	return ex
}

func quickConfig() Config {
	c := DefaultConfig()
	c.Epochs = 15
	return c
}

// linearConfig is quickConfig without the hidden layer (the intent model before it had one),
// for the tests of what only the linear model does.
func linearConfig() Config {
	c := LinearConfig()
	c.Epochs = 15
	return c
}

func TestTrainPredict(t *testing.T) {
	m, err := Train(context.Background(), toyData(), nil, quickConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{"退款": "refund", "where's my package": "order_status", "hello!": "greeting", "我的订单到哪了": "order_status"}
	for text, want := range cases {
		p := m.Predict(text)
		if p.Top[0].Label != want {
			t.Errorf("Predict(%q) top = %s (%+v), want %s", text, p.Top[0].Label, p.Top, want)
		}
		if len(p.Top) != 3 || p.Top[0].Score < p.Top[1].Score || p.Top[1].Score < p.Top[2].Score {
			t.Errorf("Predict(%q) top-3 not sorted: %+v", text, p.Top)
		}
		sum := 0.0
		for _, s := range m.Probabilities(text) {
			sum += s
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("probabilities sum to %v", sum)
		}
	}
}

func TestEmptyAndUnknownTextIsOutOfScope(t *testing.T) {
	m, err := Train(context.Background(), toyData(), nil, quickConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "   ", "😀😀😀", "\xff\xfe", "ｑｚｘｊ"} {
		if p := m.Predict(text); !p.OOS || p.Label != OOS {
			t.Errorf("Predict(%q) = %+v, want out-of-scope", text, p)
		}
	}
}

func TestTooFewLabels(t *testing.T) {
	_, err := Train(context.Background(), []Example{{"a", "x"}, {"b", "x"}}, nil, quickConfig(), nil)
	if err == nil || !strings.Contains(err.Error(), "nlu_too_few_labels") {
		t.Fatalf("err = %v, want nlu_too_few_labels", err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m, err := Train(context.Background(), toyData(), nil, quickConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"我要退款", "where is my order", "hi", "随便说点什么"} {
		a, b := m.Predict(text), m2.Predict(text)
		if a.Label != b.Label || math.Abs(a.Confidence-b.Confidence) > 1e-9 {
			t.Errorf("loaded model differs on %q: %+v vs %+v", text, a, b)
		}
	}
	if _, err := Load(strings.NewReader("not a model")); err == nil || !strings.Contains(err.Error(), "nlu_bad_model") {
		t.Errorf("Load(junk) err = %v, want nlu_bad_model", err)
	}
}

// syntheticIntents builds a data set where each label has its own keywords plus shared noise
// words, so that some texts are genuinely ambiguous and calibration has something to do.
func syntheticIntents(n int, seed int) []Example {
	labels := []string{"a", "b", "c", "d"}
	var ex []Example
	r := uint64(seed)*2654435761 + 1
	next := func(k int) int { r ^= r << 13; r ^= r >> 7; r ^= r << 17; return int(r % uint64(k)) }
	for i := 0; i < n; i++ {
		l := labels[i%len(labels)]
		var words []string
		for j := 0; j < 4; j++ {
			if next(10) < 4 {
				words = append(words, fmt.Sprintf("%s%d", l, next(5)))
			} else {
				words = append(words, fmt.Sprintf("w%d", next(30)))
			}
		}
		ex = append(ex, Example{Text: strings.Join(words, " "), Label: l})
	}
	return ex
}

func TestCalibrationImprovesLikelihood(t *testing.T) {
	train, dev := syntheticIntents(800, 1), syntheticIntents(400, 2)
	cfg := quickConfig()
	cfg.Lambda = 1e-7 // nearly unregularised: over-confident before calibration
	m, err := Train(context.Background(), train, dev, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	nll := func(temp float64) float64 {
		saved := m.Temperature
		m.Temperature = temp
		defer func() { m.Temperature = saved }()
		s := 0.0
		for _, e := range dev {
			p := m.Probabilities(e.Text)
			for i, l := range m.Labels {
				if l == e.Label {
					s -= math.Log(max(p[i], 1e-12))
				}
			}
		}
		return s / float64(len(dev))
	}
	if m.Temperature == 1 {
		t.Fatalf("calibration left the temperature at 1")
	}
	if got, raw := nll(m.Temperature), nll(1); got >= raw {
		t.Fatalf("calibrated NLL %.4f is not below uncalibrated %.4f (T=%.3f)", got, raw, m.Temperature)
	}
}

func TestOutOfScopeThreshold(t *testing.T) {
	// Without oos examples the threshold rejects about RejectRate of held-out in-scope texts.
	cfg := quickConfig()
	cfg.RejectRate = 0.1
	m, err := Train(context.Background(), syntheticIntents(800, 3), nil, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Threshold <= 0 || m.Threshold >= 1 {
		t.Fatalf("threshold %v", m.Threshold)
	}
	rejected := 0
	test := syntheticIntents(400, 4)
	for _, e := range test {
		if m.Predict(e.Text).OOS {
			rejected++
		}
	}
	if rate := float64(rejected) / float64(len(test)); rate < 0.02 || rate > 0.3 {
		t.Fatalf("rejected %.2f of in-scope test texts, want about 0.1", rate)
	}
	// decide: below the threshold → oos; the oos class → oos; at/above → the label
	hi := (1 + m.Threshold) / 2
	p := m.decide([]float64{hi, (1 - hi) / 3, (1 - hi) / 3, (1 - hi) / 3}, true)
	if p.OOS || p.Label != m.Labels[0] || p.Confidence != hi {
		t.Fatalf("confident prediction rejected: %+v (threshold %v)", p, m.Threshold)
	}
	if m.Threshold > 0.26 {
		low := []float64{0.24, 0.26, 0.25, 0.25}
		if p := m.decide(low, true); !p.OOS || p.Label != OOS || p.Top[0].Label != m.Labels[1] {
			t.Fatalf("low-confidence prediction not rejected: %+v", p)
		}
	}
	if p := m.decide([]float64{0.9, 0.05, 0.03, 0.02}, false); !p.OOS {
		t.Fatalf("text without known features must be oos: %+v", p)
	}
}

func TestOOSClassWhenTrainingHasOOS(t *testing.T) {
	ex := toyData()
	for _, s := range []string{"今天天气怎么样", "讲个笑话", "what is the capital of france", "tell me a joke", "who won the game",
		"1+1等于几", "推荐一部电影", "how tall is everest", "你是男的女的", "sing a song", "明天会下雨吗", "what time is it"} {
		ex = append(ex, Example{Text: s, Label: "NO_NODES_DETECTED"}) // an alias of oos
	}
	m, err := Train(context.Background(), ex, nil, quickConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasOOSClass() {
		t.Fatalf("labels %v lack %q", m.Labels, OOS)
	}
	if p := m.Predict("tell me a funny joke"); !p.OOS {
		t.Errorf("joke request: %+v, want oos", p)
	}
	if p := m.Predict("我要退款"); p.OOS || p.Label != "refund" {
		t.Errorf("refund request: %+v", p)
	}
}

func TestEvaluateMetrics(t *testing.T) {
	acc, f1 := AccuracyF1([]string{"a", "a", "b", "oos"}, []string{"a", "b", "b", "oos"})
	if acc != 0.75 {
		t.Errorf("accuracy %v", acc)
	}
	// a: tp1 fn1 → f1 2/3; b: tp1 fp1 → 2/3; oos: 1 → mean 7/9
	if math.Abs(f1-7.0/9) > 1e-9 {
		t.Errorf("macro f1 %v, want %v", f1, 7.0/9)
	}
	m, err := Train(context.Background(), toyData(), nil, quickConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	test := []Example{{"我要退款", "refund"}, {"where is my order", "order_status"}, {"what is the meaning of life", "oos"}, {"", "out_of_scope"}}
	met := Evaluate(m, test)
	if met.NTest != 4 || met.InScopeAccuracy == nil || met.OOSRecall == nil || met.OOSPrecision == nil {
		t.Fatalf("metrics %+v", met)
	}
	if *met.InScopeAccuracy != 1 {
		t.Errorf("in-scope accuracy %v", *met.InScopeAccuracy)
	}
	if *met.OOSRecall < 0.5 {
		t.Errorf("oos recall %v: the empty text must be oos", *met.OOSRecall)
	}
	if met.PredictP99us <= 0 || met.PredictP50us > met.PredictP99us {
		t.Errorf("latencies %v %v", met.PredictP50us, met.PredictP99us)
	}
	if noOOS := Evaluate(m, test[:2]); noOOS.OOSRecall != nil {
		t.Errorf("oos metrics without oos rows: %+v", noOOS)
	}
}

func TestReadExamples(t *testing.T) {
	in := "text,label,category\n\"hello, there\",greeting,x\n退款,refund,y\n,empty,z\nno label,,z\n"
	ex, err := ReadExamples(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 3 || ex[0].Text != "hello, there" || ex[1].Label != "refund" {
		t.Fatalf("ReadExamples = %+v", ex)
	}
	if _, err := ReadExamples(strings.NewReader("a,b\n1,2\n")); err == nil {
		t.Fatal("a CSV without text/label columns must fail")
	}
	hint3 := "sentence,label,\nhi,greet,\n"
	if ex, err := ReadExamples(strings.NewReader(hint3)); err != nil || len(ex) != 1 {
		t.Fatalf("HINT3 header: %v %+v", err, ex)
	}
}

// evalData returns the shared evaluation data folder or skips.
func evalData(tb testing.TB) string {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "intent")); err != nil {
		tb.Skipf("evaluation data not available (set KEFU_EVAL_DATA): %v", err)
	}
	return dir
}

func readFile(tb testing.TB, path string) []Example {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		tb.Fatal(err)
	}
	return ex
}

// BenchmarkPredictCLINC150 measures prediction latency of a model trained on CLINC150's
// 151 classes (the largest label set we evaluate); training happens outside the timer.
func BenchmarkPredictCLINC150(b *testing.B) {
	dir := evalData(b)
	train := readFile(b, filepath.Join(dir, "intent", "clinc150", "train.csv"))
	dev := readFile(b, filepath.Join(dir, "intent", "clinc150", "dev.csv"))
	cfg := DefaultConfig()
	m, err := Train(context.Background(), train, dev, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Predict(dev[i%len(dev)].Text)
		i++
	}
}

func BenchmarkPredictToy(b *testing.B) {
	m, err := Train(context.Background(), toyData(), nil, quickConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Predict("您好，我的订单KF20261101001什么时候到？已经等了三天了，再不到我就申请退款")
	}
}

// Averaging several SGD runs gives one ordinary model: deterministic, stored and loaded like
// any other, and as accurate on the toy set as a single run.
func TestRunsAreAveragedIntoOneModel(t *testing.T) {
	cfg := linearConfig()
	cfg.Runs = 3
	m1, err := Train(context.Background(), toyData(), nil, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Train(context.Background(), toyData(), nil, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m1.W) != len(m1.Keys)*len(m1.Labels) {
		t.Fatalf("weights %d for %d features × %d labels", len(m1.W), len(m1.Keys), len(m1.Labels))
	}
	for text, want := range map[string]string{"退款": "refund", "where's my package": "order_status", "hello!": "greeting"} {
		a, b := m1.Predict(text), m2.Predict(text)
		if a.Top[0].Label != want {
			t.Errorf("Predict(%q) = %+v, want %s", text, a, want)
		}
		if a.Label != b.Label || a.Confidence != b.Confidence {
			t.Errorf("two trainings differ on %q: %+v vs %+v", text, a, b)
		}
	}
	one := linearConfig()
	single, err := Train(context.Background(), toyData(), nil, one, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slicesEqual(single.W, m1.W) {
		t.Error("averaged weights equal the single run's: the runs were not different")
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Models stored before Config gained Runs, NBAlpha, Features.Shape, Features.Binary, Hidden
// and Dropout (for example in the nlu_models table) must still load and predict exactly as
// before: the new fields are absent from their gob stream and default to the old behaviour.
func TestModelWithoutNewerConfigFieldsLoads(t *testing.T) {
	m, err := Train(context.Background(), toyData(), nil, linearConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	type legacyFeatures struct {
		WordNGrams, HanMin, HanMax, WordCharMin, WordCharMax int
		CharWeight                                           float64
	}
	type legacyConfig struct {
		Features              legacyFeatures
		MinDF, Epochs         int
		Lambda, Rate          float64
		Seed                  uint64
		NeverOOS, NBWeighting bool
		HoldOut, RejectRate   float64
		RejectRateWithOOS     float64
	}
	type legacyModel struct {
		Config      legacyConfig
		Labels      []string
		Keys        []uint64
		IDF         []float32
		W, B        []float32
		Temperature float64
		Threshold   float64
	}
	c, f := m.Config, m.Config.Features
	old := legacyModel{
		Config: legacyConfig{
			Features: legacyFeatures{f.WordNGrams, f.HanMin, f.HanMax, f.WordCharMin, f.WordCharMax, f.CharWeight},
			MinDF:    c.MinDF, Epochs: c.Epochs, Lambda: c.Lambda, Rate: c.Rate, Seed: c.Seed,
			NeverOOS: c.NeverOOS, NBWeighting: c.NBWeighting, HoldOut: c.HoldOut, RejectRate: c.RejectRate,
			RejectRateWithOOS: c.RejectRateWithOOS,
		},
		Labels: m.Labels, Keys: m.Keys, IDF: m.IDF, W: m.W, B: m.B, Temperature: m.Temperature, Threshold: m.Threshold,
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(old); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if c := loaded.Config; c.Runs != 0 || c.Features.Shape || c.Features.Binary || c.NBAlpha != 0 || c.Hidden != 0 || c.Dropout != 0 || c.MaxFeatures != 0 {
		t.Fatalf("new fields not at their zero values: %+v", loaded.Config)
	}
	for _, text := range []string{"我要退款", "where is my order", "hi", "随便说点什么", "WHERE IS MY ORDER???"} {
		a, b := m.Predict(text), loaded.Predict(text)
		if a.Label != b.Label || a.Confidence != b.Confidence {
			t.Errorf("legacy model differs on %q: %+v vs %+v", text, a, b)
		}
	}
}

func TestShapeFeatures(t *testing.T) {
	count := func(text string) int { return len(appendShape(nil, text)) }
	cases := map[string]int{
		"where is my order":                 0,
		"WHERE IS MY ORDER???":              2, // ??? and CAPS
		"where is my order??":               1,
		"太差了！！！":                            1,
		"I love my new SF shoes":            0, // one acronym is not shouting
		"Great!":                            0,
		strings.Repeat("?", 10) + "NOW NOW": 2,
	}
	for text, want := range cases {
		if got := count(text); got != want {
			t.Errorf("appendShape(%q) gave %d keys, want %d", text, got, want)
		}
	}
	f := DefaultConfig().Features
	plain := len(f.extract("WHERE IS MY ORDER???"))
	f.Shape = true
	if shaped := len(f.extract("WHERE IS MY ORDER???")); shaped != plain+2 {
		t.Errorf("Shape added %d features, want 2", shaped-plain)
	}
}

func TestTop3(t *testing.T) {
	cases := []struct {
		p    []float64
		want []int
	}{
		{[]float64{0.1, 0.5, 0.2, 0.2}, []int{1, 2, 3}}, // ties keep the lower index first
		{[]float64{0.7, 0.3}, []int{0, 1}},
		{[]float64{0.2, 0.3, 0.5}, []int{2, 1, 0}},
		{[]float64{0.25, 0.25, 0.25, 0.25}, []int{0, 1, 2}},
	}
	for _, c := range cases {
		got := top3(c.p)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("top3(%v) = %v, want %v", c.p, got, c.want)
		}
	}
}
