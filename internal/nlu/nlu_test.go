package nlu

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kefu/internal/nlu/classify"
	"kefu/internal/nlu/entity"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func defaultEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The shipped sentiment model must classify the shipped sentiment test file (written
// separately from the training file) well.
func TestDefaultModelOnShippedTestFile(t *testing.T) {
	e := defaultEngine(t)
	stest, err := DefaultTestExamples(TaskSentiment)
	if err != nil {
		t.Fatal(err)
	}
	smet := classify.Evaluate(e.SentimentModel(), stest)
	t.Logf("shipped sentiment test: accuracy %.4f on %d texts", smet.Accuracy, smet.NTest)
	if smet.Accuracy < 0.85 {
		t.Errorf("shipped sentiment model accuracy %.4f on sentiment_test.csv, want ≥ 0.85", smet.Accuracy)
	}
}

// intentGoal is issue #3's bar for the shipped intent model on intent_test.csv.
const intentGoal = 0.95

// TestShippedIntentGoal holds the shipped intent model to issue #3's bar on the separately
// written test file. It also logs the dev file's figure: the dev file is where weak spots are
// looked for (see defaults/README.md); the test file only gives the final figure.
// Measured 2026-11-24: dev 0.9786, test 0.9580 (training seeds 2 and 3: test 0.9580, 0.9562).
func TestShippedIntentGoal(t *testing.T) {
	e := defaultEngine(t)
	dev, err := defaultFile("intent_dev.csv")
	if err != nil {
		t.Fatal(err)
	}
	test, err := DefaultTestExamples(TaskIntent)
	if err != nil {
		t.Fatal(err)
	}
	dm := classify.Evaluate(e.IntentModel(), dev)
	t.Logf("shipped intent dev: accuracy %.4f on %d texts", dm.Accuracy, dm.NTest)
	met := classify.Evaluate(e.IntentModel(), test)
	t.Logf("shipped intent test: accuracy %.4f macro-F1 %.4f oos recall %.4f on %d texts (goal %.2f)",
		met.Accuracy, met.MacroF1, *met.OOSRecall, met.NTest, intentGoal)
	if met.Accuracy < intentGoal {
		t.Errorf("shipped intent model accuracy %.4f on intent_test.csv, want ≥ %.2f", met.Accuracy, intentGoal)
	}
}

func TestAnalyze(t *testing.T) {
	e := New(defaultEngine(t).IntentModel(), defaultEngine(t).SentimentModel())
	e.Now = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	e.SetCatalog([]Product{{SKU: "IP15", Names: []string{"Apple iPhone 15"}}})
	a := e.Analyze("我的iPhone15订单KF20261101001什么时候发货？？昨天就该到了，再不处理我就打12315投诉！！")
	if a.Lang != "zh" {
		t.Errorf("lang %q", a.Lang)
	}
	types := map[string]string{}
	for _, en := range a.Entities {
		types[en.Type] = en.Value
	}
	if types[entity.OrderNumber] != "KF20261101001" || types[entity.Date] != "2026-11-22" || types[entity.ProductMention] != "IP15" {
		t.Errorf("entities %+v", a.Entities)
	}
	if a.Sentiment.Polarity != "negative" || a.Sentiment.Anger < 0.5 {
		t.Errorf("sentiment %+v", a.Sentiment)
	}
	if len(a.Top3) != 3 || a.Intent == "" {
		t.Errorf("intent %q top3 %+v", a.Intent, a.Top3)
	}
	if b, err := json.Marshal(a); err != nil || !strings.Contains(string(b), `"entities"`) {
		t.Errorf("json: %s %v", b, err)
	}
	greet := e.Analyze("你好")
	if greet.Intent != "greeting" || greet.OOS {
		t.Errorf("你好 → %s (oos %v)", greet.Intent, greet.OOS)
	}
}

func blns(t testing.TB) []string {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(dir, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (set KEFU_EVAL_DATA): %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// Bad input: no panic, an answer for everything, junk is out of scope or low-confidence.
func TestAnalyzeHostileInput(t *testing.T) {
	e := defaultEngine(t)
	junk := []string{"", " ", strings.Repeat("啊", 100<<10), strings.Repeat("x", 100<<10), "\xff\xfe\xfd\x00\x01",
		strings.Repeat("😀", 20000), string([]byte{0xde, 0xad, 0xbe, 0xef, 0, 0, 0x80})}
	for _, s := range junk {
		a := e.Analyze(s)
		if !a.OOS && a.Confidence > 0.9 {
			t.Errorf("junk %.20q answered %s with confidence %.2f", s, a.Intent, a.Confidence)
		}
	}
	if a := e.Analyze(strings.Repeat("退款", 10000)); !a.Truncated {
		t.Error("100 KB input not marked truncated")
	}
	for _, s := range blns(t) {
		_ = e.Analyze(s)
	}
}

func TestModelFileRoundTrip(t *testing.T) {
	m := defaultEngine(t).IntentModel()
	path := filepath.Join(t.TempDir(), "intent.model")
	if err := SaveModelFile(path, m); err != nil {
		t.Fatal(err)
	}
	m2, err := LoadModelFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"我要退款", "where is my order", "讲个笑话"} {
		if a, b := m.Predict(s), m2.Predict(s); a.Label != b.Label || a.Confidence != b.Confidence {
			t.Errorf("%q: %+v vs %+v", s, a, b)
		}
	}
}

func quickRetrainConfig() *classify.Config {
	c := classify.DefaultConfig()
	c.Epochs = 6
	return &c
}

func TestRetrainAndRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := NewStore(db)
		if _, err := st.AddCorrection(ctx, Correction{Text: "", Label: "refund_request"}); err == nil {
			t.Fatal("empty correction accepted")
		}
		if _, err := st.AddCorrection(ctx, Correction{Task: "bogus", Text: "x", Label: "y"}); err == nil {
			t.Fatal("bad task accepted")
		}
		upToDate := func(want bool) {
			t.Helper()
			ok, reason, err := UpToDate(ctx, st, TaskIntent)
			if err != nil || ok != want {
				t.Fatalf("UpToDate = %v (%s) %v, want %v", ok, reason, err, want)
			}
		}
		upToDate(true) // nothing stored: the shipped model, trained at start, is current
		// agents teach a phrase the shipped data does not have
		for _, s := range []string{"包裹被狗叼走了", "my parcel was eaten by the dog", "狗把快递叼走了", "the dog took my package"} {
			if _, err := st.AddCorrection(ctx, Correction{Text: s, Label: "missing_item", MessageID: 42}); err != nil {
				t.Fatal(err)
			}
		}
		ex, err := st.Examples(ctx, TaskIntent)
		if err != nil || len(ex) != 4 {
			t.Fatalf("examples %v %v", ex, err)
		}

		upToDate(false) // corrections no model has learnt
		r1, err := Retrain(ctx, st, TaskIntent, RetrainOptions{Config: quickRetrainConfig()})
		if err != nil {
			t.Fatal(err)
		}
		upToDate(true)
		if r1.Version != 1 || !r1.Activated || r1.Metrics.NTest == 0 || r1.Metrics.Accuracy <= 0 {
			t.Fatalf("first retrain %+v", r1)
		}
		// a deliberately crippled configuration must not replace the active model
		bad := classify.DefaultConfig()
		bad.Epochs, bad.Lambda, bad.Rate = 1, 0.5, 0.01
		r2, err := Retrain(ctx, st, TaskIntent, RetrainOptions{Config: &bad})
		if err != nil {
			t.Fatal(err)
		}
		if r2.Version != 2 || r2.Activated || r2.PreviousMetrics == nil || r2.Metrics.Accuracy >= r2.PreviousMetrics.Accuracy {
			t.Fatalf("worse model handled wrongly: %+v", r2)
		}
		_, active, ok, err := st.ActiveModel(ctx, TaskIntent)
		if err != nil || !ok || active.Version != 1 {
			t.Fatalf("active %+v %v %v", active, ok, err)
		}
		// every version is kept, newest first, with metrics
		vs, err := st.Versions(ctx, TaskIntent)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[0].Active || !vs[1].Active || vs[1].Metrics.NTest == 0 {
			t.Fatalf("versions %+v %v", vs, err)
		}
		// rollback (here: forward to v2, then back to v1)
		if err := Rollback(ctx, st, TaskIntent, 2); err != nil {
			t.Fatal(err)
		}
		_, active, _, _ = st.ActiveModel(ctx, TaskIntent)
		if active.Version != 2 {
			t.Fatalf("after rollback to 2 active is %d", active.Version)
		}
		if err := Rollback(ctx, st, TaskIntent, 99); err == nil || !strings.Contains(err.Error(), "not_found") {
			t.Fatalf("rollback to a missing version: %v", err)
		}
		if err := Rollback(ctx, st, TaskIntent, 1); err != nil {
			t.Fatal(err)
		}
		// a correction after the last training makes the night's retraining worth it again
		if _, err := st.AddCorrection(ctx, Correction{Text: "快递员把包裹扔河里了", Label: "missing_item"}); err != nil {
			t.Fatal(err)
		}
		upToDate(false)
		// the engine picks up the active model
		e := New(nil, nil)
		if err := LoadActive(ctx, st, e); err != nil {
			t.Fatal(err)
		}
		if e.IntentModel() == nil || e.SentimentModel() != nil {
			t.Fatal("LoadActive did not load exactly the intent model")
		}
		if a := e.Analyze("我的包裹被狗叼走了"); a.Top3[0].Label != "missing_item" {
			t.Errorf("corrected phrase not learned: %+v", a.Top3)
		}
	})
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"我的iPhone15什么时候发货", "申请退款流程", "KF20261101001", "", "\xff", "WHERE IS MY REFUND!!!", "两百块", "上周三"} {
		f.Add(s)
	}
	e, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := e.Analyze(s)
		if a.Intent == "" || (a.Lang != "zh" && a.Lang != "en") || a.Confidence < 0 || a.Confidence > 1 {
			t.Fatalf("Analyze(%q) = %+v", s, a)
		}
	})
}

func BenchmarkAnalyze(b *testing.B) {
	e := defaultEngine(b)
	text := "您好，我的iPhone15订单KF20261101001上周三付了￥8999，到现在还没发货，急！"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.Analyze(text)
	}
}

func BenchmarkDefaultTraining(b *testing.B) {
	for b.Loop() {
		if _, err := TrainDefault(context.Background(), TaskIntent, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDefaultModelCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("KEFU_NLU_CACHE_DIR", dir)
	m1, err := cachedDefault(TaskSentiment)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "nlu-sentiment-*.model"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	m2, err := cachedDefault(TaskSentiment) // now loaded from the file
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"东西很好", "太差了", "ok"} {
		if a, b := m1.Predict(s), m2.Predict(s); a.Label != b.Label || a.Confidence != b.Confidence {
			t.Errorf("cached model differs on %q", s)
		}
	}
	// a corrupt cache file is replaced by a fresh model
	if err := os.WriteFile(files[0], []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := cachedDefault(TaskSentiment); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModelFile(files[0]); err != nil {
		t.Fatalf("corrupt cache not rewritten: %v", err)
	}
	t.Setenv("KEFU_NLU_CACHE_DIR", "off")
	if defaultCachePath(TaskIntent) != "" {
		t.Fatal("cache not disabled")
	}
}

func TestMaskProducts(t *testing.T) {
	ents := []entity.Entity{{Type: "product", Start: 0, End: 16}, {Type: "order_number", Start: 20, End: 33}}
	if got := maskProducts("AirBuds Pro 蓝牙耳机现在还有货吗", ents[:1], "zh"); got != " 这款商品 现在还有货吗" {
		t.Errorf("zh: %q", got)
	}
	if got := maskProducts("Do you have the TrailRunner Pro in stock?", []entity.Entity{{Type: "product", Start: 16, End: 31}}, "en"); got != "Do you have the  this product  in stock?" {
		t.Errorf("en: %q", got)
	}
	if got := maskProducts("no products here", ents[1:], "en"); got != "no products here" {
		t.Errorf("unchanged: %q", got)
	}
	if got := maskProducts("短", []entity.Entity{{Type: "product", Start: 0, End: 9}}, "zh"); got != "短" {
		t.Errorf("out-of-range span must be ignored: %q", got)
	}
}

// Short, calm customer requests are neutral: asking where a parcel is or how to return
// something is not a complaint (issue #3). None of these texts is in sentiment_train.csv; the
// last rows check that real anger about the same topics still reads as negative.
func TestNeutralRequestsAreNotNegative(t *testing.T) {
	e := defaultEngine(t)
	train, err := DefaultExamples(TaskSentiment)
	if err != nil {
		t.Fatal(err)
	}
	inTrain := map[string]bool{}
	for _, x := range train {
		inTrain[strings.ToLower(x.Text)] = true
	}
	cases := []struct{ text, want string }{
		{"我的快递到哪了", "neutral"},
		{"where is my order", "neutral"},
		{"I want to return this", "neutral"},
		{"我想退货", "neutral"},
		{"帮我查下物流", "neutral"},
		{"how do I get a refund", "neutral"},
		{"我要换货", "neutral"},
		{"退款什么时候到账", "neutral"},
		{"can you change my delivery address", "neutral"},
		{"has my parcel left the warehouse", "neutral"},
		{"我要取消订单", "neutral"},
		{"I'd like to cancel my order", "neutral"},
		{"等了三个星期还没到，你们太垃圾了", "negative"},
		{"this is the worst service ever, my order never came", "negative"},
	}
	for _, c := range cases {
		if inTrain[strings.ToLower(c.text)] {
			t.Errorf("%q is in sentiment_train.csv; the table must test unseen text", c.text)
		}
		if got := e.Analyze(c.text).Sentiment; got.Polarity != c.want {
			t.Errorf("%q: polarity %s (score %.3f, confidence %.3f), want %s", c.text, got.Polarity, got.Score, got.Confidence, c.want)
		}
	}
}
