// Package storetest runs a test against every database kefu supports: always a fresh SQLite
// file, and a fresh PostgreSQL schema when KEFU_TEST_POSTGRES_URL is set (CI always sets it).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"kefu/internal/store"
)

// PostgresURL returns the test PostgreSQL URL, or "" when PostgreSQL tests are off.
func PostgresURL() string { return os.Getenv("KEFU_TEST_POSTGRES_URL") }

// Each runs fn as the subtests "sqlite" and (when configured) "postgres", each on a fresh,
// fully migrated database that is removed afterwards.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	if PostgresURL() == "" {
		t.Run("postgres", func(t *testing.T) { t.Skip("KEFU_TEST_POSTGRES_URL not set: PostgreSQL tests skipped") })
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
}

// OpenSQLite opens a fresh migrated SQLite database in a temporary directory.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, "sqlite://"+filepath.Join(t.TempDir(), "kefu.db"))
}

// OpenPostgres opens a fresh migrated PostgreSQL schema; it fails the test when PostgreSQL is not configured.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Fatal("KEFU_TEST_POSTGRES_URL not set")
	}
	schema := "t_" + randomHex(8)
	admin, err := store.Open(context.Background(), base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse KEFU_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return open(t, u.String())
}

// Open opens and migrates the database at url; useful for benchmarks that pick an engine.
func open(t testing.TB, dbURL string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("open %s: %v", dbURL, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Engines lists the engines available to benchmarks: "sqlite" always, "postgres" when configured.
func Engines() []string {
	if PostgresURL() != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// OpenEngine opens a fresh database of the named engine.
func OpenEngine(t testing.TB, engine string) *store.DB {
	if engine == "postgres" {
		return OpenPostgres(t)
	}
	return OpenSQLite(t)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
