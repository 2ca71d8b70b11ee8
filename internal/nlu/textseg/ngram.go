package textseg

import "unicode/utf8"

// CharNGrams returns the character n-grams (min ≤ n ≤ max runes) of the normalised text, for
// matching that survives typos and missing segmentation. Chinese runs give their n-grams as
// they are (across word boundaries, since segmentation may be wrong); other words are padded
// with a space on each side so that n-grams at a word's start and end are distinct
// ("refund" → " r", " re", ..., "d "). Punctuation and symbols separate runs.
func CharNGrams(s string, min, max int) []string {
	if min < 1 {
		min = 1
	}
	if max < min {
		return nil
	}
	var out []string
	EachCharNGram(Normalize(s), min, max, min, max, func(g []rune) { out = append(out, string(g)) })
	return out
}

// EachCharNGram calls fn with every character n-gram of already normalised text: hanMin..hanMax
// runes within Chinese stretches, wordMin..wordMax runes within space-padded other words. The
// slice passed to fn is reused; copy it to keep it. Classifiers hash the grams directly, which
// avoids allocating a string per gram.
func EachCharNGram(norm string, hanMin, hanMax, wordMin, wordMax int, fn func(gram []rune)) {
	var buf []rune
	emit := func(rs []rune, lo, hi int, padded bool) {
		if lo < 1 {
			lo = 1
		}
		for i := range rs {
			for n := lo; n <= hi && i+n <= len(rs); n++ {
				if padded && n == 1 && rs[i] == ' ' {
					continue // the word-boundary pad alone says nothing
				}
				fn(rs[i : i+n])
			}
		}
	}
	forEachRun(norm, func(run string, us []unit) {
		hanStart := -1 // byte offset in run where the current Han stretch starts
		flushHan := func(end int) {
			if hanStart >= 0 {
				if hanMax >= hanMin {
					buf = appendRunes(buf[:0], run[hanStart:end])
					emit(buf, hanMin, hanMax, false)
				}
				hanStart = -1
			}
		}
		for _, u := range us {
			r, _ := utf8.DecodeRuneInString(run[u.start:])
			if IsHan(r) {
				if hanStart < 0 {
					hanStart = u.start
				}
				continue
			}
			flushHan(u.start)
			if wordMax >= wordMin {
				buf = append(buf[:0], ' ')
				buf = appendRunes(buf, run[u.start:u.end])
				buf = append(buf, ' ')
				emit(buf, wordMin, wordMax, true)
			}
		}
		flushHan(len(run))
	})
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}
