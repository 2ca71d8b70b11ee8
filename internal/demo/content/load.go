package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"kefu/internal/apperr"
)

// LoadFS parses and validates content from fsys, which holds the files of data/ at its root
// (categories.json, products_<category>.json, articles_<article category>.json, …).
// Every problem is reported as an *apperr.Error with code "invalid_field" naming the file
// and item; several problems are joined.
func LoadFS(fsys fs.FS) (*Set, error) {
	s := &Set{}
	var v validator
	// Reading stops at the first unreadable file: validating half-read content would only
	// produce a cascade of misleading "unknown category" errors.
	var people struct {
		Teams  []Team  `json:"teams"`
		Agents []Agent `json:"agents"`
	}
	var conv struct {
		Situations []Situation `json:"situations"`
		Messages   []Message   `json:"messages"`
	}
	ok := v.read(fsys, "categories.json", &s.Categories) &&
		v.read(fsys, "brands.json", &s.Brands) &&
		v.read(fsys, "attributes.json", &s.AttributeLabels) &&
		v.read(fsys, "sizecharts.json", &s.SizeCharts)
	for _, c := range s.Categories {
		var ps []Product
		ok = ok && v.read(fsys, "products_"+c.Slug+".json", &ps)
		s.Products = append(s.Products, ps...)
	}
	for _, c := range ArticleCategories {
		var as []Article
		ok = ok && v.read(fsys, "articles_"+c+".json", &as)
		s.Articles = append(s.Articles, as...)
	}
	ok = ok && v.read(fsys, "carriers.json", &s.Carriers) &&
		v.read(fsys, "logistics.json", &s.LogisticsEvents) &&
		v.read(fsys, "places.json", &s.Provinces) &&
		v.read(fsys, "names.json", &s.Names) &&
		v.read(fsys, "teams.json", &people) &&
		v.read(fsys, "tiers.json", &s.Tiers) &&
		v.read(fsys, "reviews.json", &s.Reviews) &&
		v.read(fsys, "conversations.json", &conv)
	if !ok {
		return nil, errors.Join(v.errs...)
	}
	s.Teams, s.Agents = people.Teams, people.Agents
	s.Situations, s.Messages = conv.Situations, conv.Messages
	validate(s, &v)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return s, nil
}

// maxErrors bounds the report so one systematic mistake does not produce thousands of lines.
const maxErrors = 50

type validator struct{ errs []error }

func (v *validator) fail(field, format string, args ...any) {
	if len(v.errs) < maxErrors {
		v.errs = append(v.errs, apperr.Invalid(field, fmt.Sprintf(format, args...)))
	}
}

func (v *validator) read(fsys fs.FS, name string, dst any) bool {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		v.fail(name, "cannot read: %v", err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		v.fail(name, "cannot parse: %v", err)
		return false
	}
	if dec.More() {
		v.fail(name, "unexpected data after the JSON value")
		return false
	}
	return true
}

// need reports an empty (after trimming) value.
func (v *validator) need(field, value string) {
	if strings.TrimSpace(value) == "" {
		v.fail(field, "must not be empty")
	}
}

// needZH reports a value that is empty or has no Chinese character in it.
func (v *validator) needZH(field, value string) {
	v.need(field, value)
	if value != "" && !hasHan(value) {
		v.fail(field, "must contain Chinese text, got %q", value)
	}
}

// needEN reports a value that is empty or written in Chinese.
func (v *validator) needEN(field, value string) {
	v.need(field, value)
	if hasHan(value) {
		v.fail(field, "must be English text, got %q", value)
	}
}

func (v *validator) needLang(field, lang, value string) {
	if lang == "zh" {
		v.needZH(field, value)
	} else {
		v.needEN(field, value)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

var placeholderRe = regexp.MustCompile(`\{[^{}\s]*\}`)

// Placeholders returns the {placeholders} used in text, in order of appearance.
func Placeholders(text string) []string { return placeholderRe.FindAllString(text, -1) }

func (v *validator) placeholders(field, text string, allowed []string) {
	for _, p := range Placeholders(text) {
		if !slices.Contains(allowed, p) {
			v.fail(field, "placeholder %s is not one of %s", p, strings.Join(allowed, " "))
		}
	}
	if strings.Count(text, "{") != strings.Count(text, "}") {
		v.fail(field, "unbalanced braces in %q", text)
	}
}

func (v *validator) oneOf(field, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		v.fail(field, "%q is not one of %s", value, strings.Join(allowed, ", "))
	}
}

var (
	slugRe = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	skuRe  = regexp.MustCompile(`^KF-[A-Z]{3}-[0-9]{3}(-[A-Z0-9]+)*$`)
)

func validate(s *Set, v *validator) {
	for _, c := range []struct {
		file string
		n    int
	}{
		{"categories.json", len(s.Categories)}, {"brands.json", len(s.Brands)},
		{"sizecharts.json", len(s.SizeCharts)}, {"carriers.json", len(s.Carriers)},
		{"logistics.json", len(s.LogisticsEvents)}, {"places.json", len(s.Provinces)},
		{"teams.json", len(s.Agents)}, {"tiers.json", len(s.Tiers)},
		{"conversations.json", len(s.Messages)},
	} {
		if c.n == 0 {
			v.fail(c.file, "must not be empty")
		}
	}
	perCategory := map[string]int{}
	for _, p := range s.Products {
		perCategory[p.Category]++
	}
	for _, c := range s.Categories {
		if perCategory[c.Slug] == 0 {
			v.fail("products_"+c.Slug+".json", "category %q has no products", c.Slug)
		}
	}
	perTopicCategory := map[string]int{}
	for _, a := range s.Articles {
		perTopicCategory[a.Category]++
	}
	for _, c := range ArticleCategories {
		if perTopicCategory[c] == 0 {
			v.fail("articles_"+c+".json", "no articles in %q", c)
		}
	}
	cats := map[string]Category{}
	codes := map[string]bool{}
	for i, c := range s.Categories {
		f := fmt.Sprintf("categories.json[%d]", i)
		if !slugRe.MatchString(c.Slug) {
			v.fail(f+".slug", "bad slug %q", c.Slug)
		}
		if _, dup := cats[c.Slug]; dup {
			v.fail(f+".slug", "duplicate slug %q", c.Slug)
		}
		if len(c.Code) != 3 || strings.ToUpper(c.Code) != c.Code || codes[c.Code] {
			v.fail(f+".code", "code %q must be 3 upper-case letters and unique", c.Code)
		}
		codes[c.Code] = true
		cats[c.Slug] = c
		v.needZH(f+".name_zh", c.NameZH)
		v.needEN(f+".name_en", c.NameEN)
	}

	brands := map[string]bool{}
	for i, b := range s.Brands {
		f := fmt.Sprintf("brands.json[%d]", i)
		if !slugRe.MatchString(b.Slug) || brands[b.Slug] {
			v.fail(f+".slug", "slug %q must be a unique lower-case slug", b.Slug)
		}
		brands[b.Slug] = true
		v.needZH(f+".name_zh", b.NameZH)
		v.needEN(f+".name_en", b.NameEN)
		v.needZH(f+".tagline_zh", b.TaglineZH)
		v.needEN(f+".tagline_en", b.TaglineEN)
		for _, c := range b.Categories {
			if _, ok := cats[c]; !ok {
				v.fail(f+".categories", "unknown category %q", c)
			}
		}
	}

	for k, n := range s.AttributeLabels {
		f := "attributes.json[" + k + "]"
		if !slugRe.MatchString(k) {
			v.fail(f, "bad attribute key %q", k)
		}
		v.needZH(f+".zh", n.ZH)
		v.needEN(f+".en", n.EN)
	}

	charts := map[string]bool{}
	for i, c := range s.SizeCharts {
		f := fmt.Sprintf("sizecharts.json[%d]", i)
		if !slugRe.MatchString(c.Key) || charts[c.Key] {
			v.fail(f+".key", "key %q must be a unique slug", c.Key)
		}
		charts[c.Key] = true
		v.needZH(f+".title_zh", c.TitleZH)
		v.needEN(f+".title_en", c.TitleEN)
		v.needZH(f+".note_zh", c.NoteZH)
		v.needEN(f+".note_en", c.NoteEN)
		if len(c.Columns) < 2 || len(c.Rows) < 3 {
			v.fail(f, "needs at least 2 columns and 3 rows")
		}
		for j, col := range c.Columns {
			v.needZH(fmt.Sprintf("%s.columns[%d].zh", f, j), col.ZH)
			v.needEN(fmt.Sprintf("%s.columns[%d].en", f, j), col.EN)
		}
		for j, r := range c.Rows {
			if len(r) != len(c.Columns) {
				v.fail(fmt.Sprintf("%s.rows[%d]", f, j), "has %d cells, want %d", len(r), len(c.Columns))
			}
		}
	}

	skus := map[string]bool{}
	for i, p := range s.Products {
		f := fmt.Sprintf("products_%s.json[%d](%s)", p.Category, i, p.SKU)
		cat, ok := cats[p.Category]
		if !ok {
			v.fail(f+".category", "unknown category %q", p.Category)
		} else if !strings.HasPrefix(p.SKU, "KF-"+cat.Code+"-") {
			v.fail(f+".sku", "SKU must start with KF-%s-", cat.Code)
		}
		if !skuRe.MatchString(p.SKU) || skus[p.SKU] {
			v.fail(f+".sku", "SKU %q must match %s and be unique", p.SKU, skuRe)
		}
		skus[p.SKU] = true
		if !brands[p.Brand] {
			v.fail(f+".brand", "unknown brand %q", p.Brand)
		}
		v.needZH(f+".title_zh", p.TitleZH)
		v.needEN(f+".title_en", p.TitleEN)
		v.needZH(f+".description_zh", p.DescriptionZH)
		v.needEN(f+".description_en", p.DescriptionEN)
		if p.Price <= 0 || p.Price > 100000 {
			v.fail(f+".price", "price %.2f out of range", p.Price)
		}
		if p.Stock < 0 {
			v.fail(f+".stock", "negative stock")
		}
		if p.SizeChart != "" && !charts[p.SizeChart] {
			v.fail(f+".size_chart", "unknown size chart %q", p.SizeChart)
		}
		if len(p.Attributes) == 0 || len(p.Attributes) != len(p.AttributesZH) {
			v.fail(f+".attributes", "needs attributes with the same keys in attributes_zh")
		}
		for k, val := range p.Attributes {
			if _, ok := s.AttributeLabels[k]; !ok {
				v.fail(f+".attributes", "attribute %q has no label in attributes.json", k)
			}
			v.need(f+".attributes."+k, val)
			if hasHan(val) {
				v.fail(f+".attributes."+k, "English value is Chinese: %q", val)
			}
			v.need(f+".attributes_zh."+k, p.AttributesZH[k])
		}
		sum := 0
		for j, vr := range p.Variants {
			vf := fmt.Sprintf("%s.variants[%d]", f, j)
			if !strings.HasPrefix(vr.SKU, p.SKU+"-") || !skuRe.MatchString(vr.SKU) || skus[vr.SKU] {
				v.fail(vf+".sku", "variant SKU %q must extend %s and be unique", vr.SKU, p.SKU)
			}
			skus[vr.SKU] = true
			if vr.ColorZH == "" && vr.Size == "" {
				v.fail(vf, "needs a colour or a size")
			}
			if hasHan(vr.Size) {
				v.fail(vf+".size", "size %q must be language-neutral", vr.Size)
			}
			if (vr.ColorZH == "") != (vr.ColorEN == "") {
				v.fail(vf, "colour needs both zh and en")
			}
			if vr.ColorZH != "" {
				v.needZH(vf+".color_zh", vr.ColorZH)
				v.needEN(vf+".color_en", vr.ColorEN)
			}
			if vr.Stock < 0 || p.Price+vr.PriceDelta <= 0 {
				v.fail(vf, "negative stock or non-positive price")
			}
			sum += vr.Stock
		}
		if len(p.Variants) > 0 && sum != p.Stock {
			v.fail(f+".stock", "stock %d is not the sum of variant stock %d", p.Stock, sum)
		}
		if len(p.Tags) == 0 {
			v.fail(f+".tags", "needs at least one tag")
		}
	}

	type pair struct{ zh, en *Article }
	topics := map[string]*pair{}
	var topicOrder []string
	keys := map[string]bool{}
	for i := range s.Articles {
		a := &s.Articles[i]
		f := fmt.Sprintf("articles_%s.json(%s)", a.Category, a.Key)
		v.oneOf(f+".category", a.Category, ArticleCategories...)
		v.oneOf(f+".lang", a.Lang, "zh", "en")
		if keys[a.Key] || a.Key != a.TranslationKey+"."+a.Lang || !slugRe.MatchString(a.TranslationKey) {
			v.fail(f+".key", "key must be unique and equal translation_key.lang")
		}
		keys[a.Key] = true
		v.needLang(f+".title", a.Lang, a.Title)
		v.needLang(f+".answer", a.Lang, a.Answer)
		v.placeholders(f+".answer", a.Answer, ArticlePlaceholders)
		v.placeholders(f+".title", a.Title, nil)
		if len(a.Questions) < 4 {
			v.fail(f+".questions", "needs at least 4 question variants, has %d", len(a.Questions))
		}
		seen := map[string]bool{}
		for j, q := range a.Questions {
			v.needLang(fmt.Sprintf("%s.questions[%d]", f, j), a.Lang, q)
			v.placeholders(fmt.Sprintf("%s.questions[%d]", f, j), q, nil)
			if seen[q] {
				v.fail(f+".questions", "duplicate question %q", q)
			}
			seen[q] = true
		}
		if len(a.Tags) == 0 {
			v.fail(f+".tags", "needs at least one tag")
		}
		p := topics[a.TranslationKey]
		if p == nil {
			p = &pair{}
			topics[a.TranslationKey] = p
			topicOrder = append(topicOrder, a.TranslationKey)
		}
		switch {
		case a.Lang == "zh" && p.zh == nil:
			p.zh = a
		case a.Lang == "en" && p.en == nil:
			p.en = a
		default:
			v.fail(f+".translation_key", "topic %q has two %s versions", a.TranslationKey, a.Lang)
		}
	}
	for _, k := range topicOrder {
		p := topics[k]
		switch {
		case p.zh == nil || p.en == nil:
			v.fail("articles("+k+")", "topic needs both a zh and an en version")
		case p.zh.Category != p.en.Category:
			v.fail("articles("+k+")", "zh and en versions are in different categories")
		}
	}

	carriers := map[string]bool{}
	for i, c := range s.Carriers {
		f := fmt.Sprintf("carriers.json[%d]", i)
		if c.Code == "" || carriers[c.Code] {
			v.fail(f+".code", "code %q must be unique and non-empty", c.Code)
		}
		carriers[c.Code] = true
		v.needZH(f+".name_zh", c.NameZH)
		v.needEN(f+".name_en", c.NameEN)
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			v.fail(f+".pattern", "bad pattern: %v", err)
			continue
		}
		if !re.MatchString(c.Example) || !strings.HasPrefix(c.Example, c.Prefix) ||
			len(c.Example) != len(c.Prefix)+c.Digits {
			v.fail(f+".example", "example %q does not fit prefix, digits and pattern", c.Example)
		}
		if c.Share <= 0 {
			v.fail(f+".share", "share must be positive")
		}
	}

	codesSeen := map[string]bool{}
	for i, e := range s.LogisticsEvents {
		f := fmt.Sprintf("logistics.json[%d](%s)", i, e.Code)
		if !slugRe.MatchString(e.Code) {
			v.fail(f+".code", "bad code")
		}
		codesSeen[e.Code] = true
		v.needZH(f+".text_zh", e.TextZH)
		v.needEN(f+".text_en", e.TextEN)
		v.placeholders(f+".text_zh", e.TextZH, LogisticsPlaceholders)
		v.placeholders(f+".text_en", e.TextEN, LogisticsPlaceholders)
		if slices.Compare(Placeholders(e.TextZH), Placeholders(e.TextEN)) != 0 {
			sortedZH, sortedEN := slices.Sorted(slices.Values(Placeholders(e.TextZH))), slices.Sorted(slices.Values(Placeholders(e.TextEN)))
			if slices.Compare(sortedZH, sortedEN) != 0 {
				v.fail(f, "zh and en use different placeholders")
			}
		}
		if e.Stage < 1 || e.Stage > 9 {
			v.fail(f+".stage", "stage must be 1–9")
		}
	}

	for i, p := range s.Provinces {
		f := fmt.Sprintf("places.json[%d](%s)", i, p.NameEN)
		v.needZH(f+".name_zh", p.NameZH)
		v.needEN(f+".name_en", p.NameEN)
		v.oneOf(f+".kind", p.Kind, "province", "municipality", "autonomous_region", "sar")
		v.oneOf(f+".region", p.Region, "east", "north", "south", "central", "northeast", "southwest", "northwest")
		// A municipality (Beijing, Shanghai…) is its own single city; a province needs three.
		if wantCities := 3; p.Kind == "municipality" && len(p.Cities) != 1 || p.Kind != "municipality" && len(p.Cities) < wantCities {
			v.fail(f+".cities", "a municipality has exactly 1 city, other divisions at least 3; got %d", len(p.Cities))
		}
		for j, c := range p.Cities {
			cf := fmt.Sprintf("%s.cities[%d]", f, j)
			v.needZH(cf+".name_zh", c.NameZH)
			v.needEN(cf+".name_en", c.NameEN)
			if len(c.Districts) == 0 || len(c.Streets) == 0 {
				v.fail(cf, "needs districts and streets")
			}
			for _, d := range append(clone(c.Districts), c.Streets...) {
				v.needZH(cf+".zh", d.ZH)
				v.needEN(cf+".en", d.EN)
			}
		}
	}

	n := s.Names
	for _, l := range []struct {
		name string
		list []string
		zh   bool
	}{{"zh_surnames", n.ZHSurnames, true}, {"zh_given", n.ZHGiven, true}, {"en_first", n.ENFirst, false}, {"en_last", n.ENLast, false}} {
		if len(l.list) == 0 {
			v.fail("names.json."+l.name, "must not be empty")
		}
		seen := map[string]bool{}
		for _, x := range l.list {
			if seen[x] {
				v.fail("names.json."+l.name, "duplicate %q", x)
			}
			seen[x] = true
			if l.zh {
				v.needZH("names.json."+l.name, x)
				if n.Pinyin[x] == "" {
					v.fail("names.json.pinyin", "no pinyin for %q", x)
				}
			} else {
				v.needEN("names.json."+l.name, x)
			}
		}
	}
	if len(n.MobilePrefix) == 0 || len(n.EmailDomains) == 0 || n.ENShare <= 0 || n.ENShare >= 100 {
		v.fail("names.json", "needs mobile_prefix, email_domains and 0 < en_share < 100")
	}

	tiers := map[string]bool{}
	for i, t := range s.Tiers {
		f := fmt.Sprintf("tiers.json[%d]", i)
		if !slugRe.MatchString(t.Key) || tiers[t.Key] {
			v.fail(f+".key", "key %q must be a unique slug", t.Key)
		}
		tiers[t.Key] = true
		v.needZH(f+".name_zh", t.NameZH)
		v.needEN(f+".name_en", t.NameEN)
		if t.ReturnDays < 7 || t.ReviewHours <= 0 {
			v.fail(f, "return_days must be ≥ 7 and review_hours positive")
		}
		if t.QualityReturnDays < 7 || t.QualityExchangeDays < t.QualityReturnDays ||
			t.QualityReturnDays < t.ReturnDays || t.WarrantyDays <= 0 || t.PriceProtectionDays <= 0 {
			v.fail(f, "quality windows must be ≥ 7 days and ≥ the no-reason window, exchange ≥ return; warranty and price protection positive")
		}
	}

	teams := map[string]bool{}
	for i, t := range s.Teams {
		f := fmt.Sprintf("teams.json.teams[%d]", i)
		if !slugRe.MatchString(t.Key) || teams[t.Key] {
			v.fail(f+".key", "key %q must be a unique slug", t.Key)
		}
		teams[t.Key] = true
		v.needZH(f+".name_zh", t.NameZH)
		v.needEN(f+".name_en", t.NameEN)
		v.needZH(f+".description_zh", t.DescriptionZH)
		v.needEN(f+".description_en", t.DescriptionEN)
	}
	agents, emails := map[string]bool{}, map[string]bool{}
	for i, a := range s.Agents {
		f := fmt.Sprintf("teams.json.agents[%d]", i)
		if !slugRe.MatchString(a.Key) || agents[a.Key] {
			v.fail(f+".key", "key %q must be a unique slug", a.Key)
		}
		agents[a.Key] = true
		if !strings.HasSuffix(a.Email, "@kefu.demo") || emails[a.Email] {
			v.fail(f+".email", "email %q must be unique and end in @kefu.demo", a.Email)
		}
		emails[a.Email] = true
		v.needZH(f+".name_zh", a.NameZH)
		v.needEN(f+".name_en", a.NameEN)
		if !teams[a.Team] {
			v.fail(f+".team", "unknown team %q", a.Team)
		}
		v.oneOf(f+".role", a.Role, "agent", "supervisor")
		if len(a.Languages) == 0 {
			v.fail(f+".languages", "needs a language")
		}
		for _, l := range a.Languages {
			v.oneOf(f+".languages", l, "zh", "en")
		}
		for _, c := range a.Categories {
			if _, ok := cats[c]; !ok {
				v.fail(f+".categories", "unknown category %q", c)
			}
		}
		for _, t := range a.Tiers {
			if !tiers[t] {
				v.fail(f+".tiers", "unknown tier %q", t)
			}
		}
		if a.MaxChats <= 0 {
			v.fail(f+".max_chats", "must be positive")
		}
	}

	for i, r := range s.Reviews {
		f := fmt.Sprintf("reviews.json[%d]", i)
		v.oneOf(f+".sentiment", r.Sentiment, "positive", "neutral", "negative")
		if r.Rating < 1 || r.Rating > 5 {
			v.fail(f+".rating", "rating must be 1–5")
		}
		if _, ok := cats[r.Category]; r.Category != "" && !ok {
			v.fail(f+".category", "unknown category %q", r.Category)
		}
		v.needZH(f+".text_zh", r.TextZH)
		v.needEN(f+".text_en", r.TextEN)
		v.placeholders(f+".text_zh", r.TextZH, MessagePlaceholders)
		v.placeholders(f+".text_en", r.TextEN, MessagePlaceholders)
	}

	situations := map[string]bool{}
	for i, st := range s.Situations {
		f := fmt.Sprintf("conversations.json.situations[%d]", i)
		if !slugRe.MatchString(st.Key) || situations[st.Key] {
			v.fail(f+".key", "key %q must be a unique slug", st.Key)
		}
		situations[st.Key] = true
		v.need(f+".intent", st.Intent)
		v.needZH(f+".name_zh", st.NameZH)
		v.needEN(f+".name_en", st.NameEN)
	}
	seenMessages := map[Message]bool{}
	for i, m := range s.Messages {
		f := fmt.Sprintf("conversations.json.messages[%d]", i)
		if seenMessages[m] {
			v.fail(f, "duplicate message %q", m.Text)
		}
		seenMessages[m] = true
		if !situations[m.Situation] {
			v.fail(f+".situation", "unknown situation %q", m.Situation)
		}
		v.oneOf(f+".lang", m.Lang, "zh", "en")
		v.oneOf(f+".role", m.Role, "customer", "agent")
		v.oneOf(f+".stage", m.Stage, "opening", "followup", "closing")
		v.oneOf(f+".emotion", m.Emotion, "neutral", "anxious", "angry", "happy")
		v.needLang(f+".text", m.Lang, m.Text)
		v.placeholders(f+".text", m.Text, MessagePlaceholders)
	}
}
