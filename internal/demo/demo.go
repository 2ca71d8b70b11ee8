// Package demo generates kefu's bilingual demo store from the content in package content:
// categories and products, customers across tiers, six months of orders with logistics
// histories, behaviour events, two teams of agents and the knowledge base. Everything is
// deterministic from a seed and a "now", and goes through the domain services (commerce, crm,
// auth) so validation and PII sealing are the real ones.
//
// Scale adds synthetic orders, conversations and tickets in bulk for benchmarks.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"kefu/internal/app"
	"kefu/internal/auth"
	"kefu/internal/commerce"
	"kefu/internal/crm"
	"kefu/internal/demo/content"
	"kefu/internal/store"
)

// MarkerKey is the settings row that records a loaded demo store.
const MarkerKey = "demo.loaded"

// Sizes of the demo store (the foundation issue's numbers).
const (
	Customers = 1000
	Orders    = 5000
)

// Options control generation.
type Options struct {
	Seed     int64
	Now      time.Time // the store is generated as of this instant; zero means time.Now()
	Progress io.Writer // progress lines; nil for silence
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC().Truncate(time.Second)
	}
	return o.Now.UTC()
}

func (o Options) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// Summary reports what Load wrote (or, when AlreadyLoaded, that it wrote nothing).
type Summary struct {
	AlreadyLoaded   bool           `json:"already_loaded"`
	Seed            int64          `json:"seed"`
	Now             time.Time      `json:"now"`
	Categories      int            `json:"categories"`
	Products        int            `json:"products"`
	Variants        int            `json:"variants"`
	Customers       int            `json:"customers"`
	Orders          int            `json:"orders"`
	OrdersByStatus  map[string]int `json:"orders_by_status"`
	Shipments       int            `json:"shipments"`
	ShipmentEvents  int            `json:"shipment_events"`
	BehaviourEvents int64          `json:"behaviour_events"`
	Articles        int            `json:"articles"`
	Teams           int            `json:"teams"`
	Agents          int            `json:"agents"`
	Elapsed         time.Duration  `json:"elapsed"`
}

// marker is the value stored under MarkerKey.
type marker struct {
	Seed   int64     `json:"seed"`
	Now    time.Time `json:"now"`
	Orders int       `json:"orders"`
}

// Loaded reports whether the demo store is in the database, with the marker's seed and time.
func Loaded(ctx context.Context, db *store.DB) (bool, *Summary, error) {
	var v string
	err := db.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, MarkerKey).Scan(&v)
	if store.IsNoRows(err) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	var m marker
	json.Unmarshal([]byte(v), &m)
	return true, &Summary{AlreadyLoaded: true, Seed: m.Seed, Now: m.Now}, nil
}

// clock is the Now of the services the generator uses, moved to each record's own time so
// created_at/updated_at columns are as deterministic as the rest.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// Load writes the demo store in one transaction: it is all there or not at all. On a database
// that already has it (the settings marker), it writes nothing and says so.
func Load(ctx context.Context, a *app.App, opts Options) (*Summary, error) {
	start := time.Now()
	if ok, sum, err := Loaded(ctx, a.DB); err != nil || ok {
		if ok {
			opts.say("demo store already loaded (seed %d, generated as of %s); nothing to do", sum.Seed, sum.Now.Format(time.RFC3339))
		}
		return sum, err
	}
	set, err := content.Load()
	if err != nil {
		return nil, fmt.Errorf("demo content: %w", err)
	}
	if len(set.Products) == 0 || len(set.Tiers) == 0 || len(set.Provinces) == 0 || len(set.Carriers) == 0 || len(set.Names.ZHSurnames) == 0 {
		return nil, errors.New("demo content is incomplete: it needs products, tiers, places, carriers and names")
	}
	now := opts.now()
	p := plan(set, opts.Seed, now)
	opts.say("demo: planned %d customers and %d orders in %s", len(p.customers), len(p.orders), time.Since(start).Round(time.Millisecond))

	sum := &Summary{Seed: opts.Seed, Now: now, OrdersByStatus: map[string]int{}}
	clk := &clock{t: now}
	cs := &commerce.Service{DB: a.DB, PII: a.PII, Now: clk.now}
	crmS := &crm.Service{DB: a.DB, PII: a.PII, Now: clk.now}
	as := &auth.Service{DB: a.DB, Now: clk.now}

	err = a.DB.Tx(ctx, func(tx *store.Tx) error {
		// The marker goes first: a concurrent Load blocks on it and then fails cleanly.
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`,
			MarkerKey, toJSON(marker{Seed: opts.Seed, Now: now, Orders: len(p.orders)}), now); err != nil {
			if store.IsUniqueViolation(err) {
				return errAlreadyLoaded
			}
			return err
		}
		t0 := time.Now()
		clk.t = now.AddDate(-1, 0, 0)
		teams, staff, err := loadStaff(ctx, tx, as, set, clk.t)
		if err != nil {
			return fmt.Errorf("staff: %w", err)
		}
		sum.Teams, sum.Agents = len(teams), len(staff)
		opts.say("demo: %d teams, %d agents (password %s) in %s", sum.Teams, sum.Agents, StaffPassword, time.Since(t0).Round(time.Millisecond))

		t0 = time.Now()
		clk.t = now.AddDate(0, -10, 0)
		if sum.Variants, err = loadCatalogue(ctx, tx, cs, set, p.skus); err != nil {
			return fmt.Errorf("catalogue: %w", err)
		}
		sum.Categories, sum.Products = len(set.Categories), len(set.Products)
		opts.say("demo: %d products (%d variants) in %d categories in %s", sum.Products, sum.Variants, sum.Categories, time.Since(t0).Round(time.Millisecond))

		t0 = time.Now()
		for _, c := range p.customers {
			clk.t = c.created
			in := crm.NewCustomer{Name: c.name, Phone: c.phone, Email: c.email, Tier: c.tier, Tags: c.tags, Lang: c.lang,
				ConsentMarketing: c.consentMarketing, ConsentProfiling: c.consentProfiling, CreatedAt: &c.created}
			for i, ad := range c.addrs {
				in.Addresses = append(in.Addresses, crm.NewAddress{Recipient: ad.recipient, Phone: ad.phone, Line: ad.line,
					Province: ad.at.prov.NameZH, City: ad.at.city.NameZH, District: ad.district.ZH, IsDefault: i == 0})
			}
			id, err := crmS.CreateCustomer(ctx, tx, in)
			if err != nil {
				return fmt.Errorf("customer %q: %w", c.name, err)
			}
			c.id = id
		}
		sum.Customers = len(p.customers)
		opts.say("demo: %d customers in %s", sum.Customers, time.Since(t0).Round(time.Millisecond))

		// Orders go through CreateOrder (validation, totals, sealing, and AddShipment for the
		// parcel); their logistics scans, about eight per parcel, are written afterwards in
		// multi-row INSERTs, because AddShipment writes them one statement each.
		pr := newProgress(opts.Progress, "orders", len(p.orders))
		var rows int64
		var firstID, lastID int64
		for i, o := range p.orders {
			clk.t = o.res.updated
			in := o.newOrder()
			for j := range in.Shipments {
				in.Shipments[j].Events = nil
			}
			id, err := cs.CreateOrder(ctx, tx, in)
			if err != nil {
				return fmt.Errorf("order %s: %w", o.number, err)
			}
			if i == 0 {
				firstID = id
			}
			lastID = id
			if o.refunded > 0 {
				if _, err := tx.Exec(ctx, `UPDATE orders SET refunded_cents = ? WHERE id = ?`, o.refunded, id); err != nil {
					return err
				}
			}
			if o.refundSKU != "" {
				if _, err := tx.Exec(ctx, `UPDATE order_items SET refunded_qty = 1 WHERE order_id = ? AND sku = ?`, id, o.refundSKU); err != nil {
					return err
				}
			}
			sum.OrdersByStatus[o.res.status]++
			rows += 1 + int64(len(in.Items))
			if o.shipment != nil {
				sum.Shipments++
				rows++
			}
			pr.update(i+1, rows)
		}
		n, err := loadScans(ctx, tx, p.orders, firstID, lastID)
		if err != nil {
			return fmt.Errorf("logistics events: %w", err)
		}
		sum.ShipmentEvents = int(n)
		pr.done, pr.rows = len(p.orders), rows+n
		pr.finish()
		sum.Orders = len(p.orders)

		t0 = time.Now()
		if sum.BehaviourEvents, err = loadBehaviour(ctx, tx, newRNG(opts.Seed, streamBehaviour), set, p.customers, p.orders, p.skus, p.popular, now); err != nil {
			return fmt.Errorf("behaviour events: %w", err)
		}
		opts.say("demo: %d behaviour events in %s", sum.BehaviourEvents, time.Since(t0).Round(time.Millisecond))

		var author *int64
		for _, s := range staff {
			if s.role == "supervisor" {
				author = &s.id
				break
			}
		}
		if sum.Articles, err = loadArticles(ctx, tx, set, author, newRNG(opts.Seed, streamArticles), now); err != nil {
			return fmt.Errorf("knowledge articles: %w", err)
		}
		opts.say("demo: %d knowledge articles", sum.Articles)
		return nil
	})
	if errors.Is(err, errAlreadyLoaded) {
		_, s, err := Loaded(ctx, a.DB)
		opts.say("demo store already loaded by another process; nothing to do")
		return s, err
	}
	if err != nil {
		return nil, err
	}
	sum.Elapsed = time.Since(start)
	opts.say("demo store loaded in %s", sum.Elapsed.Round(time.Millisecond))
	return sum, nil
}

var errAlreadyLoaded = errors.New("demo store already loaded")

// storePlan is the whole generated store before it is written.
type storePlan struct {
	skus      []skuRef
	popular   *table
	customers []*customerPlan
	orders    []*orderPlan
}

// slot is an order to be: when, by whom (nil = drawn), with what life (nil = drawn).
type slot struct {
	placed time.Time
	buyer  *customerPlan
	tl     *timeline
}

// demoCustomerOrders are Wang Fang's orders, one per status and a refund, so docs and tests
// can show every path on one well-known customer.
func demoCustomerOrders(now time.Time, c *customerPlan) []slot {
	d := func(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }
	day := 24.0
	return []slot{
		{placed: now.Add(-d(75*day + 5)), buyer: c, tl: &timeline{payAfter: time.Minute, shipAfter: d(20), transit: d(2 * day), confirmAfter: d(10 * day)}},
		{placed: now.Add(-d(40*day + 2)), buyer: c, tl: &timeline{payAfter: 90 * time.Second, shipAfter: d(8), transit: d(1.5 * day), confirmAfter: d(9 * day), partialRefund: true}},
		{placed: now.Add(-d(20*day + 3)), buyer: c, tl: &timeline{neverPaid: true, cancelAfter: d(2)}},
		{placed: now.Add(-d(6 * day)), buyer: c, tl: &timeline{payAfter: time.Minute, shipAfter: d(10), transit: d(2 * day), confirmAfter: d(10 * day)}},
		{placed: now.Add(-d(50)), buyer: c, tl: &timeline{payAfter: time.Minute, shipAfter: d(6), transit: d(3 * day), confirmAfter: d(10 * day)}},
		{placed: now.Add(-d(3)), buyer: c, tl: &timeline{payAfter: 2 * time.Minute, shipAfter: d(30), transit: d(2 * day), confirmAfter: d(10 * day)}},
		{placed: now.Add(-15 * time.Minute), buyer: c, tl: &timeline{neverPaid: true, cancelAfter: paymentTimeout}},
	}
}

// plan generates the store in memory. It is a pure function of the content, seed and now.
func plan(set *content.Set, seed int64, now time.Time) *storePlan {
	p := &storePlan{skus: skuRefs(set)}
	p.popular = popularity(newRNG(seed, streamCatalogue), p.skus, set)
	p.customers = planCustomers(set, seed, now, Customers)

	r := newRNG(seed, streamOrders)
	demoSlots := demoCustomerOrders(now.Truncate(time.Second), p.customers[0])
	var slots []slot
	for _, t := range placedTimes(r, now, Orders-len(demoSlots)) {
		slots = append(slots, slot{placed: t})
	}
	slots = append(slots, demoSlots...)
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].placed.Before(slots[j].placed) })

	// Random orders go to customers by buying frequency; the demo customer keeps her own story.
	w := make([]float64, len(p.customers))
	oldest := 1
	for i, c := range p.customers {
		if i > 0 {
			w[i] = c.weight
			if c.created.Before(p.customers[oldest].created) {
				oldest = i
			}
		}
	}
	who := newTable(w)
	m := &orderMaker{skus: p.skus, popular: p.popular, freeShip: tierFreeShipping(set.Tiers),
		logistics: newLogisticsMaker(set, now), now: now, methodsTbl: newTable(paymentWeights)}
	lr := newRNG(seed, streamLogistics)
	nums := newNumberer(4)
	for _, s := range slots {
		c := s.buyer
		for try := 0; c == nil && try < 30; try++ {
			if x := p.customers[who.draw(r)]; x.created.Before(s.placed) {
				c = x
			}
		}
		if c == nil {
			c = p.customers[oldest]
		}
		tl := randomTimeline(r)
		if s.tl != nil {
			tl = *s.tl
		}
		o := m.makeOrderWith(r, lr, &c.buyer, s.placed.Truncate(time.Second), tl)
		o.number = nums.number(o.placed)
		c.orders++
		if o.coupon != "" {
			c.coupons++
		}
		if o.res.paid != nil {
			c.spent += o.total() - o.refunded
		}
		for _, it := range o.items {
			c.categories[it.ref.category]++
		}
		p.orders = append(p.orders, o)
	}
	tr := newRNG(seed, streamTags)
	for _, c := range p.customers {
		c.tags = customerTags(c, set.Categories, tr)
	}
	return p
}

// loadScans writes the logistics events of the orders' parcels, which CreateOrder wrote
// without them, in plan order.
func loadScans(ctx context.Context, tx *store.Tx, orders []*orderPlan, firstID, lastID int64) (int64, error) {
	ids := map[string]int64{} // tracking number (unique in a plan) → shipment id
	rows, err := tx.Query(ctx, `SELECT id, tracking_number FROM shipments WHERE order_id BETWEEN ? AND ?`, firstID, lastID)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id int64
		var tn string
		if err := rows.Scan(&id, &tn); err != nil {
			rows.Close()
			return 0, err
		}
		ids[tn] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	ins := newInserter(tx, "shipment_events", "shipment_id", "at", "status", "location", "description_zh", "description_en")
	for _, o := range orders {
		if o.shipment == nil {
			continue
		}
		sid, ok := ids[o.shipment.tracking]
		if !ok {
			return 0, fmt.Errorf("shipment %s of order %s not found", o.shipment.tracking, o.number)
		}
		for _, e := range o.shipment.events {
			if err := ins.add(ctx, sid, e.At, e.Status, e.Location, e.DescriptionZH, e.DescriptionEN); err != nil {
				return 0, err
			}
		}
	}
	return ins.written, ins.flush(ctx)
}
