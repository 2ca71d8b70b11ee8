// Package kb owns the knowledge base (知识库): articles with question variants, Markdown
// answers with placeholders, translations, status, audience and version history; the search
// index that the bot and agents query (package kb/search), kept consistent with the database;
// agent suggestions, usage events and the knowledge gaps built from unanswered questions.
package kb

import (
	"fmt"
	"kefu/internal/validate"
	"regexp"
	"slices"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/crm"
)

// Statuses of an article. Only published articles are shown to customers; drafts are found
// by staff search; archived ones are kept for history but not indexed.
var Statuses = []string{"draft", "published", "archived"}

// Langs are the article languages.
var Langs = []string{"zh", "en"}

// Limits on article fields, in characters.
const (
	MaxTitle     = 200
	MaxQuestion  = 500
	MaxQuestions = 50
	MaxAnswer    = 20000
	MaxCategory  = 64
	MaxTag       = 32
	MaxTags      = 20
	MaxKey       = 64
)

// Article is a knowledge-base entry.
type Article struct {
	ID             int64     `json:"id"`
	TranslationKey string    `json:"translation_key"`
	Lang           string    `json:"lang"`
	Title          string    `json:"title"`
	Questions      []string  `json:"questions"`
	Answer         string    `json:"answer"`
	Category       string    `json:"category"`
	Tags           []string  `json:"tags"`
	Status         string    `json:"status"`
	Audience       []string  `json:"audience"` // customer tiers; empty = everyone
	Version        int       `json:"version"`
	AuthorID       *int64    `json:"author_id"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// Translations lists the other languages' versions of this article (Get only).
	Translations []Translation `json:"translations,omitempty"`
}

// Translation points to the same article in another language.
type Translation struct {
	ID    int64  `json:"id"`
	Lang  string `json:"lang"`
	Title string `json:"title"`
}

// Input creates an article or, in Update, replaces the fields that are set.
type Input struct {
	TranslationKey string   `json:"translation_key"` // link to the other language's article; generated when empty
	Lang           string   `json:"lang"`
	Title          string   `json:"title"`
	Questions      []string `json:"questions"`
	Answer         string   `json:"answer"`
	Category       string   `json:"category"`
	Tags           []string `json:"tags"`
	Status         string   `json:"status"` // default draft
	Audience       []string `json:"audience"`
}

// Patch changes some fields of an article. Version must be the version the editor started
// from: a concurrent edit makes the update fail with stale_version instead of being lost.
type Patch struct {
	Version        int       `json:"version"`
	TranslationKey *string   `json:"translation_key,omitempty"`
	Lang           *string   `json:"lang,omitempty"`
	Title          *string   `json:"title,omitempty"`
	Questions      *[]string `json:"questions,omitempty"`
	Answer         *string   `json:"answer,omitempty"`
	Category       *string   `json:"category,omitempty"`
	Tags           *[]string `json:"tags,omitempty"`
	Status         *string   `json:"status,omitempty"`
	Audience       *[]string `json:"audience,omitempty"`
}

// apply returns the input that results from applying p to a.
func (p Patch) apply(a *Article) Input {
	in := Input{TranslationKey: a.TranslationKey, Lang: a.Lang, Title: a.Title, Questions: a.Questions, Answer: a.Answer,
		Category: a.Category, Tags: a.Tags, Status: a.Status, Audience: a.Audience}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.TranslationKey, p.TranslationKey)
	set(&in.Lang, p.Lang)
	set(&in.Title, p.Title)
	set(&in.Answer, p.Answer)
	set(&in.Category, p.Category)
	set(&in.Status, p.Status)
	if p.Questions != nil {
		in.Questions = *p.Questions
	}
	if p.Tags != nil {
		in.Tags = *p.Tags
	}
	if p.Audience != nil {
		in.Audience = *p.Audience
	}
	return in
}

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Validate checks and normalises an input in place (trimmed text, de-duplicated lists,
// default status). It returns the first problem as an apperr with the field name.
func (in *Input) Validate() error {
	var err error
	if in.TranslationKey, err = text("translation_key", in.TranslationKey, MaxKey); err != nil {
		return err
	}
	if in.TranslationKey != "" && !keyPattern.MatchString(in.TranslationKey) {
		return apperr.Invalid("translation_key", "may hold only letters, digits, _ . and - (and must start with a letter or digit)")
	}
	if !slices.Contains(Langs, in.Lang) {
		return apperr.Invalid("lang", "must be zh or en")
	}
	if in.Title, err = text("title", in.Title, MaxTitle); err != nil {
		return err
	}
	if in.Title == "" {
		return apperr.Invalid("title", "is required")
	}
	if in.Questions, err = list("questions", in.Questions, MaxQuestions, MaxQuestion); err != nil {
		return err
	}
	if in.Answer, err = text("answer", in.Answer, MaxAnswer); err != nil {
		return err
	}
	if in.Answer == "" {
		return apperr.Invalid("answer", "is required")
	}
	if err := CheckPlaceholders(in.Answer); err != nil {
		return err
	}
	if in.Category, err = text("category", in.Category, MaxCategory); err != nil {
		return err
	}
	if in.Tags, err = list("tags", in.Tags, MaxTags, MaxTag); err != nil {
		return err
	}
	if in.Status == "" {
		in.Status = "draft"
	}
	if !slices.Contains(Statuses, in.Status) {
		return apperr.Invalid("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	aud := make([]string, 0, len(in.Audience))
	for _, t := range in.Audience {
		t = strings.TrimSpace(t)
		if !crm.ValidTier(t) {
			return apperr.Invalid("audience", fmt.Sprintf("%q is not a tier (one of %s)", t, strings.Join(crm.Tiers, ", ")))
		}
		if !slices.Contains(aud, t) {
			aud = append(aud, t)
		}
	}
	in.Audience = aud
	return nil
}

// text trims and checks one text field: valid UTF-8, no NUL (PostgreSQL rejects it), bounded.
func text(field, v string, max int) (string, error) { return validate.Text(field, v, 0, max) }

// list checks a list of short texts, dropping empty and repeated items.
func list(field string, vs []string, maxItems, maxLen int) ([]string, error) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		v, err := text(field, v, maxLen)
		if err != nil {
			return nil, err
		}
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > maxItems {
		return nil, apperr.Invalid(field, fmt.Sprintf("must have at most %d items", maxItems))
	}
	return out, nil
}
