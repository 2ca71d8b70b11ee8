package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' , ?", "SELECT '?' , $1"},
		{`SELECT "a?" FROM t WHERE x=?`, `SELECT "a?" FROM t WHERE x=$1`},
	}
	for _, c := range cases {
		if got := store.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, bad := range []string{"", "mysql://x", "sqlite://", "data/kefu.db"} {
		if _, _, err := store.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
	if d, _, err := store.ParseURL("postgres://u@h/db"); err != nil || d != store.Postgres {
		t.Errorf("postgres URL: %v %v", d, err)
	}
}

func TestMigrateIsIdempotentAndTxRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, err %v", again, err)
		}
		now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
		// A failing transaction leaves nothing behind.
		boom := errors.New("boom")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`, "k", "v", now); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx error = %v", err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back row visible: n=%d err=%v", n, err)
		}
		// Times come back as the same instant, in UTC, with booleans and blobs intact.
		if _, err := db.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`, "k", "v", now); err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := db.QueryRow(ctx, `SELECT updated_at FROM settings WHERE key = ?`, "k").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(now) {
			t.Fatalf("time round trip: got %v want %v", got, now)
		}
		_, err = db.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`, "k", "v2", now)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate key error not recognised: %v", err)
		}
	})
}

func TestWhereAndPage(t *testing.T) {
	var w store.Where
	if w.SQL() != "" {
		t.Fatal("empty Where should be empty")
	}
	w.Add("status = ?", "open").In("priority", []string{"high", "urgent"})
	if got := w.SQL(); got != " WHERE status = ? AND priority IN (?, ?)" || len(w.Args()) != 3 {
		t.Fatalf("Where = %q %v", got, w.Args())
	}
	p := store.Page{Limit: 50, Offset: 100, Sort: "updated_at", Desc: true}
	if got := p.SQL(); got != " ORDER BY updated_at DESC, id DESC LIMIT 51 OFFSET 100" {
		t.Fatalf("Page = %q", got)
	}
	p = store.Page{Limit: 10, Sort: "p.price_cents"}
	if got := p.SQL(); got != " ORDER BY p.price_cents ASC, p.id ASC LIMIT 11 OFFSET 0" {
		t.Fatalf("aliased Page = %q", got)
	}
	if got := store.EscapeLike(`50%_\`); got != `50\%\_\\` {
		t.Fatalf("EscapeLike = %q", got)
	}
}
