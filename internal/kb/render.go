package kb

import (
	"regexp"
	"slices"
	"strings"

	"kefu/internal/apperr"
)

// Placeholders are the context values an answer may use, written {order.number} in the
// Markdown. The bot and the agent workspace fill them from the conversation (see Render).
var Placeholders = []string{
	"customer.name", "customer.tier",
	"order.number", "order.status", "order.total", "order.tracking_number", "order.carrier",
	"shop.name", "agent.name",
}

// placeholder matches {word.word…}; other braces (JSON in a code sample, "{ }") are text.
// Write {{ or }} for a literal brace next to a name, e.g. {{order.number}} shows as is.
var placeholder = regexp.MustCompile(`\{\{|\}\}|\{([a-z_]+(?:\.[a-z_]+)+)\}`)

// CheckPlaceholders reports the first placeholder in answer that kefu cannot fill, so a typo
// like {order.numbr} is caught when the article is saved rather than shown to a customer.
func CheckPlaceholders(answer string) error {
	for _, m := range placeholder.FindAllStringSubmatch(answer, -1) {
		if m[1] != "" && !slices.Contains(Placeholders, m[1]) {
			return apperr.Invalid("answer", "unknown placeholder {"+m[1]+"}; use one of {"+strings.Join(Placeholders, "}, {")+"} (write {{ and }} for literal braces)")
		}
	}
	return nil
}

// Render fills the placeholders of a Markdown answer from vars (keyed "order.number", …).
// Values are escaped so that a customer named "*VIP*" or "[x](javascript:…)" stays plain
// text. Placeholders without a value become empty and are returned in missing, so the
// caller can decide (the bot may ask for the order number instead of answering).
func Render(answer string, vars map[string]string) (out string, missing []string) {
	out = placeholder.ReplaceAllStringFunc(answer, func(m string) string {
		switch m {
		case "{{":
			return "{"
		case "}}":
			return "}"
		}
		name := m[1 : len(m)-1]
		v, ok := vars[name]
		if !ok || v == "" {
			if !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
			return ""
		}
		return escapeMarkdown(v)
	})
	return out, missing
}

// escapeMarkdown backslash-escapes the characters Markdown gives meaning to, and drops
// line breaks, so a value renders as the literal text it is.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '!', '|', '<', '>', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
