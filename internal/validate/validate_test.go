package validate

import (
	"strings"
	"testing"

	"kefu/internal/apperr"
)

func TestText(t *testing.T) {
	cases := []struct {
		in       string
		min, max int
		want     string
		errPart  string
	}{
		{"  王芳  ", 0, 10, "王芳", ""},
		{"", 0, 10, "", ""},
		{"", 1, 10, "", "is required"},
		{"ab", 3, 10, "", "at least 3"},
		{strings.Repeat("好", 11), 0, 10, "", "at most 10"},
		{strings.Repeat("好", 10), 0, 10, strings.Repeat("好", 10), ""},
		{"a\x00b", 0, 10, "", "NUL"},
		{"\xff\xfe", 0, 10, "", "UTF-8"},
	}
	for _, c := range cases {
		got, err := Text("name", c.in, c.min, c.max)
		if c.errPart == "" {
			if err != nil || got != c.want {
				t.Errorf("Text(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Field != "name" || e.Code != "invalid_field" || !strings.Contains(e.Message, c.errPart) {
			t.Errorf("Text(%q) error %v, want invalid_field on name containing %q", c.in, err, c.errPart)
		}
	}
}
