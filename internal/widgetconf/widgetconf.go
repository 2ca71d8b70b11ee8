// Package widgetconf keeps the chat widget's look (brand colour, titles, greetings, logo,
// quick replies, side) on the server, so a shop changes it in the admin console instead of
// re-pasting its embed snippet. The widget reads it from a public endpoint and lets any
// attribute written on the snippet itself win; nothing here is secret.
package widgetconf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
	"kefu/internal/validate"
)

// SettingKey is the settings-table row holding the widget settings (JSON).
const SettingKey = "widget.settings"

// Settings is the widget's server-side look. Empty values mean "not set": the widget then uses
// the snippet's attribute or its built-in default.
type Settings struct {
	Color          string     `json:"color"` // #rrggbb
	TitleZH        string     `json:"title_zh"`
	TitleEN        string     `json:"title_en"`
	GreetingZH     string     `json:"greeting_zh"`
	GreetingEN     string     `json:"greeting_en"`
	LogoURL        string     `json:"logo_url"`
	QuickRepliesZH []string   `json:"quick_replies_zh"`
	QuickRepliesEN []string   `json:"quick_replies_en"`
	Position       string     `json:"position"` // "", "right" or "left"
	UpdatedAt      *time.Time `json:"updated_at,omitempty"`
}

// Limits match what the widget displays (web/src/widget/config.ts).
const (
	maxTitle       = 40
	maxGreeting    = 300
	maxLogoURL     = 500
	maxQuick       = 6
	maxQuickLength = 60
)

var (
	hex6 = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	hex3 = regexp.MustCompile(`^#[0-9a-f]{3}$`)
)

// Normalise validates s and returns it cleaned (trimmed text, #rrggbb colour, empty lists as []).
func (s Settings) Normalise() (Settings, error) {
	out := Settings{Position: s.Position}
	c := strings.ToLower(strings.TrimSpace(s.Color))
	switch {
	case c == "" || hex6.MatchString(c):
	case hex3.MatchString(c):
		c = "#" + c[1:2] + c[1:2] + c[2:3] + c[2:3] + c[3:4] + c[3:4]
	default:
		return out, apperr.Invalid("color", "must be a colour like #1f6feb")
	}
	out.Color = c
	var err error
	for _, f := range []struct {
		field string
		in    string
		max   int
		dst   *string
	}{
		{"title_zh", s.TitleZH, maxTitle, &out.TitleZH},
		{"title_en", s.TitleEN, maxTitle, &out.TitleEN},
		{"greeting_zh", s.GreetingZH, maxGreeting, &out.GreetingZH},
		{"greeting_en", s.GreetingEN, maxGreeting, &out.GreetingEN},
	} {
		if *f.dst, err = validate.Text(f.field, f.in, 0, f.max); err != nil {
			return out, err
		}
		if strings.ContainsAny(*f.dst, "\r\n\t") && strings.HasPrefix(f.field, "title") {
			return out, apperr.Invalid(f.field, "must be one line")
		}
	}
	if out.LogoURL, err = logoURL(s.LogoURL); err != nil {
		return out, err
	}
	if out.QuickRepliesZH, err = quickReplies("quick_replies_zh", s.QuickRepliesZH); err != nil {
		return out, err
	}
	if out.QuickRepliesEN, err = quickReplies("quick_replies_en", s.QuickRepliesEN); err != nil {
		return out, err
	}
	if out.Position != "" && out.Position != "right" && out.Position != "left" {
		return out, apperr.Invalid("position", "must be right or left")
	}
	return out, nil
}

// logoURL accepts an absolute http(s) URL without credentials in it, or "".
func logoURL(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	bad := apperr.Invalid("logo_url", "must be an https:// (or http://) address of an image")
	if len(v) > maxLogoURL {
		return "", apperr.Invalid("logo_url", fmt.Sprintf("must be at most %d characters", maxLogoURL))
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || strings.ContainsAny(v, " \"'<>\\") {
		return "", bad
	}
	return u.String(), nil
}

// quickReplies trims each reply; the widget's snippet format separates them with "|", so a
// reply may not contain one.
func quickReplies(field string, in []string) ([]string, error) {
	if len(in) > maxQuick {
		return nil, apperr.Invalid(field, fmt.Sprintf("at most %d quick replies", maxQuick))
	}
	out := []string{}
	for i, q := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		v, err := validate.Text(f, q, 1, maxQuickLength)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(v, "|\r\n") {
			return nil, apperr.Invalid(f, "must be one line without |")
		}
		out = append(out, v)
	}
	return out, nil
}

// Load returns the stored settings, or empty ones when none were saved.
func Load(ctx context.Context, q store.Querier) (Settings, error) {
	var raw string
	var at time.Time
	err := q.QueryRow(ctx, `SELECT value, updated_at FROM settings WHERE key = ?`, SettingKey).Scan(&raw, &at)
	if store.IsNoRows(err) {
		return Settings{QuickRepliesZH: []string{}, QuickRepliesEN: []string{}}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	var s Settings
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return Settings{}, apperr.New(500, "corrupt_setting", "stored setting "+SettingKey+" is not valid JSON").Wrap(err)
	}
	if s.QuickRepliesZH == nil {
		s.QuickRepliesZH = []string{}
	}
	if s.QuickRepliesEN == nil {
		s.QuickRepliesEN = []string{}
	}
	at = at.UTC()
	s.UpdatedAt = &at
	return s, nil
}

// Save validates and stores the settings, returning what was stored.
func Save(ctx context.Context, q store.Querier, s Settings, now time.Time) (Settings, error) {
	clean, err := s.Normalise()
	if err != nil {
		return Settings{}, err
	}
	clean.UpdatedAt = nil
	b, _ := json.Marshal(clean)
	if _, err := q.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, SettingKey, string(b), now.UTC()); err != nil {
		return Settings{}, err
	}
	at := now.UTC()
	clean.UpdatedAt = &at
	return clean, nil
}
