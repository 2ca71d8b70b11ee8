// Package i18n holds what kefu needs to speak Chinese and English to customers: a text in
// both languages, and the rule for which one a language tag gets.
package i18n

import "strings"

// Text is a customer-facing text in both languages.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// In returns the text for a language tag; anything but Chinese gets English.
func (t Text) In(lang string) string {
	if IsZh(lang) {
		return t.ZH
	}
	return t.EN
}

// IsZh reports whether a language tag asks for Chinese ("zh", "zh-CN", "zh_Hans"…).
func IsZh(lang string) bool {
	l := strings.ToLower(strings.TrimSpace(lang))
	return l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_")
}
