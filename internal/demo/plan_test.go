package demo

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"kefu/internal/commerce"
	"kefu/internal/demo/content"
)

var planNow = time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)

func mustContent(t testing.TB) *content.Set {
	t.Helper()
	set, err := content.Load()
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	return set
}

// summary is a plan reduced to what must repeat exactly for the same seed.
func summary(p *storePlan) string {
	var b strings.Builder
	for _, c := range p.customers {
		fmt.Fprintln(&b, c.name, c.phone, c.email, c.tier, c.lang, c.created, c.tags, c.addrs[0].line)
	}
	for _, o := range p.orders {
		fmt.Fprintln(&b, o.number, o.buyer.name, o.res.status, o.total(), o.placed)
		if o.shipment != nil {
			fmt.Fprintln(&b, o.shipment.tracking, len(o.shipment.events))
		}
	}
	return b.String()
}

func TestPlanIsDeterministic(t *testing.T) {
	set := mustContent(t)
	a, b := summary(plan(set, 42, planNow)), summary(plan(set, 42, planNow))
	if a != b {
		t.Fatal("two plans with the same seed and now differ")
	}
	if c := summary(plan(set, 43, planNow)); c == a {
		t.Fatal("a different seed gave the same store")
	}
}

func TestPlanShape(t *testing.T) {
	set := mustContent(t)
	p := plan(set, 1, planNow)
	if len(p.customers) != Customers || len(p.orders) != Orders {
		t.Fatalf("plan has %d customers, %d orders", len(p.customers), len(p.orders))
	}
	num := regexp.MustCompile(`^KF\d{8}\d{4}$`)
	seen := map[string]bool{}
	phones, emails := map[string]bool{}, map[string]bool{}
	tiers := map[string]int{}
	for _, c := range p.customers {
		if phones[c.phone] || (c.email != "" && emails[c.email]) {
			t.Errorf("duplicate contact %s %s", c.phone, c.email)
		}
		phones[c.phone], emails[c.email] = true, true
		if len(c.phone) != 11 || c.phone[0] != '1' {
			t.Errorf("phone %q is not a mainland mobile", c.phone)
		}
		tiers[c.tier]++
		if n := len(c.addrs); n < 1 || n > 2 {
			t.Errorf("%s has %d addresses", c.name, n)
		}
	}
	for _, tier := range []string{"regular", "silver", "gold", "vip"} {
		if tiers[tier] == 0 {
			t.Errorf("no %s customers", tier)
		}
	}
	if tiers["regular"] < tiers["silver"] || tiers["silver"] < tiers["gold"] || tiers["gold"] < tiers["vip"] {
		t.Errorf("tier mix %v is not a pyramid", tiers)
	}
	prevDay, prevSeq := "", 0
	for _, o := range p.orders {
		if !num.MatchString(o.number) || !commerce.OrderNumberPattern.MatchString(o.number) || seen[o.number] {
			t.Fatalf("bad or duplicate order number %q", o.number)
		}
		seen[o.number] = true
		day := o.number[2:10]
		if day != o.placed.In(shanghai).Format("20060102") {
			t.Errorf("%s placed on %s (Shanghai)", o.number, o.placed.In(shanghai))
		}
		var seq int
		fmt.Sscanf(o.number[10:], "%d", &seq)
		if day == prevDay && seq != prevSeq+1 || day != prevDay && seq != 1 {
			t.Errorf("%s does not continue the daily sequence (previous %s %d)", o.number, prevDay, prevSeq)
		}
		prevDay, prevSeq = day, seq
		if o.placed.Before(o.buyer.created) {
			t.Errorf("%s placed before its customer joined", o.number)
		}
		if n := len(o.items); n < 1 || n > 4 {
			t.Errorf("%s has %d items", o.number, n)
		}
		items := o.itemsTotal()
		if items >= 9900 && o.shipping != 0 {
			t.Errorf("%s: ¥%d of goods should ship free", o.number, items/100)
		}
		if o.shipping != 0 && (o.shipping < 800 || o.shipping > 1200) {
			t.Errorf("%s: shipping %d", o.number, o.shipping)
		}
		if o.total() < 0 {
			t.Errorf("%s: negative total", o.number)
		}
		if (o.shipment != nil) != (o.res.shipped != nil) {
			t.Errorf("%s: status %s with shipment %v", o.number, o.res.status, o.shipment != nil)
		}
		if s := o.shipment; s != nil {
			c := carrier(set, s.carrier.Code)
			if !regexp.MustCompile(c.Pattern).MatchString(s.tracking) {
				t.Errorf("tracking %q does not fit %s's format %s", s.tracking, c.Code, c.Pattern)
			}
			for i, e := range s.events {
				if e.At.Before(*o.res.shipped) || e.At.After(planNow) || (i > 0 && !e.At.After(s.events[i-1].At)) {
					t.Errorf("%s: scan %d at %s out of order", o.number, i, e.At)
				}
				if strings.ContainsAny(e.DescriptionZH+e.DescriptionEN, "{}") {
					t.Errorf("unfilled placeholder in %q / %q", e.DescriptionZH, e.DescriptionEN)
				}
			}
			if o.res.delivered != nil && s.status != "delivered" {
				t.Errorf("%s delivered but parcel %s", o.number, s.status)
			}
			if o.res.status == "shipped" && s.status == "delivered" {
				t.Errorf("%s in transit but parcel delivered", o.number)
			}
		}
	}
}

func carrier(set *content.Set, code string) content.Carrier {
	for _, c := range set.Carriers {
		if c.Code == code {
			return c
		}
	}
	return content.Carrier{}
}

func TestTimelineResolve(t *testing.T) {
	placed := planNow.Add(-10 * 24 * time.Hour)
	h := time.Hour
	normal := timeline{payAfter: time.Minute, shipAfter: 10 * h, transit: 48 * h, confirmAfter: 7 * 24 * h}
	cases := []struct {
		name   string
		tl     timeline
		placed time.Time
		status string
		pay    string
	}{
		{"just placed, unpaid", timeline{neverPaid: true, cancelAfter: paymentTimeout}, planNow.Add(-time.Hour), "pending_payment", "unpaid"},
		{"payment timed out", timeline{neverPaid: true, cancelAfter: paymentTimeout}, placed, "cancelled", "unpaid"},
		{"paying right now", normal, planNow.Add(-30 * time.Second), "pending_payment", "unpaid"},
		{"paid, not shipped", normal, planNow.Add(-5 * h), "paid", "paid"},
		{"on its way", normal, planNow.Add(-20 * h), "shipped", "paid"},
		{"delivered, not confirmed", normal, planNow.Add(-4 * 24 * h), "delivered", "paid"},
		{"completed", normal, placed, "completed", "paid"},
		{"cancelled after paying", timeline{payAfter: time.Minute, cancelPaid: true, cancelAfter: h, shipAfter: 10 * h}, placed, "cancelled", "refunded"},
		{"too late to cancel: shipped first", timeline{payAfter: time.Minute, cancelPaid: true, cancelAfter: 20 * h, shipAfter: 10 * h, transit: 48 * h, confirmAfter: 7 * 24 * h}, placed, "completed", "paid"},
		{"partly refunded", timeline{payAfter: time.Minute, shipAfter: h, transit: 24 * h, confirmAfter: 7 * 24 * h, partialRefund: true}, placed, "completed", "partially_refunded"},
	}
	for _, c := range cases {
		r := c.tl.resolve(c.placed, planNow)
		if r.status != c.status || r.paymentStatus != c.pay {
			t.Errorf("%s: got %s/%s, want %s/%s", c.name, r.status, r.paymentStatus, c.status, c.pay)
		}
		// Timestamps exist exactly for the steps taken, in order, none in the future.
		steps := []*time.Time{r.paid, r.shipped, r.delivered, r.completed}
		prev := c.placed
		for i, s := range steps {
			if s == nil {
				continue
			}
			if s.Before(prev) || s.After(planNow) {
				t.Errorf("%s: step %d at %s", c.name, i, s)
			}
			prev = *s
		}
		if (r.cancelled != nil) != (r.status == "cancelled") {
			t.Errorf("%s: cancelled_at %v with status %s", c.name, r.cancelled, r.status)
		}
	}
}

func TestBestCoupon(t *testing.T) {
	nov5 := time.Date(2026, 11, 5, 12, 0, 0, 0, shanghai)
	jul := time.Date(2026, 7, 5, 12, 0, 0, 0, shanghai)
	cases := []struct {
		items int64
		tier  string
		at    time.Time
		want  string
	}{
		{5000, "regular", jul, ""},
		{9900, "regular", jul, "NEW10"},
		{19900, "regular", jul, "SAVE20"},
		{30000, "regular", nov5, "DOUBLE11"},
		{30000, "regular", jul, "SAVE20"},
		{60000, "gold", jul, "GOLD80"},
		{60000, "regular", jul, "FULL50"},
		{200000, "vip", jul, "VIP200"},
	}
	for _, c := range cases {
		got := ""
		if cp := bestCoupon(c.items, c.tier, c.at); cp != nil {
			got = cp.Code
		}
		if got != c.want {
			t.Errorf("bestCoupon(%d, %s, %s) = %q, want %q", c.items, c.tier, c.at.Format("01-02"), got, c.want)
		}
	}
}

func TestFillAndShipmentStatus(t *testing.T) {
	v := slotValues{city: "杭州", carrier: "顺丰速运"}
	if got := fill("【{city}】{carrier}已揽收{unknown}", v.get); got != "【杭州】顺丰速运已揽收" {
		t.Errorf("fill = %q", got)
	}
	if got := fill("no slots", v.get); got != "no slots" {
		t.Errorf("fill = %q", got)
	}
	for code, want := range map[string]string{"order_received": "picked_up", "departed_hub": "in_transit", "out_for_delivery": "out_for_delivery",
		"delivered_locker": "delivered", "signed_by_proxy": "delivered", "exception_weather": "exception", "returned_to_sender": "returned"} {
		if got := shipmentStatus(code); got != want {
			t.Errorf("shipmentStatus(%s) = %s, want %s", code, got, want)
		}
	}
	if got := emailSafe("Yu'an.Li"); got != "yuan.li" {
		t.Errorf("emailSafe = %q", got)
	}
}

// BenchmarkPlan measures generating the store in memory (no database).
func BenchmarkPlan(b *testing.B) {
	set := mustContent(b)
	for i := 0; i < b.N; i++ {
		plan(set, int64(i), planNow)
	}
}
