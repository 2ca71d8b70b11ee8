package recordsearch

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"kefu/internal/pii"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// BenchmarkSearchAtScale measures agents' search latency on a database filled by
//
//	kefu demo --scale 250000   (≈ 1,000,000 messages, 250,000 conversations and tickets)
//
// named by KEFU_SEARCH_BENCH_URL (KEFU_SECRET_KEY: the key that database was filled with,
// for phone hashes). It migrates the database, runs the catch-up sweep to the end (reporting
// its rate: this is the upgrade path of an existing installation), then runs a fixed set of
// realistic queries — Chinese and English words and phrases, order numbers, phone numbers,
// customer and date filters — several times each, and reports p50/p95/p99 in ms. One b.N
// iteration is one pass over the query set: run with -benchtime=1x.
func BenchmarkSearchAtScale(b *testing.B) {
	dbURL := os.Getenv("KEFU_SEARCH_BENCH_URL")
	if dbURL == "" {
		b.Skip("KEFU_SEARCH_BENCH_URL not set (a database filled by kefu demo --scale)")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var msgs, pending int64
	db.QueryRow(ctx, `SELECT COUNT(*) FROM messages`).Scan(&msgs)
	db.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE NOT search_indexed`).Scan(&pending)
	start := time.Now()
	total := 0
	for {
		n, err := Sync(ctx, db, 100_000)
		if err != nil {
			b.Fatal(err)
		}
		total += n
		if n > 0 {
			b.Logf("catch-up: %d records indexed, %.0f/s", total, float64(total)/time.Since(start).Seconds())
		}
		if n < 100_000 {
			break
		}
	}
	if total > 0 && db.Dialect() == store.Postgres {
		if _, err := db.Exec(ctx, `VACUUM ANALYZE search_terms`); err != nil {
			b.Fatal(err)
		}
		for _, t := range []string{"messages", "conversations", "tickets"} {
			db.Exec(ctx, `ANALYZE `+t)
		}
	}
	var postings int64
	db.QueryRow(ctx, `SELECT COUNT(*) FROM search_terms`).Scan(&postings)
	b.Logf("%d messages (%d were waiting), catch-up of %d records took %s; %d postings", msgs, pending, total, time.Since(start).Round(time.Second), postings)

	type query struct {
		group string
		q     Query
	}
	var qs []query
	for _, t := range []string{"退款", "申请退款", "发货", "快递", "发票", "优惠券", "退货", "地址", "尺码", "换货", "积分", "验证码",
		"什么时候发货", "快递显示拒收", "预售定金", "补差价", "红字发票", "审核", "质量问题", "七天无理由"} {
		qs = append(qs, query{"zh", Query{Text: t}})
	}
	for _, t := range []string{"refund", "invoice", "shipping", "coupon", "password", "warranty", "where is my order", "tracking number",
		"return label", "exchange size", "awaiting shipment", "genuine", "cancel order", "damaged", "points"} {
		qs = append(qs, query{"en", Query{Text: t}})
	}
	rows, err := db.Query(ctx, `SELECT number, customer_id FROM orders WHERE length(number) = 16 ORDER BY id LIMIT 4000`)
	if err != nil {
		b.Fatal(err)
	}
	var numbers []string
	var customers []int64
	for rows.Next() {
		var n string
		var c int64
		rows.Scan(&n, &c)
		numbers, customers = append(numbers, n), append(customers, c)
	}
	rows.Close()
	for i := 0; i < len(numbers) && i < 4000; i += 400 { // 10 orders: their number as text, and as the order filter
		qs = append(qs, query{"order-text", Query{Text: numbers[i]}}, query{"order", Query{OrderNumber: numbers[i]}})
		qs = append(qs, query{"customer+text", Query{Text: "退款", CustomerID: customers[i]}})
	}
	from := time.Now().AddDate(0, -1, 0)
	qs = append(qs, query{"date", Query{Text: "退款", From: &from}}, query{"date", Query{Text: "refund", From: &from}})
	svc := &Service{DB: db}
	if key := os.Getenv("KEFU_SECRET_KEY"); key != "" {
		secret, err := hex.DecodeString(key)
		if err != nil {
			secret = []byte(key)
		}
		box, err := pii.New(secret)
		if err != nil {
			b.Fatal(err)
		}
		svc.HashPhone = func(p string) string { return box.Hash("phone", p) }
		// A few customers' phones, opened one by one to have realistic queries (the search
		// itself only ever compares keyed hashes).
		rows, err := db.Query(ctx, `SELECT phone_enc FROM customers WHERE phone_enc IS NOT NULL ORDER BY id LIMIT 10`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var sealed []byte
			rows.Scan(&sealed)
			if p, err := box.Open(sealed); err == nil {
				qs = append(qs, query{"phone", Query{Phone: p}}, query{"phone+text", Query{Phone: p, Text: "发货"}})
			}
		}
		rows.Close()
	}

	lat := map[string][]time.Duration{}
	var all []time.Duration
	hits := map[string]int{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for round := 0; round < 5; round++ {
			for _, q := range qs {
				t0 := time.Now()
				page, err := svc.Search(ctx, q.q)
				d := time.Since(t0)
				if err != nil {
					b.Fatalf("%+v: %v", q.q, err)
				}
				lat[q.group] = append(lat[q.group], d)
				all = append(all, d)
				hits[q.group] += len(page.Items)
			}
		}
	}
	b.StopTimer()
	groups := make([]string, 0, len(lat))
	for g := range lat {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		b.Logf("%-14s n=%4d p50=%6.1fms p95=%6.1fms max=%6.1fms hits/query=%.1f", g, len(lat[g]), ms(pct(lat[g], 50)), ms(pct(lat[g], 95)), ms(pct(lat[g], 100)),
			float64(hits[g])/float64(len(lat[g])))
	}
	b.ReportMetric(ms(pct(all, 50)), "p50-ms")
	b.ReportMetric(ms(pct(all, 95)), "p95-ms")
	b.ReportMetric(ms(pct(all, 99)), "p99-ms")
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[min(i, len(s))-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkMessageInsert is the cost index maintenance adds to storing a message: the same
// INSERT message.go runs, in a transaction, without and with IndexMessage, on typical
// demo-length bodies (Chinese, English, mixed).
func BenchmarkMessageInsert(b *testing.B) {
	bodies := []string{
		"付款很久了还没发货，能催一下吗？",
		"My order has been \"awaiting shipment\" forever, what's happening?",
		"订单 KF20261013000399 申请退款流程走到哪一步了？快递显示拒收，我没有拒收",
		"What happens to my invoice when I return something? E-invoices do not need to be sent back.",
	}
	for _, engine := range storetest.Engines() {
		for _, indexed := range []bool{false, true} {
			name := fmt.Sprintf("%s/indexed=%v", engine, indexed)
			b.Run(name, func(b *testing.B) {
				db := storetest.OpenEngine(b, engine)
				ctx := context.Background()
				now := time.Now().UTC()
				conv, err := store.InsertID(ctx, db, `INSERT INTO conversations (lang, created_at, updated_at) VALUES ('zh', ?, ?) RETURNING id`, now, now)
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					body := bodies[i%len(bodies)]
					err := db.Tx(ctx, func(tx *store.Tx) error {
						var id int64
						if err := tx.QueryRow(ctx, `INSERT INTO messages (conversation_id, sender_kind, body, created_at, search_indexed) VALUES (?, 'customer', ?, ?, ?) RETURNING id`,
							conv, body, now, indexed).Scan(&id); err != nil {
							return err
						}
						if indexed {
							return IndexMessage(ctx, tx, id, body)
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
