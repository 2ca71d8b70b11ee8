package demo

import (
	"fmt"
	"strings"
	"time"

	"kefu/internal/demo/content"
)

// The well-known demo customer that docs and tests refer to.
const (
	DemoCustomerName  = "王芳"
	DemoCustomerPhone = "13800138000"
	DemoCustomerEmail = "wang.fang@example.com"
)

// place is one city with its province, the unit addresses and logistics work with.
type place struct {
	prov content.Province
	city content.City
}

// zhCity is the city name as couriers print it: 杭州市 → 杭州.
func (p place) zhShort() string { return strings.TrimSuffix(p.city.NameZH, "市") }

func places(set *content.Set) []place {
	var out []place
	for _, pr := range set.Provinces {
		for _, c := range pr.Cities {
			out = append(out, place{prov: pr, city: c})
		}
	}
	return out
}

// address is a delivery address in plain text, before sealing.
type address struct {
	recipient, phone, line string
	at                     place
	district               content.Name
}

// buyer is a customer as orders need them: in Load the generated customer, in Scale a row read back.
type buyer struct {
	id      int64
	name    string
	lang    string
	tier    string
	created time.Time
	addrs   []address
}

// customerPlan is one generated customer.
type customerPlan struct {
	buyer
	phone, email     string
	tags             []string
	consentMarketing bool
	consentProfiling bool
	weight           float64 // relative number of orders

	// Filled while orders are planned, to derive tags.
	orders, coupons int
	spent           int64
	categories      map[string]int
}

// nameMaker draws realistic Chinese and English names.
type nameMaker struct {
	n       content.Names
	surname *table
}

func newNameMaker(n content.Names) *nameMaker {
	// Surnames are listed by frequency: a Zipf-like weight keeps 王/李/张 common and 上官 rare.
	w := make([]float64, len(n.ZHSurnames))
	for i := range w {
		w[i] = 1 / float64(i+6)
	}
	return &nameMaker{n: n, surname: newTable(w)}
}

// zh returns a Chinese name and its pinyin parts (surname, given).
func (m *nameMaker) zh(r *rng) (name, pySur, pyGiven string) {
	s := m.n.ZHSurnames[m.surname.draw(r)]
	g := pick(r, m.n.ZHGiven)
	return s + g, m.n.Pinyin[s], m.n.Pinyin[g]
}

func (m *nameMaker) en(r *rng) (first, last string) {
	return pick(r, m.n.ENFirst), pick(r, m.n.ENLast)
}

// title-cases a pinyin syllable group: "xiaoyu" → "Xiaoyu".
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// pinyinName renders a Chinese name for English text: 李强 → "Li Qiang".
func (m *nameMaker) pinyinName(pySur, pyGiven string) string {
	return titleCase(pySur) + " " + titleCase(pyGiven)
}

// phoneMaker hands out unique mainland mobile numbers.
type phoneMaker struct {
	prefixes []string
	used     map[string]bool
}

func newPhoneMaker(prefixes []string) *phoneMaker {
	return &phoneMaker{prefixes: prefixes, used: map[string]bool{DemoCustomerPhone: true}}
}

func (m *phoneMaker) next(r *rng) string {
	for {
		p := pick(r, m.prefixes) + r.digits(8)
		if !m.used[p] {
			m.used[p] = true
			return p
		}
	}
}

// addressMaker builds street addresses in a city.
func makeAddress(r *rng, pl place, recipient, phone, lang string) address {
	d := pick(r, pl.city.Districts)
	st := pick(r, pl.city.Streets)
	no, bldg, floor, room := r.between(1, 999), r.between(1, 30), r.between(1, 32), r.between(1, 6)
	var line string
	if lang == "en" {
		line = fmt.Sprintf("Room %d%02d, Building %d, No. %d %s", floor, room, bldg, no, st.EN)
	} else {
		line = fmt.Sprintf("%s%d号%d栋%d%02d室", st.ZH, no, bldg, floor, room)
	}
	return address{recipient: recipient, phone: phone, line: line, at: pl, district: d}
}

// planCustomers generates n customers; the first is always the well-known demo customer.
func planCustomers(set *content.Set, seed int64, now time.Time, n int) []*customerPlan {
	r := newRNG(seed, streamCustomers)
	names := newNameMaker(set.Names)
	phones := newPhoneMaker(set.Names.MobilePrefix)
	emails := map[string]bool{DemoCustomerEmail: true}
	allPlaces := places(set)
	placeW := make([]float64, len(allPlaces))
	for i, p := range allPlaces {
		// Big municipalities and the coast order more; remote regions less.
		w := 1.0
		switch {
		case p.prov.Kind == "municipality":
			w = 4
		case p.prov.Remote:
			w = 0.3
		case p.prov.Region == "east" || p.prov.Region == "south":
			w = 1.6
		}
		placeW[i] = w
	}
	placeT := newTable(placeW)
	tiers := set.Tiers
	tierW := make([]float64, len(tiers))
	for i, t := range tiers {
		tierW[i] = float64(t.Share)
	}
	enShare := float64(set.Names.ENShare) / 100

	out := make([]*customerPlan, 0, n)
	seen := map[string]bool{DemoCustomerName: true}
	for i := 0; i < n; i++ {
		c := &customerPlan{categories: map[string]int{}}
		var pySur, pyGiven, first, last string
		en := false
		if i == 0 {
			c.name, pySur, pyGiven = DemoCustomerName, "wang", "fang"
			c.phone, c.email, c.tier, c.lang = DemoCustomerPhone, DemoCustomerEmail, "vip", "zh"
			c.created = now.AddDate(-1, -7, -3)
		} else {
			en = r.chance(enShare)
			for {
				if en {
					first, last = names.en(r)
					c.name = first + " " + last
				} else {
					c.name, pySur, pyGiven = names.zh(r)
				}
				if !seen[c.name] || r.chance(0.35) { // some namesakes, as in any real shop
					break
				}
			}
			seen[c.name] = true
			c.lang = "zh"
			if en {
				c.lang = "en"
			}
			c.phone = phones.next(r)
			c.tier = tiers[r.weighted(tierW)].Key
			// 85% joined before the 180-day order window, the rest during it.
			if r.chance(0.85) {
				c.created = now.Add(-r.span(181*24*time.Hour, 730*24*time.Hour))
			} else {
				c.created = now.Add(-r.span(24*time.Hour, 180*24*time.Hour))
			}
			c.created = c.created.Truncate(time.Second)
			if r.chance(0.7) {
				var local string
				if en {
					local = strings.ToLower(first + "." + last)
				} else {
					switch r.IntN(3) {
					case 0:
						local = pySur + pyGiven
					case 1:
						local = pyGiven + "." + pySur
					default:
						local = pySur + pyGiven + r.digits(r.between(2, 4))
					}
				}
				local = emailSafe(local)
				domain := pick(r, set.Names.EmailDomains)
				email := local + "@" + domain
				for emails[email] {
					email = local + r.digits(3) + "@" + domain
				}
				emails[email] = true
				c.email = email
			}
		}
		c.consentMarketing = r.chance(0.6)
		c.consentProfiling = r.chance(0.75)
		if i == 0 {
			c.consentMarketing, c.consentProfiling = true, true
		}
		switch c.tier { // better customers buy more often
		case "vip":
			c.weight = 5
		case "gold":
			c.weight = 3
		case "silver":
			c.weight = 1.8
		default:
			c.weight = 1
		}
		c.weight *= 0.4 + r.Float64()*1.2
		nAddr := 1
		if r.chance(0.35) || i == 0 {
			nAddr = 2
		}
		home := allPlaces[placeT.draw(r)]
		for a := 0; a < nAddr; a++ {
			pl := home
			if a > 0 && r.chance(0.5) {
				pl = allPlaces[placeT.draw(r)] // an office or family address in another city
			}
			recipient, phone := c.name, c.phone
			if a > 0 && r.chance(0.4) && !en {
				recipient, _, _ = names.zh(r) // family member
				phone = phones.next(r)
			}
			c.addrs = append(c.addrs, makeAddress(r, pl, recipient, phone, c.lang))
		}
		if i == 0 { // Wang Fang lives in Shanghai or whatever the first municipality is
			for _, p := range allPlaces {
				if p.prov.Kind == "municipality" {
					c.addrs[0] = makeAddress(r, p, c.name, c.phone, "zh")
					break
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// customerTags derives profile tags from what the plan says a customer did.
func customerTags(c *customerPlan, cats []content.Category, r *rng) []string {
	var tags []string
	switch {
	case c.orders == 0:
		tags = append(tags, "no_orders_yet")
	case c.orders >= 12:
		tags = append(tags, "frequent_buyer")
	case c.orders == 1:
		tags = append(tags, "one_time_buyer")
	}
	if c.spent >= 500000 {
		tags = append(tags, "high_value")
	}
	if c.orders > 0 && c.coupons*2 >= c.orders {
		tags = append(tags, "price_sensitive")
	}
	// The category bought most, in catalogue order to break ties deterministically.
	best, bestN := "", 0
	for _, cat := range cats {
		if n := c.categories[cat.Slug]; n > bestN {
			best, bestN = cat.Slug, n
		}
	}
	if bestN >= 2 {
		tags = append(tags, "likes_"+best)
	}
	if r.chance(0.08) {
		tags = append(tags, "night_owl")
	}
	if c.lang == "en" {
		tags = append(tags, "english_speaker")
	}
	return tags
}

// emailSafe keeps the characters a mailbox name can have: pinyin like "yu'an" becomes "yuan".
func emailSafe(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' {
			b.WriteRune(c)
		}
	}
	return strings.Trim(b.String(), ".")
}
