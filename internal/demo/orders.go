package demo

import (
	"fmt"
	"sort"
	"time"

	"kefu/internal/commerce"
	"kefu/internal/demo/content"
)

// shanghai is China Standard Time. China has no daylight saving, so a fixed zone is exact and
// needs no tzdata on the host.
var shanghai = time.FixedZone("CST", 8*3600)

// orderWindow is how far back the demo orders go.
const orderWindow = 180 * 24 * time.Hour

// Payment methods and their rough shares.
var (
	paymentMethods = []string{"alipay", "wechat_pay", "card", "huabei"}
	paymentWeights = []float64{45, 35, 10, 10}
)

// coupon is a threshold discount (满减): Off cents off an order of at least Min cents.
type coupon struct {
	Code  string
	Min   int64
	Off   int64
	Tiers []string // empty = every tier
	From  string   // MMDD window in which it is valid (inclusive), empty = always
	To    string
}

var coupons = []coupon{
	{Code: "NEW10", Min: 9900, Off: 1000},
	{Code: "SAVE20", Min: 19900, Off: 2000},
	{Code: "FULL50", Min: 39900, Off: 5000},
	{Code: "SILVER15", Min: 15900, Off: 1500, Tiers: []string{"silver", "gold", "vip"}},
	{Code: "GOLD80", Min: 59900, Off: 8000, Tiers: []string{"gold", "vip"}},
	{Code: "VIP200", Min: 149900, Off: 20000, Tiers: []string{"vip"}},
	{Code: "MID618", Min: 29900, Off: 6000, From: "0601", To: "0620"},
	{Code: "DOUBLE11", Min: 29900, Off: 5000, From: "1101", To: "1111"},
}

// bestCoupon is the largest discount a customer of tier can use on items at placed.
func bestCoupon(items int64, tier string, placed time.Time) *coupon {
	md := placed.In(shanghai).Format("0102")
	var best *coupon
	for i := range coupons {
		c := &coupons[i]
		if items < c.Min || (c.From != "" && (md < c.From || md > c.To)) {
			continue
		}
		if len(c.Tiers) > 0 && !contains(c.Tiers, tier) {
			continue
		}
		if best == nil || c.Off > best.Off {
			best = c
		}
	}
	return best
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// timeline is how long each step of an order's life takes; resolve turns it into a status
// and timestamps as seen at "now". Generating durations first and cutting at now is what keeps
// every status consistent with its timestamps.
type timeline struct {
	neverPaid     bool          // abandoned: pending until the payment timeout, then cancelled
	payAfter      time.Duration // placed → paid
	cancelAfter   time.Duration // unpaid: placed → cancelled; paid: paid → cancelled
	cancelPaid    bool          // the customer cancels after paying, before shipment
	shipAfter     time.Duration // paid → shipped
	transit       time.Duration // shipped → delivered
	confirmAfter  time.Duration // delivered → completed (auto-confirmed receipt)
	exception     bool          // a logistics exception on the way
	partialRefund bool          // one item refunded after delivery
}

// paymentTimeout is when an unpaid order is cancelled automatically.
const paymentTimeout = 24 * time.Hour

type resolved struct {
	status, paymentStatus                          string
	paid, shipped, delivered, completed, cancelled *time.Time
	updated                                        time.Time
}

func ptr(t time.Time) *time.Time { return &t }

func (tl timeline) resolve(placed, now time.Time) resolved {
	r := resolved{status: "pending_payment", paymentStatus: "unpaid", updated: placed}
	if tl.neverPaid {
		if placed.Add(tl.cancelAfter).Before(now) {
			r.status, r.cancelled, r.updated = "cancelled", ptr(placed.Add(tl.cancelAfter)), placed.Add(tl.cancelAfter)
		}
		return r
	}
	paid := placed.Add(tl.payAfter)
	if !paid.Before(now) {
		return r
	}
	r.status, r.paymentStatus, r.paid, r.updated = "paid", "paid", ptr(paid), paid
	shipped := paid.Add(tl.shipAfter)
	if tl.cancelPaid {
		if c := paid.Add(tl.cancelAfter); c.Before(now) && c.Before(shipped) {
			r.status, r.paymentStatus, r.cancelled, r.updated = "cancelled", "refunded", ptr(c), c
			return r
		}
	}
	if !shipped.Before(now) {
		return r
	}
	r.status, r.shipped, r.updated = "shipped", ptr(shipped), shipped
	delivered := shipped.Add(tl.transit)
	if !delivered.Before(now) {
		return r
	}
	r.status, r.delivered, r.updated = "delivered", ptr(delivered), delivered
	completed := delivered.Add(tl.confirmAfter)
	if tl.partialRefund {
		r.paymentStatus = "partially_refunded"
	}
	if !completed.Before(now) {
		return r
	}
	r.status, r.completed, r.updated = "completed", ptr(completed), completed
	return r
}

// randomTimeline draws a plausible life for one order.
func randomTimeline(r *rng) timeline {
	tl := timeline{}
	if r.chance(0.06) {
		tl.neverPaid = true
		// Most abandoned orders are cancelled by the customer within hours, the rest time out.
		if r.chance(0.6) {
			tl.cancelAfter = r.span(5*time.Minute, 6*time.Hour)
		} else {
			tl.cancelAfter = paymentTimeout
		}
		return tl.seconds()
	}
	// Most people pay within two minutes; some come back later.
	if r.chance(0.85) {
		tl.payAfter = r.span(15*time.Second, 2*time.Minute)
	} else {
		tl.payAfter = r.span(2*time.Minute, 6*time.Hour)
	}
	if r.chance(0.025) {
		tl.cancelPaid = true
		tl.cancelAfter = r.span(10*time.Minute, 20*time.Hour)
	}
	// Shipped within 0–3 days, usually the same or next day.
	switch x := r.Float64(); {
	case x < 0.55:
		tl.shipAfter = r.span(2*time.Hour, 18*time.Hour)
	case x < 0.9:
		tl.shipAfter = r.span(18*time.Hour, 40*time.Hour)
	default:
		tl.shipAfter = r.span(40*time.Hour, 72*time.Hour)
	}
	tl.transit = r.span(24*time.Hour, 4*24*time.Hour)
	if r.chance(0.05) {
		tl.exception = true
		tl.transit += 24 * time.Hour // an exception costs a day: 1–5 days in all
	}
	tl.confirmAfter = r.span(7*24*time.Hour, 15*24*time.Hour)
	tl.partialRefund = r.chance(0.03)
	return tl.seconds()
}

// seconds rounds every step down to whole seconds, like the timestamps shops send.
func (tl timeline) seconds() timeline {
	for _, d := range []*time.Duration{&tl.payAfter, &tl.cancelAfter, &tl.shipAfter, &tl.transit, &tl.confirmAfter} {
		*d = d.Truncate(time.Second)
	}
	return tl
}

// orderPlan is one generated order, ready to insert.
type orderPlan struct {
	number    string
	buyer     *buyer
	ship      address
	method    string
	items     []itemPlan
	shipping  int64
	discount  int64
	coupon    string
	placed    time.Time
	res       resolved
	refunded  int64
	refundSKU string // the item refunded when payment is partially_refunded
	shipment  *shipmentPlan
}

type itemPlan struct {
	ref   *skuRef
	title string
	qty   int
	unit  int64
}

func (o *orderPlan) itemsTotal() int64 {
	var t int64
	for _, it := range o.items {
		t += int64(it.qty) * it.unit
	}
	return t
}

func (o *orderPlan) total() int64 { return o.itemsTotal() + o.shipping - o.discount }

// orderMaker holds what every order draws from.
type orderMaker struct {
	skus       []skuRef
	popular    *table
	freeShip   map[string]bool // tiers with free shipping
	logistics  *logisticsMaker
	now        time.Time
	methodsTbl *table
}

// makeOrderWith fills in items, money and the timeline of an order placed by b at placed;
// the parcel is drawn from lr, so logistics content can change without reshuffling orders.
func (m *orderMaker) makeOrderWith(r, lr *rng, b *buyer, placed time.Time, tl timeline) *orderPlan {
	o := &orderPlan{buyer: b, placed: placed}
	o.ship = b.addrs[0]
	if len(b.addrs) > 1 && r.chance(0.3) {
		o.ship = b.addrs[1]
	}
	o.method = paymentMethods[m.methodsTbl.draw(r)]
	nItems := 1 + r.weighted([]float64{55, 28, 12, 5})
	seen := map[string]bool{}
	for len(o.items) < nItems {
		ref := &m.skus[m.popular.draw(r)]
		if seen[ref.productSKU] {
			if r.chance(0.5) {
				break
			}
			continue
		}
		seen[ref.productSKU] = true
		qty := 1 + r.weighted([]float64{85, 12, 3})
		o.items = append(o.items, itemPlan{ref: ref, title: ref.title(b.lang), qty: qty, unit: ref.price})
	}
	items := o.itemsTotal()
	switch {
	case items >= 9900 || m.freeShip[b.tier]:
		o.shipping = 0 // free over ¥99, and always for tiers with free shipping
	case o.ship.at.prov.Remote:
		o.shipping = 1200
	default:
		o.shipping = []int64{800, 1000, 1000, 1200}[r.IntN(4)]
	}
	if r.chance(0.3) {
		if c := bestCoupon(items, b.tier, placed); c != nil {
			o.coupon, o.discount = c.Code, c.Off
		}
	}
	o.res = tl.resolve(placed, m.now)
	if o.res.paymentStatus == "refunded" {
		o.refunded = o.total()
	}
	if o.res.paymentStatus == "partially_refunded" {
		it := o.items[r.IntN(len(o.items))]
		o.refunded, o.refundSKU = it.unit, it.ref.sku
	}
	if o.res.shipped != nil {
		o.shipment = m.logistics.shipment(lr, o, tl)
	}
	return o
}

// newOrder is the commerce service input for a plan.
func (o *orderPlan) newOrder() commerce.NewOrder {
	in := commerce.NewOrder{
		Number: o.number, CustomerID: o.buyer.id, Status: o.res.status, PaymentStatus: o.res.paymentStatus, PaymentMethod: o.method,
		ShippingCents: o.shipping, DiscountCents: o.discount, CouponCode: o.coupon,
		ShipTo: commerce.Address{Recipient: o.ship.recipient, Phone: o.ship.phone, Line: o.ship.line,
			Province: o.ship.at.prov.NameZH, City: o.ship.at.city.NameZH, District: o.ship.district.ZH},
		PlacedAt: o.placed, PaidAt: o.res.paid, ShippedAt: o.res.shipped, DeliveredAt: o.res.delivered,
		CompletedAt: o.res.completed, CancelledAt: o.res.cancelled,
	}
	if o.res.status == "pending_payment" || (o.res.status == "cancelled" && o.res.paid == nil) {
		in.PaymentMethod = "" // nothing was paid, so no method yet
	}
	for _, it := range o.items {
		in.Items = append(in.Items, commerce.NewItem{SKU: it.ref.sku, Title: it.title, Qty: it.qty, UnitPriceCents: it.unit})
	}
	if s := o.shipment; s != nil {
		in.Shipments = []commerce.NewShipment{{Direction: "outbound", Carrier: s.carrier.Code, CarrierName: s.carrier.NameZH,
			TrackingNumber: s.tracking, Status: s.status, ShippedAt: o.res.shipped, DeliveredAt: o.res.delivered, Events: s.events}}
	}
	return in
}

// dayWeights spreads orders over the window: slow growth, busier weekends, and the two big
// Chinese shopping festivals (618 in June, Double 11 in November).
func dayWeights(now time.Time, days int) (starts []time.Time, weights []float64) {
	today := time.Date(now.In(shanghai).Year(), now.In(shanghai).Month(), now.In(shanghai).Day(), 0, 0, 0, 0, shanghai)
	for i := days; i >= 0; i-- {
		d := today.AddDate(0, 0, -i)
		w := 1 + 0.4*float64(days-i)/float64(days)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 1.25
		}
		switch md := d.Format("0102"); {
		case md == "1111":
			w *= 4
		case md >= "1101" && md <= "1110", md == "0618":
			w *= 2
		case md >= "0601" && md <= "0617":
			w *= 1.4
		}
		if i == 0 { // today only up to now
			w *= now.Sub(d).Hours() / 24
		}
		starts = append(starts, d)
		weights = append(weights, w)
	}
	return starts, weights
}

// hourWeights is when Chinese shoppers order (local time): lunch and the evening peak.
var hourWeights = []float64{3, 1.5, 0.8, 0.5, 0.4, 0.5, 1, 2, 3, 4, 5, 5, 5.5, 4.5, 4.5, 4.5, 4.5, 4, 4, 5, 7, 8, 7, 5}

// placedTimes draws n order times in the window before now, sorted.
func placedTimes(r *rng, now time.Time, n int) []time.Time {
	starts, weights := dayWeights(now, int(orderWindow/(24*time.Hour)))
	days := newTable(weights)
	hours := newTable(hourWeights)
	earliest := now.Add(-orderWindow)
	out := make([]time.Time, 0, n)
	for len(out) < n {
		d := starts[days.draw(r)]
		t := d.Add(time.Duration(hours.draw(r))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		if t.After(now) || t.Before(earliest) {
			continue
		}
		out = append(out, t.UTC())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// numberer hands out order numbers: KF + yyyymmdd (Shanghai date) + a daily sequence.
type numberer struct {
	width int
	next  map[string]int
}

func newNumberer(width int) *numberer { return &numberer{width: width, next: map[string]int{}} }

func (n *numberer) number(placed time.Time) string {
	day := placed.In(shanghai).Format("20060102")
	n.next[day]++
	return fmt.Sprintf("KF%s%0*d", day, n.width, n.next[day])
}

// tierFreeShipping lists the tiers whose orders ship free.
func tierFreeShipping(tiers []content.Tier) map[string]bool {
	m := map[string]bool{}
	for _, t := range tiers {
		if t.FreeShipping {
			m[t.Key] = true
		}
	}
	return m
}
