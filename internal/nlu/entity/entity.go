// Package entity finds the things customers mention in a message — order and tracking
// numbers, phones, emails, money, dates, quantities, sizes, colours, places and products from
// the live catalogue — each with its span and a normalised value. Rules are plain regular
// expressions and word lists over the case- and width-folded text, so they are easy to read
// and extend; product matching uses the catalogue the server supplies at run time.
package entity

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kefu/internal/nlu/textseg"
)

// Entity types.
const (
	OrderNumber    = "order_number"
	TrackingNumber = "tracking_number"
	Phone          = "phone"
	Email          = "email"
	Money          = "money"
	Date           = "date"
	Quantity       = "quantity"
	Size           = "size"
	Color          = "color"
	Location       = "location"
	ProductMention = "product"
)

// Entity is one mention. Start and End are rune offsets into the original text, End
// exclusive, so text[Start:End] in runes is the mention (Text).
type Entity struct {
	Type  string  `json:"type"`
	Text  string  `json:"text"`
	Start int     `json:"start"`
	End   int     `json:"end"`
	Value string  `json:"value"`
	Score float64 `json:"score,omitempty"` // match quality for fuzzy product matches (0..1]
}

// candidate is a match before overlap resolution; higher priority wins on overlap, then
// the longer span.
type candidate struct {
	Entity
	priority int
}

type finder struct {
	text   string // folded text (same rune count as the original, truncated)
	orig   []rune // original runes (truncated)
	runeAt []int  // byte offset → rune index (len(text)+1 entries)
	now    time.Time
	out    []candidate

	hasDigit, hasLatin, hasHan bool
}

// findAll runs re only when the text can match it.
func (f *finder) findAll(re *regexp.Regexp, ok bool) [][]int {
	if !ok {
		return nil
	}
	return re.FindAllStringSubmatchIndex(f.text, -1)
}

// has reports whether the folded text contains any of the literals. Every regular expression
// below needs at least one of a few literals to match; checking for them first skips most of
// the (comparatively slow) regexp work on a typical message, which is on the bot's hot path.
func (f *finder) has(literals ...string) bool {
	for _, l := range literals {
		if strings.Contains(f.text, l) {
			return true
		}
	}
	return false
}

// digitStats returns the number of ASCII digits and the longest run of them.
func digitStats(s string) (total, longest int) {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			total++
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return total, longest
}

func (f *finder) add(typ string, bstart, bend int, value string, priority int) {
	s, e := f.runeAt[bstart], f.runeAt[bend]
	if s >= e {
		return
	}
	f.out = append(f.out, candidate{Entity{Type: typ, Start: s, End: e, Text: string(f.orig[s:e]), Value: value}, priority})
}

// boundaryOK reports whether a match at [s,e) is not glued to other letters or digits
// (Chinese characters around it are fine: "单号KF2026..." is common).
func (f *finder) boundaryOK(s, e int) bool {
	if s > 0 {
		r, _ := utf8.DecodeLastRuneInString(f.text[:s])
		if isAlnum(r) {
			return false
		}
	}
	if e < len(f.text) {
		r, _ := utf8.DecodeRuneInString(f.text[e:])
		if isAlnum(r) {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool { return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

var (
	reOrderKF   = regexp.MustCompile(`kf\d{11,14}`)
	reTracking  = regexp.MustCompile(`(?:sf|yt|jd[a-z]{0,3}|jt|zto|yd|sto|ems|dpk|db)\d{9,16}`)
	reDigits    = regexp.MustCompile(`\d{10,22}`)
	reMobile    = regexp.MustCompile(`(?:(?:\+|00)?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}`)
	reIntl      = regexp.MustCompile(`(?:\+|00)[1-9]\d{0,2}[-\s]?\(?\d{1,4}\)?(?:[-\s]?\d{2,5}){1,4}`)
	reEmail     = regexp.MustCompile(`[a-z0-9._%+\-]{1,64}@[a-z0-9\-]{1,63}(?:\.[a-z0-9\-]{1,63})*\.[a-z]{2,24}`)
	moneyNum    = `(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)`
	reMoneyPre  = regexp.MustCompile(`(¥|￥|rmb|cny|us\$|usd|\$|€|eur|£|gbp)\s?` + moneyNum)
	reMoneyPost = regexp.MustCompile(moneyNum + `\s?(元|块钱|块|rmb|人民币|yuan|dollars?|bucks|usd|美元|美金|euros?|欧元)`)
	reMoneyCN   = regexp.MustCompile(`([零一二两三四五六七八九十百千万]+)\s?(元|块钱|块|美元|美金)`)
	reDateYMD   = regexp.MustCompile(`(\d{4})\s?[-/.年]\s?(\d{1,2})\s?[-/.月]\s?(\d{1,2})\s?[日号]?`)
	reDateMD    = regexp.MustCompile(`(\d{1,2})\s?月\s?(\d{1,2})\s?[日号]`)
	reDateRelZH = regexp.MustCompile(`大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天`)
	reWeekZH    = regexp.MustCompile(`(上上|上|下|这|本)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天1-7])`)
	reAgoZH     = regexp.MustCompile(`(\d{1,3}|[一二两三四五六七八九十半]+)\s?(天|日|周|个星期|星期|个月|月)\s?(前|之前|以前|后|之后|以后)`)
	reRelEN     = regexp.MustCompile(`\b(the day before yesterday|day before yesterday|yesterday|today|tomorrow|tonight)\b`)
	reWeekEN    = regexp.MustCompile(`\b(last|next|this)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|week|month)\b`)
	reAgoEN     = regexp.MustCompile(`\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple|few)\s+(days?|weeks?|months?)\s+(ago|later)\b`)
	reInEN      = regexp.MustCompile(`\bin\s+(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(days?|weeks?)\b`)
	reQtyZH     = regexp.MustCompile(`(\d{1,4}|[一二两三四五六七八九十]+)\s?(件|个|双|条|台|部|只|份|箱|盒|包|瓶|套|张|本|支|袋|把|副)`)
	reQtyEN     = regexp.MustCompile(`\b(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|a couple of)\s+(pcs|pieces?|items?|units?|pairs?|boxes|box|bottles?|packs?)\b`)
	reSizeWord  = regexp.MustCompile(`\b(xxxxl|xxxl|xxl|xl|xs|xxs|[2-6]xl)\b`)
	reSizeMa    = regexp.MustCompile(`(\d{2}(?:\.5)?|xxxl|xxl|xl|xs|[2-6]xl|[sml])\s?(码|号)`)
	reSizeZH    = regexp.MustCompile(`均码|加大码|大码|中码|小码|特大号|加大号|大号|中号|小号`)
	reSizeEN    = regexp.MustCompile(`\bsize\s+(\d{1,2}(?:\.5)?|xxxl|xxl|xl|xs|s|m|l)\b`)
)

// Extract finds the entities in text. now anchors relative dates ("昨天", "3 days ago");
// dates are given as YYYY-MM-DD in now's location. Only the first textseg.MaxRunes runes are
// examined.
func Extract(text string, now time.Time, cat *Catalog) []Entity {
	folded := textseg.FoldRunes(text)
	orig := make([]rune, 0, len(folded))
	for _, r := range text {
		if len(orig) == len(folded) {
			break
		}
		orig = append(orig, r)
	}
	f := &finder{text: string(folded), orig: orig, now: now}
	f.runeAt = make([]int, len(f.text)+1)
	ri := 0
	for bi := range f.text {
		f.runeAt[bi] = ri
		ri++
	}
	// fill the continuation bytes and the end
	last := 0
	for bi := 0; bi <= len(f.text); bi++ {
		if bi == len(f.text) {
			f.runeAt[bi] = ri
			break
		}
		if utf8.RuneStart(f.text[bi]) {
			last = f.runeAt[bi]
		} else {
			f.runeAt[bi] = last
		}
	}
	// cheap gates: most messages have no digits or no Latin letters, and skipping the
	// regular expressions that cannot match keeps extraction fast
	f.hasDigit = strings.ContainsAny(f.text, "0123456789")
	f.hasLatin = strings.ContainsFunc(f.text, func(r rune) bool { return r >= 'a' && r <= 'z' })
	f.hasHan = strings.ContainsFunc(f.text, textseg.IsHan)
	if f.hasDigit {
		f.ids()
	}
	if strings.IndexByte(f.text, '@') >= 0 {
		f.emails()
	}
	f.money()
	f.dates()
	f.quantities()
	f.sizes()
	f.words(colorWords, Color, 3)
	f.words(locationWords, Location, 3)
	if cat != nil {
		cat.match(f)
	}
	return resolve(f.out)
}

// resolve drops overlapping candidates, keeping the higher priority, then the longer one.
func resolve(cs []candidate) []Entity {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].priority != cs[j].priority {
			return cs[i].priority > cs[j].priority
		}
		return cs[i].End-cs[i].Start > cs[j].End-cs[j].Start
	})
	var kept []candidate
	for _, c := range cs {
		clash := false
		for _, k := range kept {
			if c.Start < k.End && k.Start < c.End {
				clash = true
				break
			}
		}
		if !clash {
			kept = append(kept, c)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	out := make([]Entity, len(kept))
	for i, k := range kept {
		out[i] = k.Entity
	}
	return out
}

// contextBefore returns up to n runes of folded text before byte offset b.
func (f *finder) contextBefore(b, n int) string {
	s := b
	for i := 0; i < n && s > 0; i++ {
		_, size := utf8.DecodeLastRuneInString(f.text[:s])
		s -= size
	}
	return f.text[s:b]
}

func (f *finder) ids() {
	nDigits, longestRun := digitStats(f.text)
	if nDigits < 9 { // the shortest id below (tracking numbers) has nine digits
		return
	}
	for _, m := range f.findAll(reOrderKF, f.has("kf")) {
		if f.boundaryOK(m[0], m[1]) {
			f.add(OrderNumber, m[0], m[1], strings.ToUpper(f.text[m[0]:m[1]]), 10)
		}
	}
	for _, m := range f.findAll(reTracking, f.hasLatin) {
		if f.boundaryOK(m[0], m[1]) {
			f.add(TrackingNumber, m[0], m[1], strings.ToUpper(f.text[m[0]:m[1]]), 10)
		}
	}
	for _, m := range f.findAll(reMobile, nDigits >= 11) {
		if !f.boundaryOK(m[0], m[1]) {
			continue
		}
		d := digitsOnly(f.text[m[0]:m[1]])
		d = d[len(d)-11:]
		f.add(Phone, m[0], m[1], "+86"+d, 9)
	}
	for _, m := range f.findAll(reIntl, f.has("+", "00")) {
		if !f.boundaryOK(m[0], m[1]) {
			continue
		}
		d := digitsOnly(f.text[m[0]:m[1]])
		if strings.HasPrefix(f.text[m[0]:m[1]], "00") {
			d = strings.TrimPrefix(d, "00")
		}
		if n := len(d); n >= 8 && n <= 15 {
			f.add(Phone, m[0], m[1], "+"+d, 8)
		}
	}
	for _, m := range f.findAll(reDigits, longestRun >= 10) {
		if !f.boundaryOK(m[0], m[1]) {
			continue
		}
		d := f.text[m[0]:m[1]]
		ctx := f.contextBefore(m[0], 10)
		switch {
		case strings.Contains(ctx, "订单") || strings.Contains(ctx, "order"):
			f.add(OrderNumber, m[0], m[1], d, 7)
		case strings.Contains(ctx, "快递") || strings.Contains(ctx, "物流") || strings.Contains(ctx, "运单") ||
			strings.Contains(ctx, "tracking") || strings.Contains(ctx, "waybill"):
			f.add(TrackingNumber, m[0], m[1], d, 7)
		case len(d) >= 12 && len(d) <= 15:
			f.add(TrackingNumber, m[0], m[1], d, 6)
		default:
			f.add(OrderNumber, m[0], m[1], d, 6)
		}
	}
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (f *finder) emails() {
	for _, m := range reEmail.FindAllStringIndex(f.text, -1) {
		f.add(Email, m[0], m[1], f.text[m[0]:m[1]], 11)
	}
}

var currencyOf = map[string]string{"¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY", "元": "CNY", "块钱": "CNY", "块": "CNY",
	"人民币": "CNY", "yuan": "CNY", "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
	"美元": "USD", "美金": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR", "£": "GBP", "gbp": "GBP"}

func moneyValue(num, cur string) string {
	v, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
	if err != nil {
		return ""
	}
	c := currencyOf[cur]
	if c == "" {
		c = "CNY"
	}
	return c + " " + strconv.FormatFloat(v, 'f', 2, 64)
}

func (f *finder) money() {
	for _, m := range f.findAll(reMoneyPre, f.hasDigit && f.has("¥", "￥", "rmb", "cny", "usd", "$", "€", "eur", "£", "gbp")) {
		if v := moneyValue(f.text[m[4]:m[5]], f.text[m[2]:m[3]]); v != "" && (m[5] == len(f.text) || f.boundaryOK(m[4], m[5])) {
			f.add(Money, m[0], m[1], v, 9)
		}
	}
	for _, m := range f.findAll(reMoneyPost, f.hasDigit && f.has("元", "块", "rmb", "人民币", "yuan", "dollar", "bucks", "usd", "美", "euro", "欧元")) {
		if m[0] > 0 && isAlnum(rune(f.text[m[0]-1])) {
			continue
		}
		if v := moneyValue(f.text[m[2]:m[3]], f.text[m[4]:m[5]]); v != "" {
			f.add(Money, m[0], m[1], v, 9)
		}
	}
	for _, m := range f.findAll(reMoneyCN, f.hasHan && f.has("元", "块", "美")) {
		n, ok := parseChineseNumber(f.text[m[2]:m[3]])
		if !ok || n == 0 {
			continue
		}
		f.add(Money, m[0], m[1], moneyValue(strconv.Itoa(n), f.text[m[4]:m[5]]), 8)
	}
}

var (
	relativeDays = map[string]int{"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
		"the day before yesterday": -2, "day before yesterday": -2, "yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}
	zhSizes = map[string]string{"均码": "ONE SIZE", "加大码": "XL", "大码": "L", "中码": "M", "小码": "S",
		"特大号": "XXL", "加大号": "XL", "大号": "L", "中号": "M", "小号": "S"}
)

func isoDate(t time.Time) string { return t.Format("2006-01-02") }

func validDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

var zhWeekday = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7,
	"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7}
var enWeekday = map[string]int{"monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "wednesday": 3, "wed": 3, "thursday": 4,
	"thu": 4, "friday": 5, "fri": 5, "saturday": 6, "sat": 6, "sunday": 7, "sun": 7}

// weekdayIn returns the date of weekday wd (1 = Monday … 7 = Sunday) in the week that is
// weeks away from now's week (weeks start on Monday, as in China).
func weekdayIn(now time.Time, weeks, wd int) time.Time {
	cur := int(now.Weekday())
	if cur == 0 {
		cur = 7
	}
	return now.AddDate(0, 0, weeks*7+wd-cur)
}

func (f *finder) dates() {
	for _, m := range f.findAll(reDateYMD, f.hasDigit) {
		y, _ := strconv.Atoi(f.text[m[2]:m[3]])
		mo, _ := strconv.Atoi(f.text[m[4]:m[5]])
		d, _ := strconv.Atoi(f.text[m[6]:m[7]])
		if t, ok := validDate(y, mo, d); ok && f.boundaryOK(m[0], m[1]) {
			f.add(Date, m[0], m[1], isoDate(t), 12)
		}
	}
	for _, m := range f.findAll(reDateMD, f.hasDigit && f.has("月")) {
		mo, _ := strconv.Atoi(f.text[m[2]:m[3]])
		d, _ := strconv.Atoi(f.text[m[4]:m[5]])
		if t, ok := validDate(f.now.Year(), mo, d); ok {
			f.add(Date, m[0], m[1], isoDate(t), 11)
		}
	}
	for _, re := range []*regexp.Regexp{reDateRelZH, reRelEN} {
		if (re == reDateRelZH && !(f.hasHan && f.has("天", "日"))) || (re == reRelEN && !(f.hasLatin && f.has("day", "tomorrow", "tonight"))) {
			continue
		}
		for _, m := range re.FindAllStringIndex(f.text, -1) {
			f.add(Date, m[0], m[1], isoDate(f.now.AddDate(0, 0, relativeDays[f.text[m[0]:m[1]]])), 10)
		}
	}
	for _, m := range f.findAll(reWeekZH, f.hasHan && f.has("周", "星期", "礼拜")) {
		weeks := 0
		if m[2] >= 0 {
			switch f.text[m[2]:m[3]] {
			case "上上":
				weeks = -2
			case "上":
				weeks = -1
			case "下":
				weeks = 1
			}
		}
		f.add(Date, m[0], m[1], isoDate(weekdayIn(f.now, weeks, zhWeekday[f.text[m[4]:m[5]]])), 10)
	}
	for _, m := range f.findAll(reAgoZH, f.hasHan && f.has("前", "后")) {
		numText := f.text[m[2]:m[3]]
		n, ok := parseNumber(numText)
		unit, dir := f.text[m[4]:m[5]], f.text[m[6]:m[7]]
		if numText == "半" && (unit == "个月" || unit == "月") {
			n, ok, unit = 15, true, "天"
		}
		if !ok {
			continue
		}
		sign := 1
		if strings.HasSuffix(dir, "前") {
			sign = -1
		}
		var t time.Time
		switch unit {
		case "天", "日":
			t = f.now.AddDate(0, 0, sign*n)
		case "周", "个星期", "星期":
			t = f.now.AddDate(0, 0, sign*7*n)
		default:
			t = f.now.AddDate(0, sign*n, 0)
		}
		f.add(Date, m[0], m[1], isoDate(t), 10)
	}
	for _, m := range f.findAll(reWeekEN, f.hasLatin && f.has("last", "next", "this")) {
		which, what := f.text[m[2]:m[3]], f.text[m[4]:m[5]]
		weeks := map[string]int{"last": -1, "next": 1, "this": 0}[which]
		switch what {
		case "week":
			f.add(Date, m[0], m[1], isoDate(weekdayIn(f.now, weeks, 1)), 10)
		case "month":
			f.add(Date, m[0], m[1], isoDate(f.now.AddDate(0, weeks, 0)), 10)
		default:
			f.add(Date, m[0], m[1], isoDate(weekdayIn(f.now, weeks, enWeekday[what])), 10)
		}
	}
	for _, re := range []*regexp.Regexp{reAgoEN, reInEN} {
		gate := f.has("ago", "later")
		if re == reInEN {
			gate = f.has("in")
		}
		for _, m := range f.findAll(re, f.hasLatin && gate) {
			numText := f.text[m[2]:m[3]]
			n, ok := enNumber[numText]
			if !ok {
				n, _ = strconv.Atoi(numText)
			}
			unit := f.text[m[4]:m[5]]
			sign := 1
			if re == reAgoEN && f.text[m[6]:m[7]] == "ago" {
				sign = -1
			}
			var t time.Time
			switch {
			case strings.HasPrefix(unit, "day"):
				t = f.now.AddDate(0, 0, sign*n)
			case strings.HasPrefix(unit, "week"):
				t = f.now.AddDate(0, 0, sign*7*n)
			default:
				t = f.now.AddDate(0, sign*n, 0)
			}
			f.add(Date, m[0], m[1], isoDate(t), 10)
		}
	}
}

func (f *finder) quantities() {
	for _, m := range f.findAll(reQtyZH, f.hasHan && strings.ContainsAny(f.text, "件个双条台部只份箱盒包瓶套张本支袋把副")) {
		if m[0] > 0 && isAlnum(rune(f.text[m[0]-1])) {
			continue
		}
		n, ok := parseNumber(f.text[m[2]:m[3]])
		if !ok || n == 0 {
			continue
		}
		f.add(Quantity, m[0], m[1], strconv.Itoa(n), 5)
	}
	for _, m := range f.findAll(reQtyEN, f.hasLatin && f.has("pcs", "piece", "item", "unit", "pair", "box", "bottle", "pack")) {
		numText := f.text[m[2]:m[3]]
		n, ok := enNumber[strings.TrimSuffix(strings.TrimPrefix(numText, "a "), " of")]
		if !ok {
			n, _ = strconv.Atoi(numText)
		}
		if n > 0 {
			f.add(Quantity, m[0], m[1], strconv.Itoa(n), 5)
		}
	}
}

func (f *finder) sizes() {
	hanSize := f.hasHan && strings.ContainsAny(f.text, "码号")
	for _, m := range f.findAll(reSizeMa, hanSize) {
		if m[0] > 0 && isAlnum(rune(f.text[m[0]-1])) {
			continue
		}
		f.add(Size, m[0], m[1], strings.ToUpper(f.text[m[2]:m[3]]), 6)
	}
	for _, m := range f.findAll(reSizeWord, f.hasLatin && f.has("x")) {
		f.add(Size, m[0], m[1], strings.ToUpper(f.text[m[0]:m[1]]), 6)
	}
	for _, m := range f.findAll(reSizeEN, f.hasLatin && f.has("size")) {
		f.add(Size, m[0], m[1], strings.ToUpper(f.text[m[2]:m[3]]), 6)
	}
	for _, m := range f.findAll(reSizeZH, hanSize) {
		f.add(Size, m[0], m[1], zhSizes[f.text[m[0]:m[1]]], 6)
	}
	// a lone capital S, M or L in the original ("要M的") is a size; lower-case ones are words
	for i, r := range f.orig {
		if r != 'S' && r != 'M' && r != 'L' {
			continue
		}
		prevOK := i == 0 || !isAlnum(f.orig[i-1]) && f.orig[i-1] != '\''
		nextOK := i+1 == len(f.orig) || !isAlnum(f.orig[i+1])
		if prevOK && nextOK {
			f.out = append(f.out, candidate{Entity{Type: Size, Start: i, End: i + 1, Text: string(r), Value: string(r)}, 4})
		}
	}
}

// words adds every occurrence of the listed words (longest first, whole words for Latin).
func (f *finder) words(list []wordValue, typ string, priority int) {
	for _, w := range list {
		from := 0
		for {
			i := strings.Index(f.text[from:], w.word)
			if i < 0 {
				break
			}
			s, e := from+i, from+i+len(w.word)
			from = e
			if isASCII(w.word) && !f.boundaryOK(s, e) {
				continue
			}
			f.add(typ, s, e, w.value, priority)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
