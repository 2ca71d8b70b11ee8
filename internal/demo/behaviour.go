package demo

import (
	"context"
	"time"

	"kefu/internal/demo/content"
	"kefu/internal/store"
)

// loadBehaviour writes browsing history: every order line was viewed (and usually carted)
// shortly before purchase, plus browsing and searches that led nowhere, as recommendation and
// marketing features expect. Returns the number of events.
func loadBehaviour(ctx context.Context, tx *store.Tx, r *rng, set *content.Set, custs []*customerPlan, orders []*orderPlan, skus []skuRef, popular *table, now time.Time) (int64, error) {
	ins := newInserter(tx, "behaviour_events", "customer_id", "kind", "product_id", "query", "at")
	for _, o := range orders {
		for _, it := range o.items {
			view := o.placed.Add(-r.span(2*time.Minute, 72*time.Hour))
			if view.Before(o.buyer.created) {
				view = o.placed.Add(-time.Minute)
			}
			if err := ins.add(ctx, o.buyer.id, "view", it.ref.productID, "", view.Truncate(time.Second)); err != nil {
				return 0, err
			}
			if r.chance(0.7) {
				if err := ins.add(ctx, o.buyer.id, "cart", it.ref.productID, "", o.placed.Add(-r.span(30*time.Second, 30*time.Minute)).Truncate(time.Second)); err != nil {
					return 0, err
				}
			}
			if o.res.paid != nil {
				if err := ins.add(ctx, o.buyer.id, "purchase", it.ref.productID, "", o.res.paid.Truncate(time.Second)); err != nil {
					return 0, err
				}
			}
		}
	}
	cats := map[string]content.Category{}
	for _, c := range set.Categories {
		cats[c.Slug] = c
	}
	earliest := now.Add(-orderWindow)
	for _, c := range custs {
		from := earliest
		if c.created.After(from) {
			from = c.created
		}
		window := now.Sub(from)
		if window <= time.Minute {
			continue
		}
		views := r.between(0, int(4+6*c.weight))
		for i := 0; i < views; i++ {
			s := skus[popular.draw(r)]
			at := from.Add(time.Duration(r.Int64N(int64(window)))).Truncate(time.Second)
			if err := ins.add(ctx, c.id, "view", s.productID, "", at); err != nil {
				return 0, err
			}
			if r.chance(0.12) {
				if err := ins.add(ctx, c.id, "cart", s.productID, "", at.Add(r.span(time.Minute, 20*time.Minute))); err != nil {
					return 0, err
				}
			}
		}
		searches := r.between(0, 4)
		for i := 0; i < searches; i++ {
			s := skus[popular.draw(r)]
			var q string
			switch cat := cats[s.category]; {
			case r.chance(0.5) && cat.Slug != "":
				q = cat.NameZH
				if c.lang == "en" {
					q = cat.NameEN
				}
			case c.lang == "en" && s.brandEN != "":
				q = s.brandEN
			default:
				q = s.brandZH
			}
			if q == "" {
				continue
			}
			at := from.Add(time.Duration(r.Int64N(int64(window)))).Truncate(time.Second)
			if err := ins.add(ctx, c.id, "search", nil, q, at); err != nil {
				return 0, err
			}
		}
	}
	if err := ins.flush(ctx); err != nil {
		return 0, err
	}
	// Last seen is the latest thing a customer did.
	lo, hi := custs[0].id, custs[0].id
	for _, c := range custs {
		lo, hi = min(lo, c.id), max(hi, c.id)
	}
	if _, err := tx.Exec(ctx, `UPDATE customers SET last_seen_at = m.at
		FROM (SELECT customer_id, MAX(at) AS at FROM behaviour_events WHERE customer_id BETWEEN ? AND ? GROUP BY customer_id) m
		WHERE customers.id = m.customer_id`, lo, hi); err != nil {
		return 0, err
	}
	return ins.written, nil
}
