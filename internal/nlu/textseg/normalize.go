// Package textseg normalises and tokenises Chinese, English and mixed text for kefu's NLU
// and search: full-width → half-width folding, case folding, Chinese word segmentation with an
// embedded dictionary (plus run-time domain words), English words, a Porter stemmer and
// character n-grams for typo robustness. It never reads files at run time and never panics on
// hostile input: everything works on at most MaxRunes runes.
package textseg

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunes bounds the work done on one input: longer text is truncated, so 100 KB of junk
// costs the same as a long message.
const MaxRunes = 4096

// FoldRune maps one rune to its normalised form: full-width ASCII to half-width, the
// ideographic space and other spaces to ' ', letters to lower case. Control and format
// characters (zero-width spaces, bidi marks, BOM) and invalid bytes map to ' ' so that callers
// that need rune-for-rune alignment (entity spans) can keep it; Normalize then collapses them.
func FoldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII block
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	case r == utf8.RuneError:
		return ' '
	case r == '\u00a0' || unicode.IsSpace(r):
		return ' '
	case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r):
		return ' '
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// FoldRunes returns the folded runes of s, one for each rune of s (invalid bytes count as one
// rune each, like a range loop), truncated to MaxRunes. Index i of the result corresponds to
// rune i of the input, which is what entity spans are measured in.
func FoldRunes(s string) []rune {
	out := make([]rune, 0, min(len(s), MaxRunes))
	for _, r := range s {
		if len(out) >= MaxRunes {
			break
		}
		out = append(out, FoldRune(r))
	}
	return out
}

// Normalize folds width and case, strips control characters, collapses runs of white space
// to one space and trims the ends. Input beyond MaxRunes runes is dropped.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), MaxRunes*3))
	n := 0
	space := false
	for _, r := range s {
		if n >= MaxRunes {
			break
		}
		n++
		f := FoldRune(r)
		if f == ' ' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(f)
	}
	return b.String()
}

// IsHan reports whether r is a Chinese character (CJK unified ideographs and extensions).
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isWordRune is a rune that belongs to a non-Han word: letters, digits and combining marks.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Lang returns "zh" when Chinese characters dominate s and "en" otherwise (including text with
// no letters at all). One Chinese character carries about as much as two Latin letters, hence
// the weighting: "我的iPhone15什么时候发货" is zh, "I love my 小米 phone" is en.
func Lang(s string) string {
	han, latin := 0, 0
	n := 0
	for _, r := range s {
		if n >= MaxRunes {
			break
		}
		n++
		switch {
		case IsHan(r):
			han++
		case unicode.IsLetter(r):
			latin++
		}
	}
	if han > 0 && han*2 >= latin {
		return "zh"
	}
	return "en"
}
