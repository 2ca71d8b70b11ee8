package demo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kefu/internal/app"
	"kefu/internal/apperr"
	"kefu/internal/demo/content"
	"kefu/internal/sla"
	"kefu/internal/store"
	"kefu/internal/ticket"
)

// scaleChunk is how many orders (or conversations, or tickets) one transaction writes.
const scaleChunk = 2000

// MaxScale bounds --scale so a typo cannot fill the disk.
const MaxScale = 10_000_000

// ScaleSummary reports what Scale wrote.
type ScaleSummary struct {
	Orders        int           `json:"orders"`
	Conversations int           `json:"conversations"`
	Messages      int64         `json:"messages"`
	Tickets       int           `json:"tickets"`
	Rows          int64         `json:"rows"`
	Elapsed       time.Duration `json:"elapsed"`
}

// RowsPerSecond is the write rate over the whole run.
func (s ScaleSummary) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Rows) / s.Elapsed.Seconds()
}

// Scale adds n synthetic orders (with items, parcels and scans), n conversations of 2–6
// bilingual messages and n tickets to a loaded demo store, in multi-row INSERTs of up to 500
// rows and transactions of 2,000 records, printing a progress line per phase. It is for
// benchmarks: unlike Load it is not one transaction, so an interrupted run keeps the chunks it
// finished. Synthetic order numbers have a 6-digit daily sequence (KF20261123000042), so they
// never collide with the demo store's 4-digit ones; synthetic tickets are tagged "synthetic".
func Scale(ctx context.Context, a *app.App, n int, opts Options) error {
	_, err := ScaleWithSummary(ctx, a, n, opts)
	return err
}

// ScaleWithSummary is Scale returning what it wrote.
func ScaleWithSummary(ctx context.Context, a *app.App, n int, opts Options) (*ScaleSummary, error) {
	if n <= 0 || n > MaxScale {
		return nil, apperr.Invalid("scale", fmt.Sprintf("must be between 1 and %d", MaxScale))
	}
	ok, _, err := Loaded(ctx, a.DB)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.Conflict("demo_not_loaded", "the demo store is not loaded: run `kefu demo` first")
	}
	set, err := content.Load()
	if err != nil {
		return nil, fmt.Errorf("demo content: %w", err)
	}
	start := time.Now()
	now := opts.now()
	w, err := newWorld(ctx, a.DB, set, opts.Seed, now, a.PII.Hash("phone", DemoCustomerPhone))
	if err != nil {
		return nil, err
	}
	if len(w.buyers) == 0 || len(w.skus) == 0 || len(w.staff) == 0 {
		return nil, errors.New("the demo store has no customers, products or agents to build on")
	}
	sum := &ScaleSummary{}
	orders, rows, err := w.scaleOrders(ctx, a, n, opts)
	if err != nil {
		return nil, err
	}
	sum.Orders, sum.Rows = len(orders), rows
	convs, rows, msgs, err := w.scaleConversations(ctx, a.DB, orders, n, opts)
	if err != nil {
		return nil, err
	}
	sum.Conversations, sum.Messages, sum.Rows = len(convs), msgs, sum.Rows+rows
	rows, err = w.scaleTickets(ctx, a.DB, convs, opts)
	if err != nil {
		return nil, err
	}
	sum.Tickets, sum.Rows = len(convs), sum.Rows+rows
	// Planner statistics for the new rows: without them the first queries after a bulk load
	// (before autovacuum notices) plan as if the tables were still small and scan them.
	if err := analyze(ctx, a.DB); err != nil {
		return nil, err
	}
	sum.Elapsed = time.Since(start)
	opts.say("scale: %d orders, %d conversations (%d messages), %d tickets: %d rows in %s, %.0f rows/s",
		sum.Orders, sum.Conversations, sum.Messages, sum.Tickets, sum.Rows, sum.Elapsed.Round(time.Millisecond), sum.RowsPerSecond())
	return sum, nil
}

// analyze refreshes the query planner's statistics. SQLite samples (analysis_limit) rather than
// reading every index of a multi-gigabyte file.
func analyze(ctx context.Context, db *store.DB) error {
	return db.Tx(ctx, func(tx *store.Tx) error { // one connection: the pragma is per connection
		if db.Dialect() == store.SQLite {
			if _, err := tx.Exec(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `ANALYZE`)
		return err
	})
}

// world is what synthetic records are built from: the loaded store read back, and content.
type world struct {
	set        *content.Set
	now        time.Time
	r          *rng
	buyers     []*buyer
	buyerTbl   *table
	skus       []skuRef
	staff      []staffRef
	teamIDs    []int64
	vipTeam    int64
	places     []place
	names      *nameMaker
	orders     *orderMaker
	days       *table
	dayStarts  []time.Time
	hours      *table
	nums       *numberer
	seqs       map[string]int // day → last 6-digit sequence in use
	situations []content.Situation
	templates  map[string][]content.Message // situation|lang|role|stage → templates
	anyTmpl    map[string][]content.Message // lang|role → templates, the fallback
	articles   map[string][]content.Article // lang|category → articles
	policies   sla.PolicySet
}

func newWorld(ctx context.Context, db *store.DB, set *content.Set, seed int64, now time.Time, demoPhoneHash string) (*world, error) {
	w := &world{set: set, now: now, places: places(set), names: newNameMaker(set.Names), policies: sla.DefaultPolicies(),
		templates: map[string][]content.Message{}, anyTmpl: map[string][]content.Message{}, articles: map[string][]content.Article{}}
	var existing int64
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM orders`).Scan(&existing); err != nil {
		return nil, err
	}
	// The existing order count is mixed into the seed so a second --scale run adds different
	// (but still reproducible) records.
	w.r = newRNG(seed+existing, streamScale)

	rows, err := db.Query(ctx, `SELECT id, name, tier, lang, created_at, COALESCE(phone_hash, '') FROM customers WHERE erased_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var weights []float64
	for rows.Next() {
		b := &buyer{}
		var phoneHash string
		if err := rows.Scan(&b.id, &b.name, &b.tier, &b.lang, &b.created, &phoneHash); err != nil {
			rows.Close()
			return nil, err
		}
		w.buyers = append(w.buyers, b)
		weight := map[string]float64{"vip": 5, "gold": 3, "silver": 1.8}[b.tier] + 1
		if phoneHash == demoPhoneHash {
			weight = 0 // the well-known demo customer keeps the orders the docs describe
		}
		weights = append(weights, weight)
	}
	rows.Close()
	if len(weights) > 0 {
		w.buyerTbl = newTable(weights)
	}
	if w.skus, err = productsFromDB(ctx, db); err != nil {
		return nil, err
	}
	rows, err = db.Query(ctx, `SELECT u.id, u.name, u.role, tm.team_id FROM users u JOIN team_members tm ON tm.user_id = u.id ORDER BY u.id, tm.team_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s staffRef
		if err := rows.Scan(&s.id, &s.nameZH, &s.role, &s.teamID); err != nil {
			rows.Close()
			return nil, err
		}
		s.nameEN = s.nameZH
		w.staff = append(w.staff, s)
	}
	rows.Close()
	// English names of the demo agents come from content, matched by display name.
	for i := range w.staff {
		for _, ag := range set.Agents {
			if ag.NameZH == w.staff[i].nameZH || ag.NameEN == w.staff[i].nameZH {
				w.staff[i].nameZH, w.staff[i].nameEN = ag.NameZH, ag.NameEN
			}
		}
	}
	rows, err = db.Query(ctx, `SELECT id, serves_vip FROM teams ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var vip bool
		if err := rows.Scan(&id, &vip); err != nil {
			rows.Close()
			return nil, err
		}
		w.teamIDs = append(w.teamIDs, id)
		if vip && w.vipTeam == 0 {
			w.vipTeam = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(w.teamIDs) > 0 && w.vipTeam == 0 {
		w.vipTeam = w.teamIDs[len(w.teamIDs)-1]
	}

	// Daily sequences already used by earlier --scale runs (16-character numbers).
	w.seqs = map[string]int{}
	rows, err = db.Query(ctx, `SELECT substr(number, 3, 8), MAX(substr(number, 11, 6)) FROM orders WHERE length(number) = 16 GROUP BY substr(number, 3, 8)`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var day, seq string
		if err := rows.Scan(&day, &seq); err != nil {
			rows.Close()
			return nil, err
		}
		w.seqs[day], _ = strconv.Atoi(seq)
	}
	rows.Close()
	w.nums = newNumberer(6)
	for d, s := range w.seqs { // map order is irrelevant: each day is set independently
		w.nums.next[d] = s
	}

	w.dayStarts, weights = dayWeights(now, int(orderWindow/(24*time.Hour)))
	w.days, w.hours = newTable(weights), newTable(hourWeights)
	if len(w.skus) > 0 {
		w.orders = &orderMaker{skus: w.skus, popular: popularity(w.r, w.skus, set), freeShip: tierFreeShipping(set.Tiers),
			logistics: newLogisticsMaker(set, now), now: now, methodsTbl: newTable(paymentWeights)}
	}
	w.situations = set.Situations
	for _, m := range set.Messages {
		k := m.Situation + "|" + m.Lang + "|" + m.Role + "|" + m.Stage
		w.templates[k] = append(w.templates[k], m)
		w.anyTmpl[m.Lang+"|"+m.Role] = append(w.anyTmpl[m.Lang+"|"+m.Role], m)
	}
	for _, a := range set.Articles {
		w.articles[a.Lang+"|"+a.Category] = append(w.articles[a.Lang+"|"+a.Category], a)
	}
	return w, nil
}

// placed draws an order time in the window.
func (w *world) placed() time.Time {
	earliest := w.now.Add(-orderWindow)
	for {
		d := w.dayStarts[w.days.draw(w.r)]
		t := d.Add(time.Duration(w.hours.draw(w.r))*time.Hour + time.Duration(w.r.IntN(3600))*time.Second)
		if !t.After(w.now) && !t.Before(earliest) {
			return t.UTC()
		}
	}
}

// orderRef is what conversations and tickets need of a synthetic order.
type orderRef struct {
	id       int64
	number   string
	buyer    int32
	placed   time.Time
	title    string
	amount   int64
	tracking string
	carrier  string // index into set.Carriers, as the carrier code
	city     string
	cityEN   string
}

// orderChunk is one transaction's worth of synthetic orders.
type orderChunk struct {
	offset  int
	plans   []*orderPlan
	buyers  []int32
	shipped int
}

func (w *world) scaleOrders(ctx context.Context, a *app.App, n int, opts Options) ([]orderRef, int64, error) {
	refs := make([]orderRef, n)
	pr := newProgress(opts.Progress, "orders", n)
	gen := func(i int) (orderChunk, error) {
		c := orderChunk{offset: i * scaleChunk}
		k := min(scaleChunk, n-c.offset)
		for j := 0; j < k; j++ {
			placed := w.placed()
			bi := w.buyerTbl.draw(w.r)
			for try := 0; try < 10 && !w.buyers[bi].created.Before(placed); try++ {
				bi = w.buyerTbl.draw(w.r)
			}
			b := *w.buyers[bi]
			// Synthetic parcels go to a synthetic address: the real ones stay sealed.
			b.addrs = []address{makeAddress(w.r, pick(w.r, w.places), b.name, pick(w.r, w.set.Names.MobilePrefix)+w.r.digits(8), b.lang)}
			o := w.orders.makeOrderWith(w.r, w.r, &b, placed.Truncate(time.Second), randomTimeline(w.r))
			o.number = w.nums.number(o.placed)
			c.plans = append(c.plans, o)
			c.buyers = append(c.buyers, int32(bi))
			if o.shipment != nil {
				c.shipped++
			}
		}
		if len(w.orders.logistics.used) > 2_000_000 {
			w.orders.logistics.used = map[string]bool{} // bound memory; 13 random digits rarely repeat
		}
		return c, nil
	}
	write := func(ctx context.Context, tx *store.Tx, c orderChunk) (int64, error) {
		orderIDs, err := reserveIDs(ctx, tx, "orders", len(c.plans))
		if err != nil {
			return 0, err
		}
		shipIDs, err := reserveIDs(ctx, tx, "shipments", c.shipped)
		if err != nil {
			return 0, err
		}
		oi := newInserter(tx, "orders", "id", "number", "customer_id", "status", "payment_status", "payment_method", "items_cents", "shipping_cents",
			"discount_cents", "total_cents", "refunded_cents", "coupon_code", "recipient_enc", "ship_phone_enc", "ship_line_enc", "ship_province",
			"ship_city", "ship_district", "placed_at", "paid_at", "shipped_at", "delivered_at", "completed_at", "cancelled_at", "updated_at")
		ii := newInserter(tx, "order_items", "order_id", "product_id", "sku", "title", "qty", "unit_price_cents", "total_cents", "refunded_qty").after(oi)
		si := newInserter(tx, "shipments", "id", "order_id", "direction", "carrier", "carrier_name", "tracking_number", "status", "shipped_at", "delivered_at", "updated_at").after(oi)
		ei := newInserter(tx, "shipment_events", "shipment_id", "at", "status", "location", "description_zh", "description_en").after(si)
		s := 0
		for i, o := range c.plans {
			id := orderIDs[i]
			method := o.method
			if o.res.paid == nil {
				method = ""
			}
			if err := oi.add(ctx, id, o.number, o.buyer.id, o.res.status, o.res.paymentStatus, method, o.itemsTotal(), o.shipping,
				o.discount, o.total(), o.refunded, o.coupon, a.PII.Seal(o.ship.recipient), a.PII.Seal(o.ship.phone), a.PII.Seal(o.ship.line),
				o.ship.at.prov.NameZH, o.ship.at.city.NameZH, o.ship.district.ZH, o.placed, o.res.paid, o.res.shipped, o.res.delivered,
				o.res.completed, o.res.cancelled, o.res.updated); err != nil {
				return 0, err
			}
			for _, it := range o.items {
				refunded := 0
				if it.ref.sku == o.refundSKU {
					refunded = 1
				}
				if err := ii.add(ctx, id, it.ref.productID, it.ref.sku, it.title, it.qty, it.unit, int64(it.qty)*it.unit, refunded); err != nil {
					return 0, err
				}
			}
			ref := orderRef{id: id, number: o.number, buyer: c.buyers[i], placed: o.placed, title: o.items[0].title, amount: o.total(),
				city: o.ship.at.zhShort(), cityEN: o.ship.at.city.NameEN}
			if sp := o.shipment; sp != nil {
				sid := shipIDs[s]
				s++
				if err := si.add(ctx, sid, id, "outbound", sp.carrier.Code, sp.carrier.NameZH, sp.tracking, sp.status, o.res.shipped, o.res.delivered, o.res.updated); err != nil {
					return 0, err
				}
				for _, e := range sp.events {
					if err := ei.add(ctx, sid, e.At, e.Status, e.Location, e.DescriptionZH, e.DescriptionEN); err != nil {
						return 0, err
					}
				}
				ref.tracking, ref.carrier = sp.tracking, sp.carrier.Code
			}
			refs[c.offset+i] = ref // chunks own disjoint ranges, so parallel writers never overlap
		}
		var written int64
		for _, in := range []*inserter{oi, ii, si, ei} {
			if err := in.flush(ctx); err != nil {
				return 0, err
			}
			written += in.written
		}
		return written, nil
	}
	rows, err := writeChunks(ctx, a.DB, chunks(n), gen, write, func(c orderChunk, rows int64) { pr.add(len(c.plans), rows) })
	if err != nil {
		return nil, rows, err
	}
	pr.finish()
	return refs, rows, nil
}

// chunks is how many chunks n records make.
func chunks(n int) int { return (n + scaleChunk - 1) / scaleChunk }

// convRef is what a ticket needs of its conversation.
type convRef struct {
	id        int64
	buyer     int32
	orderID   int64 // 0 for none
	situation int32
	created   time.Time
	lastAt    time.Time
	assignee  int64
	teamID    int64
	handoff   bool
	opening   string
}

// shopName fills {shop.name} in articles.
var shopName = map[string]string{"zh": "kefu 演示店", "en": "kefu Demo Store"}

// articleCategory is the knowledge-base category a ticket category's answers live in.
var articleCategory = map[ticket.Category]string{
	ticket.CategoryLogistics: "shipping", ticket.CategoryReturn: "returns", ticket.CategoryRefund: "refunds",
	ticket.CategoryExchange: "exchanges", ticket.CategoryQuality: "after_sales", ticket.CategoryMissingItem: "after_sales",
	ticket.CategoryRepair: "warranty", ticket.CategoryPayment: "payments", ticket.CategoryInvoice: "invoices",
	ticket.CategoryAccount: "accounts", ticket.CategoryComplaint: "after_sales", ticket.CategoryOther: "orders",
}

// message picks a template for a role and stage, falling back to any stage of the situation,
// then to any template of the language.
func (w *world) message(sit, lang, role, stage string) (content.Message, bool) {
	for _, k := range []string{sit + "|" + lang + "|" + role + "|" + stage} {
		if ts := w.templates[k]; len(ts) > 0 {
			return pick(w.r, ts), true
		}
	}
	for _, st := range []string{"opening", "followup", "closing"} {
		if ts := w.templates[sit+"|"+lang+"|"+role+"|"+st]; len(ts) > 0 {
			return pick(w.r, ts), true
		}
	}
	if ts := w.anyTmpl[lang+"|"+role]; len(ts) > 0 {
		return pick(w.r, ts), true
	}
	return content.Message{}, false
}

// botReply answers from the knowledge base: the title and first paragraph of an article.
func (w *world) botReply(cat ticket.Category, lang, orderNumber, name string) string {
	arts := w.articles[lang+"|"+articleCategory[cat]]
	if len(arts) == 0 {
		return ""
	}
	a := pick(w.r, arts)
	answer := a.Answer
	if i := strings.Index(answer, "\n\n"); i > 0 {
		answer = answer[:i]
	}
	if utf8.RuneCountInString(answer) > 300 {
		answer = string([]rune(answer)[:300]) + "…"
	}
	body := a.Title + "\n" + answer
	return fill(body, func(p string) string {
		switch p {
		case "order.number":
			return orderNumber
		case "customer.name":
			return name
		case "shop.name":
			return shopName[lang]
		}
		return "{" + p + "}"
	})
}

func money(c int64) string { return fmt.Sprintf("¥%d.%02d", c/100, c%100) }

// convPlan is a generated conversation: its row and messages without ids yet.
type convPlan struct {
	ref  convRef
	row  []any   // conversations columns after id
	msgs [][]any // messages columns after conversation_id
}

type convChunk struct {
	offset int
	convs  []convPlan
}

func (w *world) scaleConversations(ctx context.Context, db *store.DB, orders []orderRef, n int, opts Options) ([]convRef, int64, int64, error) {
	if len(w.situations) == 0 || len(w.set.Messages) == 0 {
		return nil, 0, 0, errors.New("the demo content has no conversation templates yet")
	}
	carriers := map[string]content.Carrier{}
	for _, c := range w.set.Carriers {
		carriers[c.Code] = c
	}
	convs := make([]convRef, n)
	pr := newProgress(opts.Progress, "conversations", n)
	var msgCount int64
	msgs := &msgCount
	channels, channelW := []string{"web", "app", "api", "email", "phone"}, []float64{50, 35, 5, 6, 4}
	roles := []string{"customer", "bot", "customer", "agent", "customer", "agent"}
	gen := func(ci int) (convChunk, error) {
		ch := convChunk{offset: ci * scaleChunk}
		k := min(scaleChunk, n-ch.offset)
		for i := 0; i < k; i++ {
			c := convRef{situation: int32(w.r.IntN(len(w.situations)))}
			var o *orderRef
			if len(orders) > 0 && w.r.chance(0.85) {
				o = &orders[w.r.IntN(len(orders))]
				c.orderID = o.id
				c.buyer = o.buyer
				c.created = o.placed.Add(w.r.span(10*time.Minute, 20*24*time.Hour))
			} else {
				c.buyer = int32(w.buyerTbl.draw(w.r))
				c.created = w.placed()
			}
			if c.created.After(w.now) {
				c.created = w.now.Add(-w.r.span(time.Minute, 6*time.Hour))
			}
			c.created = c.created.Truncate(time.Second)
			b := w.buyers[c.buyer]
			sit := w.situations[c.situation]
			cat := ticket.Classify(sit.Intent)
			lang := b.lang
			if b.tier == "vip" {
				c.teamID = w.vipTeam
			} else {
				c.teamID = w.teamIDs[w.r.IntN(len(w.teamIDs))]
			}
			agent := w.staff[w.r.IntN(len(w.staff))]
			for tries := 0; tries < 6 && agent.teamID != c.teamID; tries++ {
				agent = w.staff[w.r.IntN(len(w.staff))]
			}
			vals := map[string]string{"name": b.name, "agent": agent.nameZH, "size": pick(w.r, []string{"S", "M", "L", "XL", "38", "40", "42"}),
				"color": pick(w.r, []string{"黑色", "白色", "灰色", "蓝色"}), "days": strconv.Itoa(w.r.between(1, 7)),
				"coupon": coupons[w.r.IntN(len(coupons))].Code}
			if lang == "en" {
				vals["agent"], vals["color"] = agent.nameEN, pick(w.r, []string{"Black", "White", "Grey", "Blue"})
			}
			if o != nil {
				vals["order"], vals["product"], vals["amount"], vals["tracking"] = o.number, o.title, money(o.amount), o.tracking
				vals["city"], vals["carrier"] = o.city, carriers[o.carrier].NameZH
				vals["date"] = o.placed.In(shanghai).Format("1月2日")
				if lang == "en" {
					vals["city"], vals["carrier"], vals["date"] = o.cityEN, carriers[o.carrier].NameEN, o.placed.In(shanghai).Format("Jan 2")
				}
			}
			get := func(p string) string { return vals[p] }
			nMsg := w.r.between(2, 6)
			at := c.created
			var pending [][]any // the messages, written after their conversation
			agentSpoke := false
			for m := 0; m < nMsg; m++ {
				role := roles[m]
				stage := "followup"
				switch {
				case m == 0:
					stage = "opening"
				case m == nMsg-1 || (role == "customer" && m == nMsg-2):
					stage = "closing"
				case role == "agent" && !agentSpoke:
					stage = "opening"
				}
				var body, intent string
				var sender any
				switch role {
				case "bot":
					body = w.botReply(cat, lang, vals["order"], b.name)
				default:
					t, ok := w.message(sit.Key, lang, role, stage)
					if !ok {
						continue
					}
					body = fill(t.Text, get)
					if role == "customer" {
						sender, intent = b.id, sit.Intent
						if m == 0 {
							c.opening = body
						}
					} else {
						sender, agentSpoke = agent.id, true
					}
				}
				if body == "" {
					continue
				}
				if m > 0 {
					at = at.Add(w.r.span(5*time.Second, 8*time.Minute))
				}
				pending = append(pending, []any{role, sender, body, intent, lang, at})
			}
			c.lastAt = at
			status, handled := "closed", "bot"
			var assignee, team, closed any
			if agentSpoke {
				handled, c.handoff, c.assignee = "agent", true, agent.id
				assignee, team = agent.id, c.teamID
			}
			switch age := w.now.Sub(at); {
			case age < 30*time.Minute:
				status = "open"
			case age < 2*time.Hour:
				status = "waiting"
			default:
				closed = at.Add(w.r.span(time.Minute, time.Hour))
			}
			if closed != nil && closed.(time.Time).After(w.now) {
				closed, status = nil, "waiting"
			}
			subject := sit.NameZH
			if lang == "en" {
				subject = sit.NameEN
			}
			ch.convs = append(ch.convs, convPlan{ref: c, msgs: pending,
				row: []any{b.id, channels[w.r.weighted(channelW)], status, handled, assignee, team, subject, lang, c.created, at, at, closed}})
			*msgs += int64(len(pending))
		}
		return ch, nil
	}
	write := func(ctx context.Context, tx *store.Tx, ch convChunk) (int64, error) {
		ids, err := reserveIDs(ctx, tx, "conversations", len(ch.convs))
		if err != nil {
			return 0, err
		}
		ci := newInserter(tx, "conversations", "id", "customer_id", "channel", "status", "handled_by", "assignee_id", "team_id", "subject", "lang",
			"created_at", "updated_at", "last_message_at", "closed_at")
		mi := newInserter(tx, "messages", "conversation_id", "sender_kind", "sender_id", "body", "intent", "lang", "created_at").after(ci)
		for i, c := range ch.convs {
			id := ids[i]
			if err := ci.add(ctx, append([]any{id}, c.row...)...); err != nil {
				return 0, err
			}
			for _, m := range c.msgs {
				if err := mi.add(ctx, append([]any{id}, m...)...); err != nil {
					return 0, err
				}
			}
			ref := c.ref
			ref.id = id
			convs[ch.offset+i] = ref
		}
		for _, in := range []*inserter{ci, mi} {
			if err := in.flush(ctx); err != nil {
				return 0, err
			}
		}
		return ci.written + mi.written, nil
	}
	rows, err := writeChunks(ctx, db, chunks(n), gen, write, func(c convChunk, rows int64) { pr.add(len(c.convs), rows) })
	if err != nil {
		return nil, rows, msgCount, err
	}
	pr.finish()
	return convs, rows, msgCount, nil
}

// afterSales are the ticket categories the after-sales (VIP) team handles.
var afterSales = map[ticket.Category]bool{ticket.CategoryReturn: true, ticket.CategoryRefund: true, ticket.CategoryExchange: true,
	ticket.CategoryQuality: true, ticket.CategoryMissingItem: true, ticket.CategoryRepair: true, ticket.CategoryComplaint: true, ticket.CategoryInvoice: true}

func ticketType(c ticket.Category) string {
	switch {
	case c == ticket.CategoryComplaint:
		return "complaint"
	case afterSales[c] && c != ticket.CategoryInvoice:
		return "after_sales"
	case c == ticket.CategoryOther:
		return "question"
	}
	return "problem"
}

// ticketPlan is a generated ticket: its row and events without ids yet.
type ticketPlan struct {
	row    []any   // tickets columns after id
	events [][]any // ticket_events columns after ticket_id
	sla    []any   // ticket_sla columns after ticket_id
}

// storedSLA is the ticket_sla.clocks JSON the ticket service reads.
type storedSLA struct {
	Clocks        sla.Targets `json:"clocks"`
	WarnAtPercent int         `json:"warn_at_percent"`
	OnBreach      []string    `json:"on_breach,omitempty"`
}

// slaClocks runs a ticket's SLA clocks through the sla package as the ticket service would
// (stop on first response and resolution, pause while pending), on a 24×7 schedule, and
// returns the ticket_sla columns after ticket_id.
func (w *world) slaClocks(p sla.Policy, created time.Time, responded, paused, resolved *time.Time, updated time.Time) []any {
	t := p.Start(created)
	if responded != nil {
		t.FirstResponse = t.FirstResponse.Stop(*responded)
	}
	if paused != nil {
		t.Resolution, _ = t.Resolution.Pause(*paused)
	}
	if resolved != nil {
		t.FirstResponse = t.FirstResponse.Stop(*resolved)
		t.Resolution = t.Resolution.Stop(*resolved)
	}
	h := sla.AlwaysOpen()
	due := p.Due(t, h)
	var frWarn, resWarn any
	if !due.FirstResponseWarn.IsZero() {
		frWarn = due.FirstResponseWarn
	}
	if !due.ResolutionWarn.IsZero() {
		resWarn = due.ResolutionWarn
	}
	return []any{p.Name, toJSON(storedSLA{Clocks: t, WarnAtPercent: p.WarnAtPercent, OnBreach: p.OnBreach}), frWarn, resWarn,
		string(t.FirstResponse.StateAt(w.now, p.WarnBefore(time.Duration(p.FirstResponse)), h)),
		string(t.Resolution.StateAt(w.now, p.WarnBefore(time.Duration(p.Resolution)), h)), updated}
}

// slaRiskAt is tickets.sla_risk_at for a ticket_sla row from slaClocks: the earliest warning
// instant of a clock still running, as the ticket service stores it (nil when none runs).
func slaRiskAt(slaRow []any) any {
	var at any
	for _, c := range [][2]int{{2, 4}, {3, 5}} { // (warn_at, state) of first response, resolution
		warn, ok := slaRow[c[0]].(time.Time)
		switch sla.State(slaRow[c[1]].(string)) {
		case sla.StateRunning, sla.StateWarning, sla.StateBreached:
			if ok && (at == nil || warn.Before(at.(time.Time))) {
				at = warn
			}
		}
	}
	return at
}

type ticketChunk struct {
	offset  int
	tickets []ticketPlan
}

func (w *world) scaleTickets(ctx context.Context, db *store.DB, convs []convRef, opts Options) (int64, error) {
	pr := newProgress(opts.Progress, "tickets", len(convs))
	priorities, prioW := []string{"urgent", "high", "normal", "low"}, []float64{4, 16, 60, 20}
	otherTeam := w.teamIDs[0]
	if otherTeam == w.vipTeam && len(w.teamIDs) > 1 {
		otherTeam = w.teamIDs[1]
	}
	gen := func(ci int) (ticketChunk, error) {
		ch := ticketChunk{offset: ci * scaleChunk}
		k := min(scaleChunk, len(convs)-ch.offset)
		for i := 0; i < k; i++ {
			c := convs[ch.offset+i]
			b := w.buyers[c.buyer]
			sit := w.situations[c.situation]
			cat := ticket.Classify(sit.Intent)
			prio := priorities[w.r.weighted(prioW)]
			if (b.tier == "vip" || cat == ticket.CategoryComplaint) && prio != "urgent" && w.r.chance(0.5) {
				prio = priorities[indexOf(priorities, prio)-1]
			}
			created := c.lastAt
			age := w.now.Sub(created)
			var status string
			switch {
			case age > 7*24*time.Hour:
				status = []string{"closed", "closed", "closed", "resolved", "pending"}[w.r.IntN(5)]
			case age > 24*time.Hour:
				status = []string{"resolved", "resolved", "closed", "pending", "open", "on_hold"}[w.r.IntN(6)]
			default:
				status = []string{"new", "new", "open", "open", "pending", "on_hold"}[w.r.IntN(6)]
			}
			team := otherTeam
			if b.tier == "vip" || afterSales[cat] {
				team = w.vipTeam
			}
			var assignee any
			if status != "new" {
				if c.assignee != 0 {
					assignee = c.assignee
				} else {
					a := w.staff[w.r.IntN(len(w.staff))]
					for tries := 0; tries < 6 && a.teamID != team; tries++ {
						a = w.staff[w.r.IntN(len(w.staff))]
					}
					assignee = a.id
				}
			}
			policy, err := w.policies.Lookup(prio, b.tier)
			if err != nil {
				return ch, err
			}
			// Deadlines on the wall clock: synthetic data, not the business-hours engine.
			fr, res := time.Duration(policy.FirstResponse), time.Duration(policy.Resolution)
			frDue, resDue := created.Add(fr), created.Add(res)
			var responded, resolved, closed *time.Time
			updated := created
			if status != "new" {
				t := created.Add(time.Duration(float64(fr) * (0.05 + 1.3*w.r.Float64()))).Truncate(time.Second)
				if t.After(w.now) {
					t = w.now
				}
				responded, updated = &t, t
			}
			if status == "resolved" || status == "closed" {
				t := created.Add(time.Duration(float64(res) * (0.1 + 1.2*w.r.Float64()))).Truncate(time.Second)
				if t.Before(*responded) {
					t = responded.Add(time.Minute)
				}
				if t.After(w.now) {
					t = w.now
				}
				resolved, updated = &t, t
				if status == "closed" {
					ct := t.Add(w.r.span(24*time.Hour, 72*time.Hour))
					if ct.After(w.now) {
						status = "resolved"
					} else {
						closed, updated = &ct, ct
					}
				}
			}
			// Waiting on the customer (pending) or a third party (on hold) pauses the SLA clock.
			var paused *time.Time
			if status == "pending" || status == "on_hold" {
				paused = responded
			}
			breached := (responded != nil && responded.After(frDue)) || (resolved != nil && resolved.After(resDue)) ||
				(resolved == nil && w.now.After(resDue))
			slaRow := w.slaClocks(policy, created, responded, paused, resolved, updated)
			riskAt := slaRiskAt(slaRow)
			source := "agent"
			if c.handoff {
				source = "bot_handoff"
			} else if w.r.chance(0.3) {
				source = pick(w.r, []string{"email", "api"})
			}
			subject := cat.Label(b.lang) + " · " + sit.NameZH
			if b.lang == "en" {
				subject = cat.Label("en") + " · " + sit.NameEN
			}
			var orderID any
			if c.orderID != 0 {
				orderID = c.orderID
			}
			summary := toJSON(map[string]string{"intent": sit.Intent, "situation": sit.Key, "lang": b.lang})
			tp := ticketPlan{sla: slaRow, row: []any{subject, c.opening, ticketType(cat), source, string(cat), prio, status, b.id, orderID,
				c.id, assignee, team, `["synthetic"]`, summary, frDue, resDue, responded, paused, breached, riskAt, created, updated, resolved, closed}}
			actor := "system"
			if source == "bot_handoff" {
				actor = "bot"
			}
			tp.events = append(tp.events, []any{created, actor, nil, "created", "", "", "new"})
			if resolved != nil {
				tp.events = append(tp.events, []any{*resolved, "user", assignee, "status", "status", "open", "resolved"})
			}
			ch.tickets = append(ch.tickets, tp)
		}
		return ch, nil
	}
	write := func(ctx context.Context, tx *store.Tx, ch ticketChunk) (int64, error) {
		ids, err := reserveIDs(ctx, tx, "tickets", len(ch.tickets))
		if err != nil {
			return 0, err
		}
		ti := newInserter(tx, "tickets", "id", "subject", "description", "type", "source", "category", "priority", "status", "customer_id", "order_id",
			"conversation_id", "assignee_id", "team_id", "tags", "summary", "first_response_due_at", "resolution_due_at", "first_responded_at",
			"sla_paused_at", "sla_breached", "sla_risk_at", "created_at", "updated_at", "resolved_at", "closed_at")
		ei := newInserter(tx, "ticket_events", "ticket_id", "at", "actor_kind", "actor_id", "kind", "field", "before_value", "after_value").after(ti)
		si := newInserter(tx, "ticket_sla", "ticket_id", "policy", "clocks", "first_response_warn_at", "resolution_warn_at",
			"first_response_state", "resolution_state", "updated_at").after(ti)
		for i, t := range ch.tickets {
			if err := ti.add(ctx, append([]any{ids[i]}, t.row...)...); err != nil {
				return 0, err
			}
			if err := si.add(ctx, append([]any{ids[i]}, t.sla...)...); err != nil {
				return 0, err
			}
			for _, e := range t.events {
				if err := ei.add(ctx, append([]any{ids[i]}, e...)...); err != nil {
					return 0, err
				}
			}
		}
		for _, in := range []*inserter{ti, ei, si} {
			if err := in.flush(ctx); err != nil {
				return 0, err
			}
		}
		return ti.written + ei.written + si.written, nil
	}
	rows, err := writeChunks(ctx, db, chunks(len(convs)), gen, write, func(c ticketChunk, rows int64) { pr.add(len(c.tickets), rows) })
	if err != nil {
		return rows, err
	}
	pr.finish()
	return rows, nil
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}
