package search

import "testing"

// zhRulesIndex is a small Chinese FAQ where the filler, variant and negation rules decide the
// ranking (entries written for the test, not taken from any dataset).
func zhRulesIndex(opt Options) *Index {
	ix := New(opt)
	for _, d := range []Doc{
		{ID: 1, Lang: "zh", Questions: []string{"我的订单怎么了呢"}},
		{ID: 2, Lang: "zh", Questions: []string{"订单被取消"}},
		{ID: 3, Lang: "zh", Questions: []string{"开通花呗要收费吗"}},
		{ID: 4, Lang: "zh", Questions: []string{"不开通花呗会收费吗"}},
		{ID: 5, Lang: "zh", Questions: []string{"怎么修改账号密码"}},
		{ID: 6, Lang: "zh", Title: "申请退款流程", Questions: []string{"退款要多久"}, Answer: "提交申请后三个工作日内原路退回。"},
	} {
		ix.Put(d)
	}
	return ix
}

func TestChineseRules(t *testing.T) {
	ix := zhRulesIndex(DefaultOptions())
	for _, c := range []struct {
		name, q string
		want    int64
	}{
		// Fillers (我的, 为什么, 了, 呢) must not outweigh the one content word that differs.
		{"fillers", "我的订单为什么被取消了呢", 2},
		// Negation agreement: the same words, opposite questions.
		{"negated query", "不开通花呗收费吗", 4},
		{"plain query", "开通花呗收费吗", 3},
		{"plain query sharing more words with the negated entry", "开通花呗会收费吗", 3},
		// Traditional forms fold to simplified ones.
		{"traditional 帳號", "怎麼修改帳號密碼", 5},
		{"traditional 唄", "開通花唄要收費嗎", 3},
		// A word inside a longer title is still found through its character bigrams.
		{"word inside title", "退款", 6},
		{"title words", "申请退款流程是什么", 6},
	} {
		if got := topID(ix.Search(Query{Text: c.q})); got != c.want {
			t.Errorf("%s: %q → top %d, want %d", c.name, c.q, got, c.want)
		}
	}
}

// The filler and negation rules are what make the difference in TestChineseRules: with them
// switched off the same queries rank the other entry first.
func TestChineseRulesMatter(t *testing.T) {
	opt := DefaultOptions()
	opt.Weights.Filler, opt.Negation = 1, 0
	ix := zhRulesIndex(opt)
	if got := topID(ix.Search(Query{Text: "我的订单为什么被取消了呢"})); got != 1 {
		t.Errorf("without filler weighting the filler-heavy entry 1 should win, got %d", got)
	}
	if got := topID(ix.Search(Query{Text: "开通花呗会收费吗"})); got != 4 {
		t.Errorf("without the negation rule the negated entry 4 should win on shared words, got %d", got)
	}
}

func TestHasNegation(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{{"花呗用不了", true}, {"没有收到验证码", true}, {"未出账", true}, {"无法登录", true},
		{"别人能用我的花呗吗", false}, {"开通花呗", false}, {"", false}} {
		if got := hasNegation(c.s); got != c.want {
			t.Errorf("hasNegation(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

func TestFoldVariants(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"花唄", "花呗"}, {"借唄還款", "借呗还款"}, {"帳號", "账号"}, {"refund", "refund"}, {"", ""},
		{"花呗", "花呗"}, {"螞蟻", "蚂蚁"},
	} {
		if got := foldVariants(c.in); got != c.want {
			t.Errorf("foldVariants(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFillerTerms(t *testing.T) {
	an := analyzer{w: DefaultOptions().Weights}
	weights := map[string]float64{}
	for _, tm := range an.terms("为什么我的花呗用不了", maxQueryRunes) {
		weights[tm.key] = tm.weight
	}
	w := DefaultOptions().Weights
	for key, want := range map[string]float64{
		"w花呗":  w.Word,              // content word: full weight
		"w为什么": w.Word * w.Filler,   // question word: filler
		"b什么":  w.Bigram * w.Filler, // bigram of two filler characters
		"b呗用":  w.Bigram,            // bigram with a content character
	} {
		if got := weights[key]; got != want {
			t.Errorf("weight of %s = %v, want %v (terms %v)", key, got, want, weights)
		}
	}
}

func TestEnglishFillerTerms(t *testing.T) {
	an := analyzer{w: DefaultOptions().Weights}
	w := DefaultOptions().Weights
	for _, tc := range []struct {
		query string
		key   string
		want  float64
	}{
		{"Can I use two coupons on one order?", "wcoupon", w.Word}, // content word, stemmed
		{"Can I use two coupons on one order?", "wcan", w.Word * w.Filler},
		{"Can I use two coupons on one order?", "wi", w.Word * w.Filler},
		{"HOW do I return it", "whow", w.Word * w.Filler}, // case-folded before the lookup
		{"HOW do I return it", "wreturn", w.Word},
	} {
		weights := map[string]float64{}
		for _, tm := range an.terms(tc.query, maxQueryRunes) {
			weights[tm.key] = tm.weight
		}
		if got := weights[tc.key]; got != tc.want {
			t.Errorf("%q: weight of %s = %v, want %v (terms %v)", tc.query, tc.key, got, tc.want, weights)
		}
	}
}
