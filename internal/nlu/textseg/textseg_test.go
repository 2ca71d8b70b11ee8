package textseg

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"ＨＥＬＬＯ　Ｗｏｒｌｄ！１２３", "hello world!123"},
		{"  Refund\t\n\r  please  ", "refund please"},
		{"订单\u200b号\ufeff", "订单 号"},
		{"KF２０２６１１０１００１", "kf20261101001"},
		{"bad\xffbyte", "bad byte"},
		{"ÄÖÜ Straße", "äöü straße"},
	}
	for _, c := range cases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNormalizeTruncates(t *testing.T) {
	long := strings.Repeat("退款", 10000)
	if n := utf8.RuneCountInString(Normalize(long)); n != MaxRunes {
		t.Fatalf("normalised length %d runes, want %d", n, MaxRunes)
	}
	if n := len(FoldRunes(long)); n != MaxRunes {
		t.Fatalf("FoldRunes length %d, want %d", n, MaxRunes)
	}
}

func TestFoldRunesKeepsAlignment(t *testing.T) {
	in := "订单ＫＦ1\x00号"
	got := FoldRunes(in)
	if len(got) != utf8.RuneCountInString(in) {
		t.Fatalf("FoldRunes changed the rune count: %q", string(got))
	}
	if string(got) != "订单kf1 号" {
		t.Fatalf("FoldRunes = %q", string(got))
	}
}

func TestSegment(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"我的iPhone15什么时候发货", []string{"我", "的", "iphone15", "什么时候", "发货"}},
		{"申请退款流程", []string{"申请", "退款", "流程"}},
		{"快递怎么还没到？？", []string{"快递", "怎么", "还没", "到"}},
		{"ＨＥＬＬＯ　Ｗｏｒｌｄ！", []string{"hello", "world"}},
		{"I'd like to cancel my orders, please!!", []string{"i'd", "like", "to", "cancel", "my", "orders", "please"}},
		{"我想取消订单", []string{"我", "想", "取消", "订单"}},
		{"衣服收到了但是颜色发错了", []string{"衣服", "收到", "了", "但是", "颜色", "发错", "了"}},
		{"能开发票吗", []string{"能", "开发票", "吗"}},
		{"帮我转人工客服", []string{"帮", "我", "转人工", "客服"}},
		{"😡😡😡!!!", []string{}},
		{"", []string{}},
	}
	for _, c := range cases {
		got := Segment(c.in)
		if len(got) == 0 && len(c.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Segment(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSegmentUnknownCharactersAreSingleTokens(t *testing.T) {
	got := Segment("龘靐")
	if !reflect.DeepEqual(got, []string{"龘", "靐"}) {
		t.Fatalf("Segment = %q", got)
	}
}

func TestAddWords(t *testing.T) {
	before := Segment("我买的云朵枕头Pro坏了")
	if slices.Contains(before, "云朵枕头pro") {
		t.Fatalf("word known before AddWords: %q", before)
	}
	AddWords("云朵枕头Pro", "", "two words")
	got := Segment("我买的云朵枕头Pro坏了")
	if !slices.Contains(got, "云朵枕头pro") {
		t.Fatalf("Segment after AddWords = %q, want the product name as one word", got)
	}
	if !slices.Contains(SegmentForSearch("我买的云朵枕头Pro坏了"), "枕头") {
		t.Fatalf("SegmentForSearch should also give the dictionary sub-word 枕头")
	}
}

func TestAddWordsConcurrent(t *testing.T) {
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := 0; i < 50; i++ {
				AddWords(strings.Repeat("品", g+2))
				_ = Segment("这个品品品品很好")
			}
			done <- true
		}(g)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestSegmentForSearch(t *testing.T) {
	got := SegmentForSearch("售后服务怎么样")
	for _, w := range []string{"售后服务", "售后", "服务"} {
		if !slices.Contains(got, w) {
			t.Errorf("SegmentForSearch = %q, missing %q", got, w)
		}
	}
}

func TestLang(t *testing.T) {
	cases := map[string]string{
		"我的iPhone15什么时候发货":      "zh",
		"I love my 小米 phone":    "en",
		"where is my order":     "en",
		"退款":                    "zh",
		"":                      "en",
		"12345 !!!":             "en",
		"KF20261101001 这个订单到哪了": "zh",
	}
	for in, want := range cases {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStem(t *testing.T) {
	cases := map[string]string{
		"refunds": "refund", "refunded": "refund", "refunding": "refund",
		"cancelled": "cancel", "cancellation": "cancel", "running": "run",
		"caresses": "caress", "ponies": "poni", "agreed": "agre", "hopping": "hop",
		"happiness": "happi", "relational": "relat", "customer's": "custom",
		"退款": "退款", "iphone15": "iphone15", "a": "a", "sky": "sky",
	}
	for in, want := range cases {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCharNGrams(t *testing.T) {
	got := CharNGrams("退款 OK!", 1, 2)
	want := []string{"退", "退款", "款", " o", "o", "ok", "k", "k "}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CharNGrams = %q, want %q", got, want)
	}
	if CharNGrams("abc", 3, 2) != nil {
		t.Fatal("max < min should give nil")
	}
	// a typo keeps most n-grams: "refnud" shares " r", " re", "ref", ... with "refund"
	a, b := CharNGrams("refund", 2, 3), CharNGrams("refnud", 2, 3)
	shared := 0
	for _, g := range a {
		if slices.Contains(b, g) {
			shared++
		}
	}
	if shared < 3 {
		t.Fatalf("typo shares only %d n-grams", shared)
	}
}

// blnsLines reads the shared hostile strings; tests skip when the data folder is absent.
func blnsLines(tb testing.TB) []string {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(dir, "hostile", "blns", "blns.txt"))
	if err != nil {
		tb.Skipf("hostile strings not available (set KEFU_EVAL_DATA): %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestHostileInput(t *testing.T) {
	lines := blnsLines(t)
	lines = append(lines, strings.Repeat("😀", 50000), strings.Repeat("a", 100<<10), "\xff\xfe\x00\x01")
	for _, l := range lines {
		n := Normalize(l)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) is not valid UTF-8", l)
		}
		for _, w := range Segment(l) {
			if w == "" || strings.ContainsRune(w, ' ') {
				t.Fatalf("Segment(%q) gave bad token %q", l, w)
			}
		}
		_ = CharNGrams(l, 1, 4)
		_ = Lang(l)
		_ = Stem(l)
	}
}

func FuzzNormalizeSegment(f *testing.F) {
	for _, s := range []string{"我的iPhone15什么时候发货", "申请退款流程", "ＨＥＬＬＯ　Ｗｏｒｌｄ", "\xff\xfe", "", "a'", "'a", "don't", "ß", "İstanbul", "👨‍👩‍👧", "\u202eabc", "KF20261101001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) || utf8.RuneCountInString(n) > MaxRunes {
			t.Fatalf("Normalize(%q) = %q", s, n)
		}
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q vs %q", s, n, Normalize(n))
		}
		if len(FoldRunes(s)) > MaxRunes {
			t.Fatal("FoldRunes exceeds MaxRunes")
		}
		for _, w := range Segment(s) {
			if w == "" || !strings.Contains(n, w) {
				t.Fatalf("Segment(%q) token %q not in normalised text %q", s, w, n)
			}
		}
		for _, g := range CharNGrams(s, 1, 4) {
			if c := utf8.RuneCountInString(g); c < 1 || c > 4 {
				t.Fatalf("n-gram %q has %d runes", g, c)
			}
		}
		_ = Stem(n)
		if l := Lang(s); l != "zh" && l != "en" {
			t.Fatalf("Lang = %q", l)
		}
	})
}

func BenchmarkSegment(b *testing.B) {
	s := "您好，我的iPhone15什么时候发货？订单号KF20261101001，已经等了三天了，再不发货我就申请退款"
	Segment(s)
	b.ReportAllocs()
	for b.Loop() {
		Segment(s)
	}
}

func BenchmarkDictionaryLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		parseDict(dictZH)
	}
}
