package bot

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"kefu/internal/commerce"
)

// The text rules read whatever customers type: hostile strings (blns) must give ordinary
// answers, never a panic, and never text the customer did not write.
func TestHostileTextRules(t *testing.T) {
	root := os.Getenv("KEFU_EVAL_DATA")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(root, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (set KEFU_EVAL_DATA): %v", err)
	}
	defer f.Close()
	o := &commerce.Order{Items: []commerce.Item{{SKU: "A", Title: "速干T恤"}, {SKU: "B", Title: "Oxford Shirt"}}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		s := sc.Text()
		if strings.HasPrefix(s, "#") {
			continue
		}
		n++
		if a := answerOf(s); a != "" && a != "yes" && a != "no" {
			t.Fatalf("answerOf(%q) = %q", s, a)
		}
		if i := ordinal(s); i < 0 || i > 9 {
			t.Fatalf("ordinal(%q) = %d", s, i)
		}
		if a := addressIn(s); a != "" && !strings.Contains(s, a) {
			t.Fatalf("addressIn(%q) = %q, not part of the message", s, a)
		}
		if a := parseAddress(s); a.Line != strings.TrimSpace(s) {
			t.Fatalf("parseAddress(%q) lost text: %+v", s, a)
		}
		if l := replyLang(s, "", ""); l != "zh" && l != "en" {
			t.Fatalf("replyLang(%q) = %q", s, l)
		}
		if c := clip(s, 10); utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Fatalf("clip(%q) broke UTF-8: %q", s, c)
		}
		reasonOf(s)
		itemsNamed(o, s)
		isExit(s)
		disputes(s)
		mentionsOtherOrder(s)
		mentionsPhoto(s)
		wantsMoneyBack(s)
		exclamationRun(s)
		isPhotoPlaceholder(s)
	}
	if n == 0 {
		t.Fatal("no hostile strings read")
	}
}
