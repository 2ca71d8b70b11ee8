package entity

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday

var testCatalog = NewCatalog([]Product{
	{SKU: "IP15-256", Names: []string{"Apple iPhone 15 Pro", "苹果15"}},
	{SKU: "EDF-X1", Names: []string{"漫步者蓝牙耳机"}},
	{SKU: "PILLOW-1", Names: []string{"云朵记忆枕"}},
})

func TestExtract(t *testing.T) {
	type e = Entity
	cases := []struct {
		in   string
		want []Entity
	}{
		{"我的订单KF20261101001什么时候发货", []e{{Type: OrderNumber, Text: "KF20261101001", Start: 4, End: 17, Value: "KF20261101001"}}},
		{"单号ｋｆ２０２６１１０１００１２３", []e{{Type: OrderNumber, Text: "ｋｆ２０２６１１０１００１２３", Start: 2, End: 17, Value: "KF2026110100123"}}},
		{"订单号 123456789012345678", []e{{Type: OrderNumber, Text: "123456789012345678", Start: 4, End: 22, Value: "123456789012345678"}}},
		{"顺丰单号SF1234567890查一下", []e{{Type: TrackingNumber, Text: "SF1234567890", Start: 4, End: 16, Value: "SF1234567890"}}},
		{"yt1234567890123 where", []e{{Type: TrackingNumber, Text: "yt1234567890123", Start: 0, End: 15, Value: "YT1234567890123"}}},
		{"tracking 773012345678", []e{{Type: TrackingNumber, Text: "773012345678", Start: 9, End: 21, Value: "773012345678"}}},
		{"手机13812345678", []e{{Type: Phone, Text: "13812345678", Start: 2, End: 13, Value: "+8613812345678"}}},
		{"电话 +86 138-1234-5678", []e{{Type: Phone, Text: "+86 138-1234-5678", Start: 3, End: 20, Value: "+8613812345678"}}},
		{"Call me at +44 20 7946 0958", []e{{Type: Phone, Text: "+44 20 7946 0958", Start: 11, End: 27, Value: "+442079460958"}}},
		{"邮箱 Foo.Bar@Example.com", []e{{Type: Email, Text: "Foo.Bar@Example.com", Start: 3, End: 22, Value: "foo.bar@example.com"}}},
		{"退我两百块", []e{{Type: Money, Text: "两百块", Start: 2, End: 5, Value: "CNY 200.00"}}},
		{"花了￥199.5", []e{{Type: Money, Text: "￥199.5", Start: 2, End: 8, Value: "CNY 199.50"}}},
		{"it cost $1,299.99", []e{{Type: Money, Text: "$1,299.99", Start: 8, End: 17, Value: "USD 1299.99"}}},
		{"refund 30 RMB", []e{{Type: Money, Text: "30 RMB", Start: 7, End: 13, Value: "CNY 30.00"}}},
		{"上周三买的", []e{{Type: Date, Text: "上周三", Start: 0, End: 3, Value: "2026-11-18"}}},
		{"昨天到的", []e{{Type: Date, Text: "昨天", Start: 0, End: 2, Value: "2026-11-22"}}},
		{"三天前下单", []e{{Type: Date, Text: "三天前", Start: 0, End: 3, Value: "2026-11-20"}}},
		{"ordered 3 days ago", []e{{Type: Date, Text: "3 days ago", Start: 8, End: 18, Value: "2026-11-20"}}},
		{"next friday please", []e{{Type: Date, Text: "next friday", Start: 0, End: 11, Value: "2026-12-04"}}},
		{"2026-11-01下的单", []e{{Type: Date, Text: "2026-11-01", Start: 0, End: 10, Value: "2026-11-01"}}},
		{"11月1号下单的", []e{{Type: Date, Text: "11月1号", Start: 0, End: 5, Value: "2026-11-01"}}},
		{"买了三个", []e{{Type: Quantity, Text: "三个", Start: 2, End: 4, Value: "3"}}},
		{"I want 2 pairs", []e{{Type: Quantity, Text: "2 pairs", Start: 7, End: 14, Value: "2"}}},
		{"我要2件XL的红色", []e{
			{Type: Quantity, Text: "2件", Start: 2, End: 4, Value: "2"},
			{Type: Size, Text: "XL", Start: 4, End: 6, Value: "XL"},
			{Type: Color, Text: "红色", Start: 7, End: 9, Value: "red"}}},
		{"我要M码，42码的鞋", []e{{Type: Size, Text: "M码", Start: 2, End: 4, Value: "M"}, {Type: Size, Text: "42码", Start: 5, End: 8, Value: "42"}}},
		{"换成深蓝色", []e{{Type: Color, Text: "深蓝色", Start: 2, End: 5, Value: "navy"}}},
		{"发到广东省深圳市", []e{{Type: Location, Text: "广东省", Start: 2, End: 5, Value: "广东"}, {Type: Location, Text: "深圳市", Start: 5, End: 8, Value: "深圳"}}},
		{"IP15-256 还有吗", []e{{Type: ProductMention, Text: "IP15-256", Start: 0, End: 8, Value: "IP15-256", Score: 1}}},
		{"苹果15多少钱", []e{{Type: ProductMention, Text: "苹果15", Start: 0, End: 4, Value: "IP15-256", Score: 1}}},
		// one case per literal gate of the regular expressions (Extract skips an expression
		// when its literals are absent, so each gate needs a text that passes it)
		{"deliver in 2 weeks", []e{{Type: Date, Text: "in 2 weeks", Start: 8, End: 18, Value: "2026-12-07"}}},
		{"arrives tomorrow", []e{{Type: Date, Text: "tomorrow", Start: 8, End: 16, Value: "2026-11-24"}}},
		{"12月5日到", []e{{Type: Date, Text: "12月5日", Start: 0, End: 5, Value: "2026-12-05"}}},
		{"need size 10", []e{{Type: Size, Text: "size 10", Start: 5, End: 12, Value: "10"}}},
		{"均码的吗", []e{{Type: Size, Text: "均码", Start: 0, End: 2, Value: "ONE SIZE"}}},
		{"退50元", []e{{Type: Money, Text: "50元", Start: 1, End: 4, Value: "CNY 50.00"}}},
		{"paid 20 dollars", []e{{Type: Money, Text: "20 dollars", Start: 5, End: 15, Value: "USD 20.00"}}},
		{"电话00852 2345 6789", []e{{Type: Phone, Text: "00852 2345 6789", Start: 2, End: 17, Value: "+85223456789"}}},
		{"the mail is late", nil},
		{"I am fine", nil}, // a lone lower-case "m" is not a size
		{"", nil},
	}
	for _, c := range cases {
		got := Extract(c.in, now, testCatalog)
		if len(got) != len(c.want) {
			t.Errorf("Extract(%q) = %+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Extract(%q)[%d] = %+v, want %+v", c.in, i, got[i], c.want[i])
			}
		}
	}
}

func TestProductFuzzyAndPartial(t *testing.T) {
	cases := []struct{ in, sku, text string }{
		{"我的iphone15 pro屏幕碎了", "IP15-256", "iphone15 pro"},
		{"漫步者蓝芽耳机没声音", "EDF-X1", "漫步者蓝芽耳机"}, // typo in the middle
		{"记忆枕有异味", "PILLOW-1", "记忆枕"},       // partial name
	}
	for _, c := range cases {
		var found *Entity
		for _, e := range Extract(c.in, now, testCatalog) {
			if e.Type == ProductMention {
				found = &e
			}
		}
		if found == nil || found.Value != c.sku || found.Text != c.text || found.Score <= 0 || found.Score > 1 {
			t.Errorf("Extract(%q) product = %+v, want %s on %q", c.in, found, c.sku, c.text)
		}
	}
	if got := Extract("手机坏了", now, testCatalog); len(got) != 0 {
		t.Errorf("a generic word matched a product: %+v", got)
	}
}

func TestParseChineseNumber(t *testing.T) {
	cases := map[string]int{"两百": 200, "二十五": 25, "十五": 15, "一百五": 150, "三千五": 3500, "一百零五": 105, "一万": 10000, "五": 5}
	for in, want := range cases {
		if got, ok := parseChineseNumber(in); !ok || got != want {
			t.Errorf("parseChineseNumber(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := parseChineseNumber("一二"); ok {
		t.Error("一二 is not a numeral")
	}
}

func checkSpans(t *testing.T, in string, got []Entity) {
	rs := []rune(in)
	for i, e := range got {
		if e.Start < 0 || e.End > len(rs) || e.Start >= e.End || string(rs[e.Start:e.End]) != e.Text {
			t.Fatalf("Extract(%q): bad span %+v", in, e)
		}
		if i > 0 && got[i-1].End > e.Start {
			t.Fatalf("Extract(%q): overlapping entities %+v %+v", in, got[i-1], e)
		}
	}
}

func TestHostileInput(t *testing.T) {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(dir, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (set KEFU_EVAL_DATA): %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lines := []string{strings.Repeat("1", 100<<10), strings.Repeat("KF20261101001 ", 10000), "\xff\xfe订单\x00"}
	for sc.Scan() {
		if l := sc.Text(); !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	for _, l := range lines {
		got := Extract(l, now, testCatalog)
		if utf8.ValidString(l) {
			checkSpans(t, l, got)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"我的订单KF20261101001什么时候发货", "退我两百块", "上周三买的", "+86 138-1234-5678", "a@b.cc",
		"我要2件XL的红色", "漫步者蓝芽耳机", "$1,299.99", "\xff", "M", "一百零五元", "99999999999999999999999元", "in 3 weeks"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Extract(s, now, testCatalog)
		if utf8.ValidString(s) {
			checkSpans(t, s, got)
		}
		for _, e := range got {
			if e.Value == "" || e.Type == "" {
				t.Fatalf("Extract(%q): empty value in %+v", s, e)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	s := "您好，我的iphone15 pro订单KF20261101001上周三付了￥8999，顺丰SF1234567890到现在还没到，电话13812345678"
	b.ReportAllocs()
	for b.Loop() {
		Extract(s, now, testCatalog)
	}
}
