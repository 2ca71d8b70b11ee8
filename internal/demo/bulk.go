package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"kefu/internal/store"
)

// maxParams keeps one statement under both engines' bind-parameter limits (PostgreSQL 65535,
// SQLite 32766).
const maxParams = 30000

// inserter writes rows to one table as multi-row INSERT statements of up to 500 rows: one round
// trip per 500 rows instead of one per row is what makes --scale fast on PostgreSQL.
type inserter struct {
	q       store.Querier
	head    string
	cols    int
	perStmt int
	args    []any
	rows    int
	written int64
	parents []*inserter // flushed first, so foreign keys always point at written rows
}

func newInserter(q store.Querier, table string, cols ...string) *inserter {
	per := 500
	if per*len(cols) > maxParams {
		per = maxParams / len(cols)
	}
	return &inserter{q: q, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		cols: len(cols), perStmt: per, args: make([]any, 0, per*len(cols))}
}

// add queues one row; it flushes when the statement is full.
func (in *inserter) add(ctx context.Context, vals ...any) error {
	if len(vals) != in.cols {
		return fmt.Errorf("demo: %s got %d values for %d columns", in.head, len(vals), in.cols)
	}
	in.args = append(in.args, vals...)
	in.rows++
	if in.rows >= in.perStmt {
		return in.flush(ctx)
	}
	return nil
}

// after makes in flush parents first whenever it flushes.
func (in *inserter) after(parents ...*inserter) *inserter {
	in.parents = append(in.parents, parents...)
	return in
}

// flush writes the queued rows (after its parents' rows).
func (in *inserter) flush(ctx context.Context) error {
	if in.rows == 0 {
		return nil
	}
	for _, p := range in.parents {
		if err := p.flush(ctx); err != nil {
			return err
		}
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", in.cols), ", ") + ")"
	var b strings.Builder
	b.Grow(len(in.head) + in.rows*(len(row)+2))
	b.WriteString(in.head)
	for i := 0; i < in.rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	if _, err := in.q.Exec(ctx, b.String(), in.args...); err != nil {
		return fmt.Errorf("demo: %s…: %w", strings.Fields(in.head)[2], err)
	}
	in.written += int64(in.rows)
	in.rows = 0
	in.args = in.args[:0]
	return nil
}

// reserveIDs allocates n ids of table inside tx, so parent and child rows can be written with
// multi-row INSERTs without reading ids back. PostgreSQL draws them from the table's sequence
// (safe beside a running server); SQLite holds the write lock for the whole transaction, so the
// ids after the current maximum are free until it commits.
func reserveIDs(ctx context.Context, tx *store.Tx, table string, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if n == 0 {
		return ids, nil
	}
	if tx.Dialect() == store.Postgres {
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)`, table, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var maxID, seq int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&maxID); err != nil {
		return nil, err
	}
	// AUTOINCREMENT never reuses ids of deleted rows; respect its high-water mark too.
	err := tx.QueryRow(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&seq)
	if err != nil && !store.IsNoRows(err) {
		return nil, err
	}
	next := max(maxID, seq) + 1
	for i := 0; i < n; i++ {
		ids = append(ids, next+int64(i))
	}
	return ids, nil
}

// progress prints "orders 120000/1000000 (12%) 35000 rows/s" at most once a second: over
// itself on a terminal, as separate lines in a log file.
type progress struct {
	w     io.Writer
	tty   bool
	label string
	total int
	start time.Time
	last  time.Time
	done  int
	rows  int64
}

func newProgress(w io.Writer, label string, total int) *progress {
	p := &progress{w: w, label: label, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// update records that done items (and rows table rows in all) are written.
func (p *progress) update(done int, rows int64) {
	p.done, p.rows = done, rows
	if p.w == nil || done >= p.total {
		return // the final line is finish's
	}
	if now := time.Now(); now.Sub(p.last) >= time.Second {
		p.last = now
		p.print(false)
	}
}

// add records one more written chunk of items with its rows.
func (p *progress) add(items int, rows int64) { p.update(p.done+items, p.rows+rows) }

// finish prints the final line.
func (p *progress) finish() {
	if p.w != nil {
		p.print(true)
	}
}

// rate is rows per second since the start.
func (p *progress) rate() float64 {
	el := time.Since(p.start).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(p.rows) / el
}

func (p *progress) print(final bool) {
	pct := 100
	if p.total > 0 {
		pct = p.done * 100 / p.total
	}
	line := fmt.Sprintf("%s %d/%d (%d%%) %.0f rows/s", p.label, p.done, p.total, pct, p.rate())
	if final {
		line += fmt.Sprintf(" — %d rows in %s", p.rows, time.Since(p.start).Round(time.Millisecond))
	}
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

// writers is how many transactions write chunks at once: PostgreSQL gains from several
// backends inserting side by side; SQLite has one writer, so more would only queue.
func writers(db *store.DB) int {
	if db.Dialect() == store.Postgres {
		return 4
	}
	return 1
}

// writeChunks generates chunks one after another (so the data stays deterministic) and writes
// each in its own transaction on up to writers(db) goroutines. done runs, one call at a time,
// after each chunk commits. It returns the rows written; on the first error it stops, and the
// chunks already committed stay.
func writeChunks[T any](ctx context.Context, db *store.DB, n int, gen func(i int) (T, error),
	write func(ctx context.Context, tx *store.Tx, chunk T) (int64, error), done func(chunk T, rows int64)) (int64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := writers(db)
	queue := make(chan T, workers)
	var mu sync.Mutex
	var total int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range queue {
				if ctx.Err() != nil {
					continue // drain after a failure
				}
				var rows int64
				err := db.Tx(ctx, func(tx *store.Tx) error {
					var err error
					rows, err = write(ctx, tx, c)
					return err
				})
				if err != nil {
					cancel(err)
					continue
				}
				mu.Lock()
				total += rows
				done(c, rows)
				mu.Unlock()
			}
		}()
	}
	var genErr error
	for i := 0; i < n && ctx.Err() == nil; i++ {
		c, err := gen(i)
		if err != nil {
			genErr = err
			break
		}
		select {
		case queue <- c:
		case <-ctx.Done():
		}
	}
	close(queue)
	wg.Wait()
	if genErr != nil {
		return total, genErr
	}
	return total, context.Cause(ctx)
}
