package entity

import "strings"

var cnDigit = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
var cnUnit = map[rune]int{'十': 10, '百': 100, '千': 1000, '万': 10000}

// parseChineseNumber reads a Chinese numeral ("两百" 200, "二十五" 25, "一百五" 150 — a trailing
// digit after 百/千/万 counts in the next lower unit, as people say it). ok is false for
// strings that are not numerals.
func parseChineseNumber(s string) (n int, ok bool) {
	if s == "" {
		return 0, false
	}
	total, section, digit := 0, 0, -1
	lastUnit := 0
	for _, r := range s {
		if d, isDigit := cnDigit[r]; isDigit {
			if d == 0 && section > 0 { // "一百零五": 零 only marks a skipped unit
				continue
			}
			if digit >= 0 { // "一二" is not a numeral we read
				return 0, false
			}
			digit = d
			continue
		}
		u, isUnit := cnUnit[r]
		if !isUnit {
			return 0, false
		}
		if u == 10000 {
			if digit > 0 {
				section += digit
			}
			total += max(section, 1) * u
			section, digit, lastUnit = 0, -1, u
			continue
		}
		if digit < 0 {
			digit = 1 // "十五" = 15
		}
		section += digit * u
		digit, lastUnit = -1, u
	}
	if digit > 0 {
		if lastUnit >= 100 && !strings.ContainsRune(s, '零') {
			digit *= lastUnit / 10 // "一百五" = 150, "三千五" = 3500
		}
		section += digit
	}
	total += section
	return total, true
}

// parseNumber reads Arabic or Chinese numerals.
func parseNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return parseChineseNumber(s)
		}
		n = n*10 + int(r-'0')
		if n > 1e9 {
			return 0, false
		}
	}
	return n, true
}

var enNumber = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "few": 3}
