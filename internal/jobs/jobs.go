// Package jobs is kefu's durable work queue, kept in the database so it survives restarts and
// is shared by every kefu instance: SLA warnings and breaches, customer notifications, webhook
// deliveries, retraining, reports.
//
// Delivery is at-least-once; handlers registered with HandleTx run inside the same transaction
// that marks the job done, so their database effects happen exactly once even if the process
// dies mid-way (the transaction rolls back and the job is retried after its lock expires).
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"kefu/internal/auth"
	"kefu/internal/metrics"
	"kefu/internal/store"
)

// Job is one unit of queued work.
type Job struct {
	ID       int64
	Kind     string
	Payload  json.RawMessage
	Attempts int
	RunAt    time.Time

	again *time.Time
}

// RunAgainAt makes a successful run schedule the same job again (recurring work such as an
// outbox scan), keeping its unique key.
func (j *Job) RunAgainAt(t time.Time) { j.again = &t }

// Decode unmarshals the payload.
func (j *Job) Decode(v any) error { return json.Unmarshal(j.Payload, v) }

// Handler runs a job outside any transaction (for work with effects outside the database,
// such as HTTP calls, which must then be idempotent on their own).
type Handler func(ctx context.Context, j *Job) error

// TxHandler runs a job inside the transaction that completes it.
type TxHandler func(ctx context.Context, tx *store.Tx, j *Job) error

// Permanent wraps an error that retrying cannot fix: the job fails at once.
func Permanent(err error) error { return permanentError{err} }

type permanentError struct{ error }

func (p permanentError) Unwrap() error { return p.error }

var (
	jobsRun     = metrics.Default.NewCounter("kefu_jobs_total", "Jobs finished by kind and result.", "kind", "result")
	jobDuration = metrics.Default.NewHistogram("kefu_job_duration_seconds", "Job run time by kind.", metrics.LatencyBuckets, "kind")
)

// Queue claims and runs due jobs.
type Queue struct {
	DB  *store.DB
	Log *slog.Logger
	Now func() time.Time
	// Lease is how long a claimed job stays locked; a worker that dies releases it by expiry.
	Lease time.Duration
	// Worker names this process in locked_by.
	Worker string

	mu       sync.RWMutex
	handlers map[string]Handler
	txh      map[string]TxHandler
}

// New returns a queue on db.
func New(db *store.DB, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.Default()
	}
	return &Queue{DB: db, Log: log, Now: time.Now, Lease: 2 * time.Minute, Worker: auth.RandomToken("w")[:13],
		handlers: map[string]Handler{}, txh: map[string]TxHandler{}}
}

// Handle registers a handler for kind.
func (q *Queue) Handle(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.handlers[kind] = h
}

// HandleTx registers a transactional handler for kind.
func (q *Queue) HandleTx(kind string, h TxHandler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.txh[kind] = h
}

// Options for Enqueue.
type Options struct {
	RunAt       time.Time // zero: now
	UniqueKey   string    // at most one queued job per key; enqueueing again moves it
	MaxAttempts int       // default 5
}

// Enqueue adds a job, inside the caller's transaction when q is a *store.Tx (so the job exists
// if and only if the change that needs it commits). With a UniqueKey, a queued job with the same
// key is rescheduled instead of duplicated; a finished one is replaced.
func Enqueue(ctx context.Context, qr store.Querier, kind string, payload any, o Options) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("job payload: %w", err)
	}
	if o.RunAt.IsZero() {
		o.RunAt = time.Now()
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 5
	}
	now := time.Now()
	if o.UniqueKey == "" {
		_, err = qr.Exec(ctx, `INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?)`, kind, string(body), o.RunAt, o.MaxAttempts, now)
		return err
	}
	// A running job keeps its key until it finishes, so a reschedule during a run is applied
	// to a fresh row afterwards by the caller's next Enqueue; queued and finished rows are reset.
	_, err = qr.Exec(ctx, `INSERT INTO jobs (kind, payload, unique_key, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (unique_key) DO UPDATE SET kind = excluded.kind, payload = excluded.payload, run_at = excluded.run_at,
			max_attempts = excluded.max_attempts, status = 'queued', attempts = 0, last_error = '', finished_at = NULL
		WHERE jobs.status <> 'running'`, kind, string(body), o.UniqueKey, o.RunAt, o.MaxAttempts, now)
	return err
}

// Cancel removes a queued job by key (e.g. an SLA warning once the ticket is answered).
func Cancel(ctx context.Context, qr store.Querier, uniqueKey string) error {
	_, err := qr.Exec(ctx, `UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE unique_key = ? AND status = 'queued'`, time.Now(), uniqueKey)
	return err
}

// claim locks the next due job (or one whose lease expired because its worker died).
func (q *Queue) claim(ctx context.Context) (*Job, error) {
	now := q.Now()
	pick := `SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= ?) OR (status = 'running' AND locked_until < ?) ORDER BY run_at, id LIMIT 1`
	if q.DB.Dialect() == store.Postgres {
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	var j Job
	var payload string
	err := q.DB.Tx(ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, pick, now, now).Scan(&id); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1 WHERE id = ?
			RETURNING id, kind, payload, attempts, run_at`, q.Worker, now.Add(q.Lease), id).Scan(&j.ID, &j.Kind, &payload, &j.Attempts, &j.RunAt)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	j.Payload = json.RawMessage(payload)
	return &j, nil
}

// RunOne runs at most one due job; it reports whether there was one.
func (q *Queue) RunOne(ctx context.Context) (bool, error) {
	j, err := q.claim(ctx)
	if err != nil || j == nil {
		return false, err
	}
	q.mu.RLock()
	h, th := q.handlers[j.Kind], q.txh[j.Kind]
	q.mu.RUnlock()
	start := q.Now()
	var runErr error
	switch {
	case th != nil:
		runErr = q.DB.Tx(ctx, func(tx *store.Tx) error {
			if err := th(ctx, tx, j); err != nil {
				return err
			}
			return q.finish(ctx, tx, j)
		})
	case h != nil:
		if runErr = safeRun(ctx, h, j); runErr == nil {
			runErr = q.finish(ctx, q.DB, j)
		}
	default:
		runErr = Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	}
	jobDuration.Since(start, j.Kind)
	if runErr == nil {
		jobsRun.Inc(j.Kind, "done")
		return true, nil
	}
	return true, q.fail(ctx, j, runErr)
}

func safeRun(ctx context.Context, h Handler, j *Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job panicked: %v", p)
		}
	}()
	return h(ctx, j)
}

// finish marks the job done only if this worker still holds it, so a job whose lease expired
// and was taken over is not finished twice.
func (q *Queue) finish(ctx context.Context, qr store.Querier, j *Job) error {
	query := `UPDATE jobs SET status = 'done', finished_at = ?, locked_until = NULL, last_error = '' WHERE id = ? AND locked_by = ? AND attempts = ?`
	args := []any{q.Now(), j.ID, q.Worker, j.Attempts}
	if j.again != nil {
		query = `UPDATE jobs SET status = 'queued', run_at = ?, attempts = 0, locked_until = NULL, last_error = '' WHERE id = ? AND locked_by = ? AND attempts = ?`
		args[0] = *j.again
	}
	res, err := qr.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errors.New("lost the job's lease before finishing")
	}
	return nil
}

// Backoff is the delay before retry n (1-based): 10s, 40s, 90s … capped at one hour.
func Backoff(attempt int) time.Duration {
	d := time.Duration(attempt*attempt) * 10 * time.Second
	if d > time.Hour {
		d = time.Hour
	}
	return d
}

func (q *Queue) fail(ctx context.Context, j *Job, runErr error) error {
	var perm permanentError
	status, runAt := "queued", q.Now().Add(Backoff(j.Attempts))
	var max int
	if err := q.DB.QueryRow(ctx, `SELECT max_attempts FROM jobs WHERE id = ?`, j.ID).Scan(&max); err != nil {
		return err
	}
	if errors.As(runErr, &perm) || j.Attempts >= max {
		status = "failed"
	}
	msg := runErr.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	jobsRun.Inc(j.Kind, status)
	q.Log.Warn("job failed", "id", j.ID, "kind", j.Kind, "attempt", j.Attempts, "next", status, "err", runErr)
	_, err := q.DB.Exec(ctx, `UPDATE jobs SET status = ?, run_at = ?, last_error = ?, locked_until = NULL, finished_at = ? WHERE id = ? AND locked_by = ?`,
		status, runAt, msg, finishedAt(status, q.Now()), j.ID, q.Worker)
	return err
}

func finishedAt(status string, now time.Time) any {
	if status == "failed" {
		return now
	}
	return nil
}

// Start runs workers until ctx ends. Each polls every interval when idle and drains the queue
// when busy.
func (q *Queue) Start(ctx context.Context, workers int, interval time.Duration) {
	for i := 0; i < workers; i++ {
		go func() {
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				for {
					ran, err := q.RunOne(ctx)
					if err != nil && ctx.Err() == nil {
						q.Log.Error("job queue", "err", err)
					}
					if !ran || err != nil || ctx.Err() != nil {
						break
					}
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

// Stats counts jobs by status, for the admin console and /metrics.
func (q *Queue) Stats(ctx context.Context) (map[string]int, error) {
	rows, err := q.DB.Query(ctx, `SELECT status, COUNT(*) FROM jobs GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
