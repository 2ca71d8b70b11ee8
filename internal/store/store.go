// Package store opens kefu's database (SQLite embedded, or PostgreSQL) and gives every domain
// package one code path for both: queries are written once with `?` placeholders and rebound
// for PostgreSQL here, times are normalised to UTC, and migrations are embedded SQL files.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite" (pure Go, CGO_ENABLED=0)
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what both *DB and *Tx offer, so domain code can run inside or outside a transaction.
type Querier interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB is an open kefu database.
type DB struct {
	SQL     *sql.DB
	dialect Dialect
	rebinds sync.Map // query text -> rebound text (PostgreSQL only)
	// writeMu serialises transactions on SQLite, which has one writer at a time: waiting on a
	// mutex is far cheaper than SQLite's own busy-wait retry loop when two writers collide.
	writeMu sync.Mutex
	// stmts caches prepared statements on SQLite, where preparing a statement costs more than
	// running most of kefu's small queries (pgx already caches them per connection). database/sql
	// prepares a cached *sql.Stmt lazily on each pooled connection and reuses it inside
	// transactions on that connection.
	stmts         sync.Map // query text -> *sql.Stmt
	stmtCount     atomic.Int64
	stmtSeen      sync.Map // query texts run once, not yet prepared
	stmtSeenCount atomic.Int64
	// stopCheckpoints ends the SQLite checkpointer goroutine (see checkpointLoop).
	stopCheckpoints chan struct{}
	checkpointDone  chan struct{}
}

// maxCachedStmts bounds the cache: kefu's queries are a fixed set of texts, but a query built
// with a variable number of placeholders (IN lists) would otherwise grow it without limit.
const maxCachedStmts = 2000

// maxSeenStmts bounds the texts remembered as seen once.
const maxSeenStmts = 10000

// stmt returns the cached prepared statement for q, preparing it on first use; nil when the
// engine is not SQLite or the cache is full (the caller then runs q unprepared).
func (db *DB) stmt(ctx context.Context, q string) *sql.Stmt {
	if db.dialect != SQLite {
		return nil
	}
	if v, ok := db.stmts.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if db.stmtCount.Load() >= maxCachedStmts {
		return nil
	}
	// Prepare on the second use only: a text seen once (one with literal values in it) would
	// otherwise take a cache slot for good. The seen-set is cleared when it grows large.
	if _, again := db.stmtSeen.LoadOrStore(q, struct{}{}); !again {
		if db.stmtSeenCount.Add(1) > maxSeenStmts {
			db.stmtSeen.Clear()
			db.stmtSeenCount.Store(0)
		}
		return nil
	}
	st, err := db.SQL.PrepareContext(ctx, q)
	if err != nil {
		return nil // the unprepared call reports the error in context
	}
	if v, loaded := db.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	db.stmtCount.Add(1)
	return st
}

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// ParseURL splits a KEFU_DATABASE_URL into a dialect and a driver DSN. It is separate from Open
// so configuration can be validated without touching the disk or the network.
func ParseURL(url string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		if path == "" {
			return "", "", errors.New("sqlite URL needs a file path, e.g. sqlite://data/kefu.db")
		}
		// WAL lets readers run while one writer writes; immediate transactions take the write
		// lock up front so two writers queue on busy_timeout instead of failing mid-transaction.
		// wal_autocheckpoint(0): the commit that fills the WAL no longer copies it back into the
		// database file (and fsyncs) on the request path; checkpointLoop does that in the
		// background instead.
		q := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate&_time_format=sqlite"
		return SQLite, "file:" + path + "?" + q, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	default:
		return "", "", errors.New("must start with sqlite:// or postgres://")
	}
}

// postgresConns is the size of the PostgreSQL connection pool of one kefu instance.
const postgresConns = 32

// Open connects and checks the connection. For SQLite the parent directory is created.
func Open(ctx context.Context, url string) (*DB, error) {
	dialect, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	driver := "pgx"
	if dialect == SQLite {
		driver = "sqlite"
		path := strings.TrimPrefix(url, "sqlite://")
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
	}
	sqlDB, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// Keep every connection idle rather than database/sql's default of two: opening a
		// SQLite connection (pragmas, schema parse) costs far more than a query, and each
		// connection carries its own prepared statements.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	} else {
		// Every open connection stays idle too: with fewer idle than open, each burst above
		// the idle count closed connections that the next burst had to open again, and a new
		// PostgreSQL connection costs a backend fork, authentication and cold catalogue and
		// statement caches. At 500 messages/s for 10 s: 49 to 74 new sessions with 16 idle,
		// 16 to 32 with all 32 idle (the pool filling up, once).
		sqlDB.SetMaxOpenConns(postgresConns)
		sqlDB.SetMaxIdleConns(postgresConns)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	db := &DB{SQL: sqlDB, dialect: dialect}
	if dialect == SQLite {
		db.stopCheckpoints, db.checkpointDone = make(chan struct{}), make(chan struct{})
		go db.checkpointLoop(checkpointEvery)
	}
	return db, nil
}

// checkpointEvery is how often the background checkpointer copies the WAL into the database.
const checkpointEvery = 200 * time.Millisecond

// checkpointLoop runs SQLite's WAL checkpoints off the request path. With SQLite's default
// (wal_autocheckpoint 1000 pages) every ~50th ticket creation paid for copying 4 MB back into
// the database file and two fsyncs inside its own commit: the p99 of a write was a checkpoint.
// A PASSIVE checkpoint never waits for readers or writers, and once it has copied every frame
// the next writer starts the WAL over from the beginning, so the file stays small.
func (db *DB) checkpointLoop(every time.Duration) {
	defer close(db.checkpointDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.stopCheckpoints:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			// Errors (e.g. SQLITE_BUSY while another checkpoint runs) are retried next tick.
			db.SQL.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			cancel()
		}
	}
}

// Close closes the pool.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		close(db.stopCheckpoints)
		<-db.checkpointDone
		db.stopCheckpoints = nil
	}
	db.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	return db.SQL.Close()
}

// Ping checks the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := db.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, normaliseArgs(args)...)
	}
	return db.SQL.ExecContext(ctx, db.rebind(q), normaliseArgs(args)...)
}

func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, normaliseArgs(args)...)
	}
	return db.SQL.QueryContext(ctx, db.rebind(q), normaliseArgs(args)...)
}

func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, normaliseArgs(args)...)
	}
	return db.SQL.QueryRowContext(ctx, db.rebind(q), normaliseArgs(args)...)
}

// Tx runs fn in a transaction: committed when fn returns nil, rolled back otherwise (and on panic),
// so a failed multi-row change never leaves half-written data.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.dialect == SQLite {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	sqlTx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
			return
		}
		err = sqlTx.Commit()
	}()
	return fn(&Tx{tx: sqlTx, db: db})
}

// Tx is an open transaction with the same query methods as DB.
type Tx struct {
	tx *sql.Tx
	db *DB
}

func (t *Tx) Dialect() Dialect { return t.db.dialect }

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, normaliseArgs(args)...)
	}
	return t.tx.ExecContext(ctx, t.db.rebind(q), normaliseArgs(args)...)
}

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, normaliseArgs(args)...)
	}
	return t.tx.QueryContext(ctx, t.db.rebind(q), normaliseArgs(args)...)
}

func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, normaliseArgs(args)...)
	}
	return t.tx.QueryRowContext(ctx, t.db.rebind(q), normaliseArgs(args)...)
}

// stmt binds the cached statement for q to this transaction's connection (database/sql reuses
// the one already prepared there); nil when there is none.
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	st := t.db.stmt(ctx, q)
	if st == nil {
		return nil
	}
	return t.tx.StmtContext(ctx, st)
}

// InsertID runs an INSERT ... RETURNING id and returns the id.
func InsertID(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, query, args...).Scan(&id)
	return id, err
}

func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	if v, ok := db.rebinds.Load(q); ok {
		return v.(string)
	}
	r := Rebind(q)
	db.rebinds.Store(q, r)
	return r
}

// Rebind turns `?` placeholders into PostgreSQL's `$1, $2, …`, leaving quoted text alone.
func Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// normaliseArgs stores every time in UTC so SQLite's textual timestamps sort correctly.
func normaliseArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC()
		case *time.Time:
			if v != nil {
				args[i] = v.UTC()
			} else {
				args[i] = nil
			}
		}
	}
	return args
}

// IsUniqueViolation reports whether err is a unique-constraint failure on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// IsNoRows reports a missing row.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
