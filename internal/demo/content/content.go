// Package content is the raw material of kefu's bilingual demo store: categories, products,
// brands, knowledge articles, carriers, logistics event templates, places, person names,
// teams and agents, review snippets and customer-message templates.
//
// Everything is written by the kefu authors (invented brands and products, no copied text),
// embedded as JSON under data/, parsed once and validated. The JSON files are the source:
// edit them directly and run the package tests, which check integrity (references, SKUs,
// both languages, placeholders) and the minimum amounts the demo generator relies on.
// The demo generator turns this material into a store deterministically, so every accessor
// returns its items in a stable order (the order of the data files) and returns copies the
// caller may modify freely.
//
// The numbers quoted by articles and templates (return windows, refund times, …) are
// written down once in policy.md; Tiers() exposes the ones code needs.
package content

import (
	"embed"
	"io/fs"
	"sync"
)

//go:embed data/*.json
var dataFS embed.FS

// Name is a bilingual label.
type Name struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// Category is a top-level product category. NoReasonReturn is false where hygiene or
// perishability rules out 7-day no-reason returns (food, underwear…).
type Category struct {
	Slug           string `json:"slug"`
	Code           string `json:"code"` // three letters used in SKUs, e.g. APP
	NameZH         string `json:"name_zh"`
	NameEN         string `json:"name_en"`
	NoReasonReturn bool   `json:"no_reason_return"`
	Warranty       bool   `json:"warranty"` // 1-year warranty applies (electronics, appliances)
}

// Brand is an invented brand (no real trademarks).
type Brand struct {
	Slug       string   `json:"slug"`
	NameZH     string   `json:"name_zh"`
	NameEN     string   `json:"name_en"`
	TaglineZH  string   `json:"tagline_zh"`
	TaglineEN  string   `json:"tagline_en"`
	Categories []string `json:"categories"`
}

// Product is one catalogue item. Attributes holds language-neutral or English values,
// AttributesZH the same keys with Chinese values; AttributeLabels() names the keys.
type Product struct {
	SKU           string            `json:"sku"`
	Category      string            `json:"category"`
	Brand         string            `json:"brand"`
	TitleZH       string            `json:"title_zh"`
	TitleEN       string            `json:"title_en"`
	DescriptionZH string            `json:"description_zh"`
	DescriptionEN string            `json:"description_en"`
	Attributes    map[string]string `json:"attributes"`
	AttributesZH  map[string]string `json:"attributes_zh"`
	Variants      []Variant         `json:"variants,omitempty"`
	Price         float64           `json:"price"` // CNY, before variant price delta
	Stock         int               `json:"stock"` // sum of variant stock when there are variants
	Tags          []string          `json:"tags"`
	SizeChart     string            `json:"size_chart,omitempty"` // key into SizeCharts()
}

// Variant is a colour/size (or capacity) option of a product.
type Variant struct {
	SKU        string  `json:"sku"`
	ColorZH    string  `json:"color_zh,omitempty"`
	ColorEN    string  `json:"color_en,omitempty"`
	Size       string  `json:"size,omitempty"`
	Stock      int     `json:"stock"`
	PriceDelta float64 `json:"price_delta"`
}

// SizeChart is a bilingual size table; Rows line up with Columns.
type SizeChart struct {
	Key     string     `json:"key"`
	TitleZH string     `json:"title_zh"`
	TitleEN string     `json:"title_en"`
	Columns []Name     `json:"columns"`
	Rows    [][]string `json:"rows"`
	NoteZH  string     `json:"note_zh"`
	NoteEN  string     `json:"note_en"`
}

// Article is one knowledge-base article in one language. The zh and en versions of a topic
// share Key's TranslationKey; Key itself is unique (TranslationKey + "." + Lang).
type Article struct {
	Key            string   `json:"key"`
	Category       string   `json:"category"` // one of ArticleCategories
	Lang           string   `json:"lang"`     // zh | en
	Title          string   `json:"title"`
	Questions      []string `json:"questions"` // ways customers ask, in Lang
	Answer         string   `json:"answer"`    // Markdown; placeholders from ArticlePlaceholders
	Tags           []string `json:"tags"`
	TranslationKey string   `json:"translation_key"`
}

// ArticleCategories lists the allowed Article.Category values.
var ArticleCategories = []string{
	"shipping", "returns", "refunds", "exchanges", "invoices", "payments",
	"warranty", "coupons", "accounts", "sizing", "orders", "after_sales",
}

// ArticlePlaceholders are the only {placeholders} an article answer may use.
var ArticlePlaceholders = []string{"{order.number}", "{customer.name}", "{shop.name}"}

// Carrier is a courier company and the shape of its tracking numbers.
type Carrier struct {
	Code     string `json:"code"` // SF, ZTO, YTO, JD, EMS, YUNDA, STO
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	Prefix   string `json:"prefix"` // literal start of every tracking number (may be empty)
	Digits   int    `json:"digits"` // number of random digits after Prefix
	Pattern  string `json:"pattern"`
	Example  string `json:"example"`
	Hotline  string `json:"hotline"`
	Redirect bool   `json:"redirect"` // usually able to redirect a parcel in transit
	Share    int    `json:"share"`    // relative weight when the warehouse picks a carrier
}

// LogisticsEvent is a bilingual template for one tracking status. Slots come from
// LogisticsPlaceholders; Stage orders events (1 picked up … 5 delivered, 9 exception).
type LogisticsEvent struct {
	Code      string `json:"code"`
	Stage     int    `json:"stage"`
	Exception bool   `json:"exception"`
	Terminal  bool   `json:"terminal"`
	TextZH    string `json:"text_zh"`
	TextEN    string `json:"text_en"`
}

// LogisticsPlaceholders are the slots a logistics template may use.
var LogisticsPlaceholders = []string{
	"{carrier}", "{city}", "{hub}", "{next_city}", "{courier}", "{phone}", "{station}", "{signer}",
}

// Province is a province-level division with some of its cities.
type Province struct {
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Kind   string `json:"kind"`   // province | municipality | autonomous_region | sar
	Region string `json:"region"` // east, north, south, central, northeast, southwest, northwest
	Remote bool   `json:"remote"` // remote-area shipping surcharge applies
	Cities []City `json:"cities"`
}

// City is a city with a few of its districts and streets.
type City struct {
	NameZH    string `json:"name_zh"`
	NameEN    string `json:"name_en"`
	Districts []Name `json:"districts"`
	Streets   []Name `json:"streets"`
}

// Team is a group of agents.
type Team struct {
	Key           string `json:"key"`
	NameZH        string `json:"name_zh"`
	NameEN        string `json:"name_en"`
	DescriptionZH string `json:"description_zh"`
	DescriptionEN string `json:"description_en"`
}

// Agent is a demo helpdesk agent.
type Agent struct {
	Key        string   `json:"key"`
	NameZH     string   `json:"name_zh"`
	NameEN     string   `json:"name_en"`
	Email      string   `json:"email"`
	Team       string   `json:"team"`
	Role       string   `json:"role"`       // agent | supervisor
	Languages  []string `json:"languages"`  // zh, en
	Categories []string `json:"categories"` // product category slugs they know best
	Skills     []string `json:"skills"`     // article categories / situations they handle
	Tiers      []string `json:"tiers"`      // customer tiers they serve
	MaxChats   int      `json:"max_chats"`
}

// Tier is a customer tier with the policy numbers code needs (see policy.md).
type Tier struct {
	Key              string `json:"key"`
	NameZH           string `json:"name_zh"`
	NameEN           string `json:"name_en"`
	MinSpend12M      int    `json:"min_spend_12m"`      // CNY paid in the last 12 months
	ReturnDays       int    `json:"return_days"`        // no-reason return window
	FreeReturnPickup string `json:"free_return_pickup"` // none | monthly (one per month) | always
	FreeShipping     bool   `json:"free_shipping"`
	ReviewHours      int    `json:"review_hours"` // after-sales request review time
	Share            int    `json:"share"`        // rough share of demo customers, percent
	// Quality problems: return and exchange windows (the longer of 7/15 days and the tier's
	// no-reason window), warranty on electronics and appliances, and price protection.
	QualityReturnDays   int `json:"quality_return_days"`
	QualityExchangeDays int `json:"quality_exchange_days"`
	WarrantyDays        int `json:"warranty_days"`
	PriceProtectionDays int `json:"price_protection_days"`
}

// Review is a short product review snippet. Category is a category slug, or "" when it fits
// any product.
type Review struct {
	Sentiment string `json:"sentiment"` // positive | neutral | negative
	Rating    int    `json:"rating"`    // 1–5
	Category  string `json:"category"`
	TextZH    string `json:"text_zh"`
	TextEN    string `json:"text_en"`
}

// Situation is a common customer-service situation with the NLU intent it maps to.
type Situation struct {
	Key    string `json:"key"`
	Intent string `json:"intent"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// Message is a customer (or agent) message template for synthetic conversations. Slots
// come from MessagePlaceholders.
type Message struct {
	Situation string `json:"situation"`
	Lang      string `json:"lang"`    // zh | en
	Role      string `json:"role"`    // customer | agent
	Stage     string `json:"stage"`   // opening | followup | closing
	Emotion   string `json:"emotion"` // neutral | anxious | angry | happy
	Text      string `json:"text"`
}

// MessagePlaceholders are the slots a message template may use.
var MessagePlaceholders = []string{
	"{order}", "{product}", "{tracking}", "{carrier}", "{city}", "{size}", "{color}",
	"{amount}", "{days}", "{date}", "{name}", "{agent}", "{coupon}",
}

// Names holds the raw material for person names. Pinyin maps every Chinese surname and given
// name to its pinyin (used for usernames and e-mail addresses).
type Names struct {
	ZHSurnames   []string          `json:"zh_surnames"` // roughly by frequency, most common first
	ZHGiven      []string          `json:"zh_given"`
	ENFirst      []string          `json:"en_first"`
	ENLast       []string          `json:"en_last"`
	Pinyin       map[string]string `json:"pinyin"`
	MobilePrefix []string          `json:"mobile_prefix"` // 3-digit mainland mobile prefixes
	EmailDomains []string          `json:"email_domains"` // reserved/demo domains only
	ENShare      int               `json:"en_share"`      // percent of customers with English names
}

// Set is one parsed and validated copy of all content.
type Set struct {
	Categories      []Category
	Brands          []Brand
	Products        []Product
	SizeCharts      []SizeChart
	AttributeLabels map[string]Name
	Articles        []Article
	Carriers        []Carrier
	LogisticsEvents []LogisticsEvent
	Provinces       []Province
	Names           Names
	Teams           []Team
	Agents          []Agent
	Tiers           []Tier
	Reviews         []Review
	Situations      []Situation
	Messages        []Message
}

// Load parses and validates the embedded content.
func Load() (*Set, error) {
	sub, err := fs.Sub(dataFS, "data")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub)
}

var loadDefault = sync.OnceValues(Load)

// mustDefault returns the embedded set. The embedded files are checked by the package tests,
// so a failure here is a build defect, not bad input; it panics like regexp.MustCompile.
// Callers that prefer an error use Load.
func mustDefault() *Set {
	s, err := loadDefault()
	if err != nil {
		panic("content: embedded demo content is invalid: " + err.Error())
	}
	return s
}

// Categories returns the product categories in catalogue order.
func Categories() []Category { return clone(mustDefault().Categories) }

// Brands returns the invented brands.
func Brands() []Brand {
	out := clone(mustDefault().Brands)
	for i := range out {
		out[i].Categories = clone(out[i].Categories)
	}
	return out
}

// Products returns every product, ordered by category then SKU as in the data files.
func Products() []Product {
	src := mustDefault().Products
	out := make([]Product, len(src))
	for i, p := range src {
		out[i] = p.clone()
	}
	return out
}

// SizeCharts returns the bilingual size charts products refer to by key.
func SizeCharts() []SizeChart {
	src := mustDefault().SizeCharts
	out := make([]SizeChart, len(src))
	for i, c := range src {
		c.Columns = clone(c.Columns)
		rows := make([][]string, len(c.Rows))
		for j, r := range c.Rows {
			rows[j] = clone(r)
		}
		c.Rows = rows
		out[i] = c
	}
	return out
}

// AttributeLabels returns the bilingual label of every product attribute key.
func AttributeLabels() map[string]Name {
	out := make(map[string]Name, len(mustDefault().AttributeLabels))
	for k, v := range mustDefault().AttributeLabels {
		out[k] = v
	}
	return out
}

// Articles returns every knowledge article (zh and en versions of each topic next to each other).
func Articles() []Article {
	src := mustDefault().Articles
	out := make([]Article, len(src))
	for i, a := range src {
		a.Questions = clone(a.Questions)
		a.Tags = clone(a.Tags)
		out[i] = a
	}
	return out
}

// Carriers returns the courier companies.
func Carriers() []Carrier { return clone(mustDefault().Carriers) }

// LogisticsEvents returns the tracking-status templates, by stage.
func LogisticsEvents() []LogisticsEvent { return clone(mustDefault().LogisticsEvents) }

// Places returns the provinces with their cities, districts and streets.
func Places() []Province {
	src := mustDefault().Provinces
	out := make([]Province, len(src))
	for i, p := range src {
		cities := make([]City, len(p.Cities))
		for j, c := range p.Cities {
			c.Districts = clone(c.Districts)
			c.Streets = clone(c.Streets)
			cities[j] = c
		}
		p.Cities = cities
		out[i] = p
	}
	return out
}

// PersonNames returns Chinese surnames and given names, English first and last names.
func PersonNames() (zhSurnames, zhGiven, enFirst, enLast []string) {
	n := mustDefault().Names
	return clone(n.ZHSurnames), clone(n.ZHGiven), clone(n.ENFirst), clone(n.ENLast)
}

// NameData returns all name material, including pinyin, phone prefixes and e-mail domains.
func NameData() Names {
	n := mustDefault().Names
	p := make(map[string]string, len(n.Pinyin))
	for k, v := range n.Pinyin {
		p[k] = v
	}
	return Names{
		ZHSurnames: clone(n.ZHSurnames), ZHGiven: clone(n.ZHGiven),
		ENFirst: clone(n.ENFirst), ENLast: clone(n.ENLast), Pinyin: p,
		MobilePrefix: clone(n.MobilePrefix), EmailDomains: clone(n.EmailDomains), ENShare: n.ENShare,
	}
}

// Teams returns the agent teams.
func Teams() []Team { return clone(mustDefault().Teams) }

// Agents returns the demo agents.
func Agents() []Agent {
	out := clone(mustDefault().Agents)
	for i := range out {
		out[i].Languages = clone(out[i].Languages)
		out[i].Categories = clone(out[i].Categories)
		out[i].Skills = clone(out[i].Skills)
		out[i].Tiers = clone(out[i].Tiers)
	}
	return out
}

// Tiers returns the customer tiers, lowest first.
func Tiers() []Tier { return clone(mustDefault().Tiers) }

// Reviews returns the review snippets.
func Reviews() []Review { return clone(mustDefault().Reviews) }

// Situations returns the conversation situations.
func Situations() []Situation { return clone(mustDefault().Situations) }

// Conversations returns the message templates for synthetic conversations.
func Conversations() []Message { return clone(mustDefault().Messages) }

// ProductBySKU finds a product by its SKU or by the SKU of one of its variants.
func ProductBySKU(sku string) (Product, bool) {
	for _, p := range mustDefault().Products {
		if p.SKU == sku {
			return p.clone(), true
		}
		for _, v := range p.Variants {
			if v.SKU == sku {
				return p.clone(), true
			}
		}
	}
	return Product{}, false
}

// CategoryBySlug finds a category by its slug.
func CategoryBySlug(slug string) (Category, bool) {
	for _, c := range mustDefault().Categories {
		if c.Slug == slug {
			return c, true
		}
	}
	return Category{}, false
}

// ReturnableWithoutReason reports whether a product may be returned without a reason:
// its category allows it and it is not personalised, a hygiene item or perishable (see
// policy.md).
func ReturnableWithoutReason(p Product, c Category) bool {
	if !c.NoReasonReturn {
		return false
	}
	for _, t := range p.Tags {
		if t == "personalised" || t == "hygiene" || t == "perishable" {
			return false
		}
	}
	return true
}

func (p Product) clone() Product {
	p.Attributes = cloneMap(p.Attributes)
	p.AttributesZH = cloneMap(p.AttributesZH)
	p.Variants = clone(p.Variants)
	p.Tags = clone(p.Tags)
	return p
}

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
