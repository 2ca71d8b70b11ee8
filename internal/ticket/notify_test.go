package ticket

import (
	"strings"
	"testing"
)

func TestStatusMessages(t *testing.T) {
	seen := map[string]Status{}
	for _, s := range Statuses {
		m := StatusMessage("T-1024", s)
		for lang, text := range map[string]string{"zh": m.In("zh-CN"), "en": m.In("en-US")} {
			if !strings.Contains(text, "T-1024") {
				t.Errorf("%s/%s does not name the ticket: %q", s, lang, text)
			}
			if prev, dup := seen[text]; dup {
				t.Errorf("%s and %s share the text %q", prev, s, text)
			}
			seen[text] = s
		}
		if m.In("fr") != m.EN {
			t.Errorf("unknown language should fall back to English")
		}
	}
	if m := StatusMessage("T-1", "weird"); m.ZH == "" || m.EN == "" {
		t.Fatal("unknown status needs a generic message")
	}
}
