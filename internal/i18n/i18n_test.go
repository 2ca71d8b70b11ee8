package i18n

import "testing"

func TestIn(t *testing.T) {
	txt := Text{ZH: "您好", EN: "Hello"}
	for lang, want := range map[string]string{"zh": "您好", "zh-CN": "您好", "ZH_hans": "您好", " zh ": "您好", "en": "Hello", "": "Hello", "fr": "Hello", "zhx": "Hello"} {
		if got := txt.In(lang); got != want {
			t.Errorf("In(%q) = %q, want %q", lang, got, want)
		}
	}
}
