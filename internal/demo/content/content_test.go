package content

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"kefu/internal/apperr"
	"kefu/internal/nlu/defaults"
)

func mustLoad(t *testing.T) *Set {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatalf("embedded content does not load:\n%v", err)
	}
	return s
}

func TestEmbeddedContentLoads(t *testing.T) { mustLoad(t) }

// The generator needs this much material to build a believable store (see the task brief).
func TestMinimums(t *testing.T) {
	s := mustLoad(t)
	atLeast := func(what string, got, want int) {
		t.Helper()
		if got < want {
			t.Errorf("%s: have %d, want at least %d", what, got, want)
		}
	}
	atLeast("categories", len(s.Categories), 10)
	atLeast("products", len(s.Products), 220)
	perCat := map[string]int{}
	for _, p := range s.Products {
		perCat[p.Category]++
	}
	for _, c := range s.Categories {
		atLeast("products in "+c.Slug, perCat[c.Slug], 15)
	}
	atLeast("brands", len(s.Brands), 12)

	topics := map[string]bool{}
	perArticleCat := map[string]int{}
	for _, a := range s.Articles {
		topics[a.TranslationKey] = true
		perArticleCat[a.Category]++
	}
	atLeast("knowledge topics", len(topics), 100) // the demo store promises 100 knowledge articles in each language
	atLeast("articles", len(s.Articles), 200)
	for _, c := range ArticleCategories {
		atLeast("articles in "+c, perArticleCat[c], 2)
	}

	atLeast("carriers", len(s.Carriers), 6)
	atLeast("provinces", len(s.Provinces), 25)
	withThreeCities := 0
	for _, p := range s.Provinces {
		if len(p.Cities) >= 3 {
			withThreeCities++
		}
	}
	atLeast("provinces with 3+ cities", withThreeCities, 25)
	atLeast("zh surnames", len(s.Names.ZHSurnames), 80)
	atLeast("zh given names", len(s.Names.ZHGiven), 150)
	atLeast("en first names", len(s.Names.ENFirst), 80)
	atLeast("en last names", len(s.Names.ENLast), 60)
	if len(s.Teams) != 2 || len(s.Agents) != 6 {
		t.Errorf("want 2 teams and 6 agents, have %d and %d", len(s.Teams), len(s.Agents))
	}
	atLeast("tiers", len(s.Tiers), 4)
	atLeast("reviews", len(s.Reviews), 60)

	perSituation := map[string]int{}
	for _, m := range s.Messages {
		if m.Role == "customer" {
			perSituation[m.Situation+"/"+m.Lang]++
		}
	}
	atLeast("situations", len(s.Situations), 12)
	for _, st := range s.Situations {
		for _, lang := range []string{"zh", "en"} {
			atLeast("customer messages for "+st.Key+" in "+lang, perSituation[st.Key+"/"+lang], 40)
		}
	}

	cities := 0
	for _, p := range s.Provinces {
		cities += len(p.Cities)
	}
	variants := 0
	for _, p := range s.Products {
		variants += len(p.Variants)
	}
	t.Logf("categories=%d brands=%d products=%d variants=%d size_charts=%d topics=%d articles=%d "+
		"carriers=%d logistics_templates=%d provinces=%d cities=%d zh_surnames=%d zh_given=%d "+
		"en_first=%d en_last=%d teams=%d agents=%d tiers=%d reviews=%d situations=%d messages=%d "+
		"min_customer_messages_per_situation_and_language=%d",
		len(s.Categories), len(s.Brands), len(s.Products), variants, len(s.SizeCharts), len(topics),
		len(s.Articles), len(s.Carriers), len(s.LogisticsEvents), len(s.Provinces), cities,
		len(s.Names.ZHSurnames), len(s.Names.ZHGiven), len(s.Names.ENFirst), len(s.Names.ENLast),
		len(s.Teams), len(s.Agents), len(s.Tiers), len(s.Reviews), len(s.Situations), len(s.Messages),
		minValue(perSituation))

	codes := map[string]bool{}
	for _, e := range s.LogisticsEvents {
		codes[e.Code] = true
	}
	for _, want := range []string{"picked_up", "departed_hub", "arrived_hub", "out_for_delivery", "delivered", "signed_by_proxy", "exception_address", "exception_weather", "returned_to_sender"} {
		if !codes[want] {
			t.Errorf("no logistics template for %s", want)
		}
	}
}

func minValue(m map[string]int) int {
	first, low := true, 0
	for _, v := range m {
		if first || v < low {
			first, low = false, v
		}
	}
	return low
}

func TestSKUsAreUnique(t *testing.T) {
	seen := map[string]string{}
	for _, p := range Products() {
		for _, sku := range append([]string{p.SKU}, variantSKUs(p)...) {
			if other, dup := seen[sku]; dup {
				t.Errorf("SKU %s used by %s and %s", sku, other, p.SKU)
			}
			seen[sku] = p.SKU
		}
	}
}

func variantSKUs(p Product) []string {
	var out []string
	for _, v := range p.Variants {
		out = append(out, v.SKU)
	}
	return out
}

func TestProductsAreBilingualAndComplete(t *testing.T) {
	cats := map[string]Category{}
	for _, c := range Categories() {
		cats[c.Slug] = c
	}
	charts := map[string]bool{}
	for _, c := range SizeCharts() {
		charts[c.Key] = true
	}
	brands := map[string]bool{}
	for _, b := range Brands() {
		brands[b.Slug] = true
	}
	labels := AttributeLabels()
	for _, p := range Products() {
		for field, text := range map[string]string{"title_zh": p.TitleZH, "description_zh": p.DescriptionZH} {
			if !hasHan(text) {
				t.Errorf("%s %s is not Chinese: %q", p.SKU, field, text)
			}
		}
		for field, text := range map[string]string{"title_en": p.TitleEN, "description_en": p.DescriptionEN} {
			if strings.TrimSpace(text) == "" || hasHan(text) {
				t.Errorf("%s %s is not English: %q", p.SKU, field, text)
			}
		}
		if len([]rune(p.DescriptionZH)) < 30 || len(strings.Fields(p.DescriptionEN)) < 15 {
			t.Errorf("%s: descriptions too thin to be useful (%d zh runes, %d en words)",
				p.SKU, len([]rune(p.DescriptionZH)), len(strings.Fields(p.DescriptionEN)))
		}
		if _, ok := cats[p.Category]; !ok {
			t.Errorf("%s: unknown category %q", p.SKU, p.Category)
		}
		if !brands[p.Brand] {
			t.Errorf("%s: unknown brand %q", p.SKU, p.Brand)
		}
		if p.SizeChart != "" && !charts[p.SizeChart] {
			t.Errorf("%s: unknown size chart %q", p.SKU, p.SizeChart)
		}
		if len(p.Attributes) < 3 {
			t.Errorf("%s: only %d attributes", p.SKU, len(p.Attributes))
		}
		for k := range p.Attributes {
			if _, ok := labels[k]; !ok {
				t.Errorf("%s: attribute %q has no label", p.SKU, k)
			}
		}
		// Apparel and shoes are bought by size, so they need sizes and a chart to pick from.
		if p.Category == "apparel" || p.Category == "shoes" {
			if len(p.Variants) < 2 || p.Variants[0].Size == "" || p.SizeChart == "" {
				t.Errorf("%s: apparel and shoes need size variants and a size chart", p.SKU)
			}
		}
	}
}

func TestCategoryReferencesExist(t *testing.T) {
	cats := map[string]bool{}
	for _, c := range Categories() {
		cats[c.Slug] = true
	}
	for _, b := range Brands() {
		for _, c := range b.Categories {
			if !cats[c] {
				t.Errorf("brand %s: unknown category %q", b.Slug, c)
			}
		}
	}
	for _, a := range Agents() {
		for _, c := range a.Categories {
			if !cats[c] {
				t.Errorf("agent %s: unknown category %q", a.Key, c)
			}
		}
	}
	for _, r := range Reviews() {
		if r.Category != "" && !cats[r.Category] {
			t.Errorf("review %q: unknown category %q", r.TextEN, r.Category)
		}
	}
	for _, a := range Articles() {
		if !slices.Contains(ArticleCategories, a.Category) {
			t.Errorf("article %s: unknown category %q", a.Key, a.Category)
		}
	}
}

func TestEveryArticleHasBothLanguages(t *testing.T) {
	langs := map[string][]string{}
	for _, a := range Articles() {
		langs[a.TranslationKey] = append(langs[a.TranslationKey], a.Lang)
		if len(a.Questions) < 4 {
			t.Errorf("%s: %d question variants, want ≥ 4", a.Key, len(a.Questions))
		}
		for _, q := range a.Questions {
			if (a.Lang == "zh") != hasHan(q) {
				t.Errorf("%s: question %q is not in %s", a.Key, q, a.Lang)
			}
		}
		if (a.Lang == "zh") != hasHan(a.Answer) {
			t.Errorf("%s: answer is not in %s", a.Key, a.Lang)
		}
		minLen := 120 // runes for zh
		if a.Lang == "en" {
			minLen = 300 // bytes of English, roughly 50 words
		}
		if n := len([]rune(a.Answer)); a.Lang == "zh" && n < minLen || a.Lang == "en" && len(a.Answer) < minLen {
			t.Errorf("%s: answer too short to be specific (%d)", a.Key, n)
		}
	}
	for k, ls := range langs {
		slices.Sort(ls)
		if !slices.Equal(ls, []string{"en", "zh"}) {
			t.Errorf("topic %s has languages %v, want exactly en and zh", k, ls)
		}
	}
}

func TestPlaceholdersAreFromTheAllowedSets(t *testing.T) {
	check := func(where, text string, allowed []string) {
		t.Helper()
		for _, p := range Placeholders(text) {
			if !slices.Contains(allowed, p) {
				t.Errorf("%s: placeholder %s not allowed (allowed: %v)", where, p, allowed)
			}
		}
	}
	for _, a := range Articles() {
		check(a.Key, a.Answer, ArticlePlaceholders)
		check(a.Key+" title", a.Title, nil)
		for _, q := range a.Questions {
			check(a.Key+" question", q, nil)
		}
	}
	for _, e := range LogisticsEvents() {
		check("logistics "+e.Code, e.TextZH, LogisticsPlaceholders)
		check("logistics "+e.Code, e.TextEN, LogisticsPlaceholders)
	}
	for _, m := range Conversations() {
		check("message "+m.Situation, m.Text, MessagePlaceholders)
	}
}

func TestPlaceholdersFindsSlots(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"no slots", nil},
		{"订单 {order.number} 已发货", []string{"{order.number}"}},
		{"{customer.name}, {shop.name}", []string{"{customer.name}", "{shop.name}"}},
		{"{a b} is not a slot", nil},
	} {
		if got := Placeholders(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Placeholders(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// The numbers customers are told must match the tiers the code uses (policy.md).
func TestTierPolicyMatchesArticles(t *testing.T) {
	want := map[string]int{"regular": 7, "silver": 7, "gold": 15, "vip": 30}
	for _, tier := range Tiers() {
		if want[tier.Key] != tier.ReturnDays {
			t.Errorf("tier %s: return window %d days, policy.md says %d", tier.Key, tier.ReturnDays, want[tier.Key])
		}
		if tier.PriceProtectionDays != 15 || tier.WarrantyDays != 365 {
			t.Errorf("tier %s: price protection %d and warranty %d days, policy.md says 15 and 365",
				tier.Key, tier.PriceProtectionDays, tier.WarrantyDays)
		}
	}
	answers := map[string]string{}
	for _, a := range Articles() {
		answers[a.Key] = a.Answer
	}
	for key, phrase := range map[string]string{
		"price-protection.zh": "15天价格保护", "price-protection.en": "15-day price protection",
		"warranty-policy.zh": "整机免费保修", "warranty-policy.en": "Within 1 year",
		"quality-exchange.zh": "换新（签收后15天内）", "quality-exchange.en": "exchange within 15 days",
	} {
		if !strings.Contains(answers[key], phrase) {
			t.Errorf("article %s does not state %q (policy.md)", key, phrase)
		}
	}
	var zh, en string
	for _, a := range Articles() {
		if a.TranslationKey == "return-window-by-tier" {
			if a.Lang == "zh" {
				zh = a.Answer
			} else {
				en = a.Answer
			}
		}
	}
	for _, s := range []string{"7 天", "15 天", "30 天"} {
		if !strings.Contains(zh, s) {
			t.Errorf("zh return-window article does not mention %q", s)
		}
	}
	for _, s := range []string{"7 days", "15 days", "30 days"} {
		if !strings.Contains(en, s) {
			t.Errorf("en return-window article does not mention %q", s)
		}
	}
}

func TestCarrierNumbersFollowTheirFormat(t *testing.T) {
	for _, c := range Carriers() {
		re := regexp.MustCompile(c.Pattern)
		number := c.Prefix + strings.Repeat("7", c.Digits)
		if !re.MatchString(number) {
			t.Errorf("%s: a number built from prefix and digits (%s) does not match %s", c.Code, number, c.Pattern)
		}
		if !re.MatchString(c.Example) {
			t.Errorf("%s: example %s does not match %s", c.Code, c.Example, c.Pattern)
		}
	}
}

func TestReturnableWithoutReason(t *testing.T) {
	apparel := Category{Slug: "apparel", NoReasonReturn: true}
	food := Category{Slug: "food", NoReasonReturn: false}
	for _, tc := range []struct {
		name string
		p    Product
		c    Category
		want bool
	}{
		{"plain apparel", Product{Tags: []string{"cotton"}}, apparel, true},
		{"personalised apparel", Product{Tags: []string{"personalised"}}, apparel, false},
		{"hygiene item", Product{Tags: []string{"hygiene"}}, apparel, false},
		{"perishable item", Product{Tags: []string{"perishable"}}, apparel, false},
		{"food category", Product{Tags: []string{"snack"}}, food, false},
	} {
		if got := ReturnableWithoutReason(tc.p, tc.c); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// Every category's flag must be used by at least one real product, in both directions.
	cats := map[string]Category{}
	for _, c := range Categories() {
		cats[c.Slug] = c
	}
	var yes, no int
	for _, p := range Products() {
		if ReturnableWithoutReason(p, cats[p.Category]) {
			yes++
		} else {
			no++
		}
	}
	if yes == 0 || no == 0 {
		t.Errorf("returnable %d, not returnable %d: both kinds should exist in the demo", yes, no)
	}
}

func TestAccessorsReturnIndependentCopies(t *testing.T) {
	a := Products()
	a[0].Attributes["material"] = "changed"
	a[0].Tags[0] = "changed"
	if len(a[0].Variants) > 0 {
		a[0].Variants[0].Stock = -1
	}
	b := Products()
	if b[0].Attributes["material"] == "changed" || b[0].Tags[0] == "changed" ||
		(len(b[0].Variants) > 0 && b[0].Variants[0].Stock == -1) {
		t.Fatal("modifying a returned product changed the package's data")
	}
	p := Places()
	p[0].Cities[0].Districts[0].ZH = "changed"
	if Places()[0].Cities[0].Districts[0].ZH == "changed" {
		t.Fatal("modifying returned places changed the package's data")
	}
}

func TestOrderIsStable(t *testing.T) {
	if !reflect.DeepEqual(Products(), Products()) || !reflect.DeepEqual(Articles(), Articles()) ||
		!reflect.DeepEqual(Conversations(), Conversations()) {
		t.Fatal("two calls returned different content")
	}
	s1, err1 := Load()
	s2, err2 := Load()
	if err1 != nil || err2 != nil || !reflect.DeepEqual(s1, s2) {
		t.Fatal("two loads differ")
	}
}

// embeddedMapFS copies the embedded data files into a MapFS that tests may modify.
func embeddedMapFS(t *testing.T) fstest.MapFS {
	t.Helper()
	sub, err := fs.Sub(dataFS, "data")
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// withFile returns the embedded data with one file's JSON replaced by edit's result.
func withFile(t *testing.T, name string, edit func(v any) any) fstest.MapFS {
	t.Helper()
	m := embeddedMapFS(t)
	var v any
	if err := json.Unmarshal(m[name].Data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(edit(v))
	if err != nil {
		t.Fatal(err)
	}
	m[name] = &fstest.MapFile{Data: b}
	return m
}

func first(v any) map[string]any { return v.([]any)[0].(map[string]any) }

func TestLoadFSRejectsBrokenContent(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
		edit             func(v any) any
	}{
		{"duplicate SKU", "products_apparel.json", "unique", func(v any) any {
			l := v.([]any)
			l[1].(map[string]any)["sku"] = l[0].(map[string]any)["sku"]
			return l
		}},
		{"missing English title", "products_shoes.json", "title_en", func(v any) any {
			first(v)["title_en"] = " "
			return v
		}},
		{"Chinese text in the English description", "products_digital.json", "description_en", func(v any) any {
			first(v)["description_en"] = "中文描述"
			return v
		}},
		{"unknown category", "products_food.json", "category", func(v any) any {
			first(v)["category"] = "spaceships"
			return v
		}},
		{"unknown brand", "products_home.json", "brand", func(v any) any {
			first(v)["brand"] = "nobody"
			return v
		}},
		{"unknown size chart", "products_apparel.json", "size_chart", func(v any) any {
			first(v)["size_chart"] = "no-such-chart"
			return v
		}},
		{"stock not the sum of variants", "products_apparel.json", "stock", func(v any) any {
			first(v)["stock"] = 1e6
			return v
		}},
		{"placeholder outside the allowed set", "articles_shipping.json", "placeholder", func(v any) any {
			first(v)["answer"] = first(v)["answer"].(string) + " {order.secret}"
			return v
		}},
		{"article without its translation", "articles_refunds.json", "both a zh and an en", func(v any) any {
			return v.([]any)[1:]
		}},
		{"too few question variants", "articles_invoices.json", "question variants", func(v any) any {
			first(v)["questions"] = []any{"只有一个问题"}
			return v
		}},
		{"agent email outside kefu.demo", "teams.json", "email", func(v any) any {
			v.(map[string]any)["agents"].([]any)[0].(map[string]any)["email"] = "someone@gmail.com"
			return v
		}},
		{"message for unknown situation", "conversations.json", "situation", func(v any) any {
			v.(map[string]any)["messages"].([]any)[0].(map[string]any)["situation"] = "nope"
			return v
		}},
		{"duplicate message template", "conversations.json", "duplicate message", func(v any) any {
			msgs := v.(map[string]any)["messages"].([]any)
			v.(map[string]any)["messages"] = append(msgs, msgs[0])
			return v
		}},
		{"province with too few cities", "places.json", "at least 3", func(v any) any {
			for _, p := range v.([]any) {
				if p.(map[string]any)["kind"] == "province" {
					p.(map[string]any)["cities"] = p.(map[string]any)["cities"].([]any)[:1]
					break
				}
			}
			return v
		}},
		{"Chinese in a variant size", "products_shoes.json", "language-neutral", func(v any) any {
			first(v)["variants"].([]any)[0].(map[string]any)["size"] = "大码"
			return v
		}},
		{"carrier example not matching", "carriers.json", "example", func(v any) any {
			first(v)["example"] = "XX1"
			return v
		}},
		{"unknown field", "categories.json", "unknown field", func(v any) any {
			first(v)["colour"] = "red"
			return v
		}},
		{"not JSON at all", "brands.json", "cannot parse", func(v any) any {
			return "just a string"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFS(withFile(t, tc.file, tc.edit))
			if err == nil {
				t.Fatal("broken content loaded without error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error does not mention %q:\n%v", tc.want, err)
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != "invalid_field" {
				t.Fatalf("want an apperr invalid_field error, got %T %v", err, err)
			}
		})
	}
}

func TestLoadFSReportsMissingFiles(t *testing.T) {
	_, err := LoadFS(fstest.MapFS{})
	if err == nil || !strings.Contains(err.Error(), "categories.json") {
		t.Fatalf("want an error naming the missing file, got %v", err)
	}
}

// Hostile strings as whole files, or as product titles, must give errors, never panics.
func TestLoadFSSurvivesHostileInput(t *testing.T) {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(dir, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (set KEFU_EVAL_DATA): %v", err)
	}
	defer f.Close()
	base := embeddedMapFS(t)
	full := mustLoad(t)
	// A small set keeps validation of each hostile title cheap: the reference tables and
	// one product. Errors about the reduced set as a whole are ignored below.
	small := &Set{Categories: full.Categories, Brands: full.Brands, AttributeLabels: full.AttributeLabels,
		SizeCharts: full.SizeCharts}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		// categories.json and brands.json are read first, products_apparel.json right after the
		// small reference files, so these cases stay fast.
		for _, name := range []string{"categories.json", "brands.json", "products_apparel.json"} {
			m := maps.Clone(base)
			m[name] = &fstest.MapFile{Data: []byte(line)}
			if _, err := LoadFS(m); err == nil {
				t.Errorf("line %d as the whole of %s loaded without error", n, name)
			}
		}
		p := full.Products[0].clone()
		p.TitleEN = line
		small.Products = []Product{p}
		var v validator
		validate(small, &v)
		titleErr := false
		for _, e := range v.errs {
			titleErr = titleErr || strings.Contains(e.Error(), ".title_en")
		}
		if want := hasHan(line) || strings.TrimSpace(line) == ""; titleErr != want {
			t.Errorf("line %d %q as an English title: title error %v, want %v", n, line, titleErr, want)
		}
	}
	if n == 0 {
		t.Skip("hostile file is empty")
	}
	t.Logf("hostile lines tried: %d", n)
}

func TestLookups(t *testing.T) {
	p := Products()[3]
	if got, ok := ProductBySKU(p.SKU); !ok || got.SKU != p.SKU {
		t.Errorf("ProductBySKU(%s) = %v, %v", p.SKU, got.SKU, ok)
	}
	if len(p.Variants) > 0 {
		if got, ok := ProductBySKU(p.Variants[0].SKU); !ok || got.SKU != p.SKU {
			t.Errorf("ProductBySKU(variant %s) = %v, %v", p.Variants[0].SKU, got.SKU, ok)
		}
	}
	if _, ok := ProductBySKU("KF-XXX-999"); ok {
		t.Error("unknown SKU found")
	}
	if c, ok := CategoryBySlug(p.Category); !ok || c.Slug != p.Category {
		t.Errorf("CategoryBySlug(%s) = %v, %v", p.Category, c, ok)
	}
	if _, ok := CategoryBySlug(""); ok {
		t.Error("empty slug found")
	}
}

// Situations carry the NLU intent the demo stores on synthetic messages and the ticket
// classifier reads, so every one must be a label the shipped NLU model knows.
func TestSituationIntentsAreNLULabels(t *testing.T) {
	f, err := defaults.FS.Open("intent_train.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	for _, r := range rows[1:] {
		if len(r) >= 2 {
			labels[r[1]] = true
		}
	}
	for _, s := range Situations() {
		if !labels[s.Intent] {
			t.Errorf("situation %s: intent %q is not an NLU label", s.Key, s.Intent)
		}
	}
}
