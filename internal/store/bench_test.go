package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// Storage throughput of the two hottest tables, on every configured engine:
//
//	go test ./internal/store -run '^$' -bench . -benchtime 2000x
//
// with KEFU_TEST_POSTGRES_URL set to include PostgreSQL. The statements mirror what the
// conversation and ticket services run: an insert plus its parent's update in one transaction,
// and the indexed page queries agents' inboxes issue.

func seedConversation(b *testing.B, db *store.DB) int64 {
	ctx := context.Background()
	now := time.Now()
	id, err := store.InsertID(ctx, db, `INSERT INTO conversations (channel, status, handled_by, lang, created_at, updated_at) VALUES ('web', 'open', 'bot', 'zh', ?, ?) RETURNING id`, now, now)
	if err != nil {
		b.Fatal(err)
	}
	return id
}

func insertMessage(ctx context.Context, db *store.DB, conv int64, i int) error {
	return db.Tx(ctx, func(tx *store.Tx) error {
		now := time.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO messages (conversation_id, sender_kind, content_type, body, lang, client_msg_id, created_at) VALUES (?, 'customer', 'text', ?, 'zh', ?, ?)`,
			conv, fmt.Sprintf("我的快递到哪了 %d", i), fmt.Sprintf("c-%d", i), now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE conversations SET last_message_at = ?, updated_at = ? WHERE id = ?`, now, now, conv)
		return err
	})
}

func BenchmarkMessageInsert(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := storetest.OpenEngine(b, engine)
			conv := seedConversation(b, db)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := insertMessage(ctx, db, conv, i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

func BenchmarkMessageList(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := storetest.OpenEngine(b, engine)
			ctx := context.Background()
			conv := seedConversation(b, db)
			for i := 0; i < 2000; i++ {
				if err := insertMessage(ctx, db, conv, i); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A reconnecting client resumes after the last id it saw: one page of 50.
				rows, err := db.Query(ctx, `SELECT id, sender_kind, body, created_at FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT 50`, conv, (i*37)%1950)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					var id int64
					var kind, body string
					var at time.Time
					if err := rows.Scan(&id, &kind, &body, &at); err != nil {
						b.Fatal(err)
					}
					n++
				}
				rows.Close()
				if n != 50 {
					b.Fatalf("page has %d rows", n)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

var benchPriorities = []string{"urgent", "high", "normal", "low"}
var benchStatuses = []string{"new", "open", "pending", "resolved"}

func insertTicket(ctx context.Context, db *store.DB, i int) error {
	return db.Tx(ctx, func(tx *store.Tx) error {
		now := time.Now()
		id, err := store.InsertID(ctx, tx, `INSERT INTO tickets (subject, type, source, category, priority, status, first_response_due_at, resolution_due_at, created_at, updated_at)
			VALUES (?, 'problem', 'bot_handoff', 'logistics', ?, ?, ?, ?, ?, ?) RETURNING id`,
			fmt.Sprintf("物流查询 %d", i), benchPriorities[(i/4)%4], benchStatuses[i%4], now.Add(time.Hour), now.Add(24*time.Hour), now, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO ticket_events (ticket_id, at, actor_kind, kind, after_value) VALUES (?, ?, 'system', 'created', 'new')`, id, now)
		return err
	})
}

func BenchmarkTicketInsert(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := storetest.OpenEngine(b, engine)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := insertTicket(ctx, db, i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
		})
	}
}

func BenchmarkTicketList(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := storetest.OpenEngine(b, engine)
			ctx := context.Background()
			for i := 0; i < 5000; i++ {
				if err := insertTicket(ctx, db, i); err != nil {
					b.Fatal(err)
				}
			}
			page := store.Page{Limit: 50, Sort: "updated_at", Desc: true}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var w store.Where
				w.Add("status = ?", benchStatuses[i%4]).In("priority", []string{"urgent", "high", "normal"})
				rows, err := db.Query(ctx, `SELECT id, subject, priority, status, resolution_due_at FROM tickets`+w.SQL()+page.SQL(), w.Args()...)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					var id int64
					var subject, prio, status string
					var due *time.Time
					if err := rows.Scan(&id, &subject, &prio, &status, &due); err != nil {
						b.Fatal(err)
					}
					n++
				}
				rows.Close()
				if n == 0 {
					b.Fatal("empty page")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
