package defaults

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// Intents lists every intent label the shipped data must cover, besides "oos".
var intents = []string{
	"order_status", "urge_shipment", "cancel_order", "change_address",
	"return_request", "refund_request", "refund_status", "exchange_request",
	"damaged_item", "missing_item", "warranty_repair", "invoice_request",
	"payment_issue", "coupon_promotion", "price_protection", "product_inquiry",
	"size_advice", "product_recommendation", "shipping_policy", "return_policy",
	"account_issue", "complaint", "human_agent", "greeting", "thanks", "goodbye",
}

var sentiments = []string{"positive", "neutral", "negative"}

var langs = []string{"zh", "en"}

type row struct {
	line              int
	text, label, lang string
}

// dataset describes one shipped file and the minimum examples per label and language.
type dataset struct {
	file   string
	labels []string
	min    map[string]int // label -> minimum rows per language
	// disjointFrom names the files this one must share no example with: a dev or test row
	// that is also a training row measures memory, not understanding.
	disjointFrom []string
}

func minimums(labels []string, perLabel int, extra map[string]int) map[string]int {
	m := map[string]int{}
	for _, l := range labels {
		m[l] = perLabel
	}
	for l, n := range extra {
		m[l] = n
	}
	return m
}

var datasets = []dataset{
	{file: "intent_train.csv", labels: append(append([]string{}, intents...), "oos"),
		min: minimums(intents, 45, map[string]int{"oos": 120})},
	{file: "intent_test.csv", labels: append(append([]string{}, intents...), "oos"),
		min: minimums(intents, 16, map[string]int{"oos": 40}), disjointFrom: []string{"intent_train.csv"}},
	// The dev file is for choosing models and finding weak spots in the training data; it was
	// written without looking at the train or test files. Its short social messages ("hi",
	// "thanks", "bye") mostly collided with training rows and were dropped, hence the low
	// minimum for those labels.
	{file: "intent_dev.csv", labels: append(append([]string{}, intents...), "oos"),
		min:          minimums(intents, 3, map[string]int{"oos": 25}),
		disjointFrom: []string{"intent_train.csv", "intent_test.csv"}},
	{file: "sentiment_train.csv", labels: sentiments, min: minimums(sentiments, 250, nil)},
	{file: "sentiment_test.csv", labels: sentiments, min: minimums(sentiments, 60, nil),
		disjointFrom: []string{"sentiment_train.csv"}},
}

func readRows(t *testing.T, name string) []row {
	t.Helper()
	f, err := FS.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 3
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", name, err)
	}
	if strings.Join(header, ",") != "text,label,lang" {
		t.Fatalf("%s: header = %q, want text,label,lang", name, header)
	}
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		line, _ := r.FieldPos(0)
		rows = append(rows, row{line: line, text: rec[0], label: rec[1], lang: rec[2]})
	}
	return rows
}

// normalize is the identity used for duplicate and train/test-overlap checks.
// It keeps only letters and digits, lower-cased, so "Hi there!" and "hi there"
// count as the same example: a tokenizer would see them identically. Rows made
// only of punctuation (out-of-scope noise like "？？") fall back to the trimmed text.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return b.String()
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func hasLatinLetter(s string) bool {
	for _, r := range s {
		if r < unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDatasets(t *testing.T) {
	for _, ds := range datasets {
		t.Run(ds.file, func(t *testing.T) {
			rows := readRows(t, ds.file)
			counts := map[string]int{}
			seen := map[string]int{}
			for _, r := range rows {
				if strings.TrimSpace(r.text) == "" || r.text != strings.TrimSpace(r.text) {
					t.Errorf("%s:%d: empty text or surrounding spaces: %q", ds.file, r.line, r.text)
				}
				if strings.ContainsAny(r.text, "\n\r\t") {
					t.Errorf("%s:%d: control character in text %q", ds.file, r.line, r.text)
				}
				if !contains(ds.labels, r.label) {
					t.Errorf("%s:%d: unknown label %q", ds.file, r.line, r.label)
				}
				// Out-of-scope rows may be gibberish, digits or punctuation with no
				// script at all, so only in-scope rows must match their language.
				inScope := r.label != "oos"
				switch r.lang {
				case "zh":
					if inScope && !hasHan(r.text) {
						t.Errorf("%s:%d: zh row without Chinese characters: %q", ds.file, r.line, r.text)
					}
				case "en":
					if hasHan(r.text) || (inScope && !hasLatinLetter(r.text)) {
						t.Errorf("%s:%d: en row must be Latin-script text: %q", ds.file, r.line, r.text)
					}
				default:
					t.Errorf("%s:%d: lang %q, want zh or en", ds.file, r.line, r.lang)
				}
				if prev, dup := seen[normalize(r.text)]; dup {
					t.Errorf("%s:%d: duplicate of line %d: %q", ds.file, r.line, prev, r.text)
				}
				seen[normalize(r.text)] = r.line
				counts[r.label+"/"+r.lang]++
			}
			for _, label := range ds.labels {
				for _, lang := range langs {
					if n := counts[label+"/"+lang]; n < ds.min[label] {
						t.Errorf("%s: %s/%s has %d rows, want at least %d", ds.file, label, lang, n, ds.min[label])
					}
				}
			}
			for _, other := range ds.disjointFrom {
				in := map[string]bool{}
				for _, r := range readRows(t, other) {
					in[normalize(r.text)] = true
				}
				for _, r := range rows {
					if in[normalize(r.text)] {
						t.Errorf("%s:%d: also in %s: %q", ds.file, r.line, other, r.text)
					}
				}
			}
		})
	}
}

// TestCountsReport logs rows per label and language (go test -v -run CountsReport).
func TestCountsReport(t *testing.T) {
	for _, ds := range datasets {
		counts := map[string]int{}
		for _, r := range readRows(t, ds.file) {
			counts[r.label+"/"+r.lang]++
		}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%d", k, counts[k])
		}
		t.Logf("%s:%s", ds.file, b.String())
	}
}
