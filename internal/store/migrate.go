package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockID is an arbitrary constant for pg_advisory_lock, so several kefu instances
// starting together apply migrations one at a time.
const migrationLockID = 4242_2026

// Migration is one embedded SQL file.
type Migration struct {
	Name string
	SQL  string
}

// Migrations lists the embedded migrations in the order they apply.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Name: strings.TrimSuffix(e.Name(), ".sql"), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ddl replaces the portable type tokens used in migration files.
func (db *DB) ddl(sqlText string) string {
	var r *strings.Replacer
	if db.dialect == Postgres {
		r = strings.NewReplacer("{{ID}}", "BIGSERIAL PRIMARY KEY", "{{TS}}", "TIMESTAMPTZ", "{{BLOB}}", "BYTEA")
	} else {
		r = strings.NewReplacer("{{ID}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{TS}}", "TIMESTAMP", "{{BLOB}}", "BLOB")
	}
	return r.Replace(sqlText)
}

// Migrate applies every embedded migration not yet applied, each in its own transaction,
// and returns the names it applied. Applied migrations are tracked by name, so files are
// append-only: never edit one that has shipped.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	if _, err := db.Exec(ctx, db.ddl(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at {{TS}} NOT NULL)`)); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	if db.dialect == Postgres {
		// A session-level advisory lock needs one connection for lock, work and unlock.
		conn, err := db.SQL.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
			return nil, fmt.Errorf("lock migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockID)
	}
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	rows, err := db.Query(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		applied[n] = true
	}
	rows.Close()
	var done []string
	for _, m := range all {
		if applied[m.Name] {
			continue
		}
		err := db.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, db.ddl(m.SQL)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, m.Name, time.Now())
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		done = append(done, m.Name)
	}
	return done, nil
}
