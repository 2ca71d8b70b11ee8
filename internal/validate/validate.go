// Package validate holds the one rule every free-text field in kefu follows, so a name, a
// note or an article title is checked the same way everywhere.
package validate

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"kefu/internal/apperr"
)

// Text trims v and checks it is valid UTF-8 without NUL (PostgreSQL rejects NUL in text) and
// between min and max characters; the error names the field. min 0 means optional.
func Text(field, v string, min, max int) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return "", apperr.Invalid(field, "must be valid UTF-8 text without NUL characters")
	}
	n := utf8.RuneCountInString(v)
	switch {
	case n < min && min == 1:
		return "", apperr.Invalid(field, "is required")
	case n < min:
		return "", apperr.Invalid(field, fmt.Sprintf("must be at least %d characters", min))
	case n > max:
		return "", apperr.Invalid(field, fmt.Sprintf("must be at most %d characters", max))
	}
	return v, nil
}
