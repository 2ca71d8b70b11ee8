package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"kefu/internal/jobs"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func TestRunRetryAndFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := jobs.New(db, nil)
		clock := time.Now()
		q.Now = func() time.Time { return clock }
		var seen []string
		q.Handle("echo", func(ctx context.Context, j *jobs.Job) error {
			var p struct{ Word string }
			if err := j.Decode(&p); err != nil {
				return err
			}
			seen = append(seen, p.Word)
			return nil
		})
		flaky := 0
		q.Handle("flaky", func(ctx context.Context, j *jobs.Job) error {
			flaky++
			if flaky < 3 {
				return errors.New("try again")
			}
			return nil
		})
		q.Handle("broken", func(ctx context.Context, j *jobs.Job) error { return jobs.Permanent(errors.New("bad payload")) })
		must(t, jobs.Enqueue(ctx, db, "echo", map[string]string{"Word": "你好"}, jobs.Options{RunAt: clock}))
		must(t, jobs.Enqueue(ctx, db, "echo", map[string]string{"Word": "later"}, jobs.Options{RunAt: clock.Add(time.Hour)}))
		must(t, jobs.Enqueue(ctx, db, "flaky", nil, jobs.Options{RunAt: clock}))
		must(t, jobs.Enqueue(ctx, db, "broken", nil, jobs.Options{RunAt: clock}))
		must(t, jobs.Enqueue(ctx, db, "nobody-handles-this", nil, jobs.Options{RunAt: clock}))
		drain(t, q)
		if len(seen) != 1 || seen[0] != "你好" {
			t.Fatalf("due jobs ran: %v", seen)
		}
		// The flaky job retries with backoff: move the clock past each delay.
		for i := 0; i < 3; i++ {
			clock = clock.Add(jobs.Backoff(i+1) + time.Second)
			drain(t, q)
		}
		if flaky != 3 {
			t.Fatalf("flaky ran %d times, want 3", flaky)
		}
		clock = clock.Add(2 * time.Hour)
		drain(t, q)
		stats, err := q.Stats(ctx)
		must(t, err)
		if stats["done"] != 3 || stats["failed"] != 2 || stats["queued"] != 0 {
			t.Fatalf("stats = %v, want 3 done (2 echo, flaky) and 2 failed (broken, unhandled)", stats)
		}
	})
}

func TestUniqueKeyReschedulesAndCancels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := jobs.New(db, nil)
		now := time.Now()
		q.Now = func() time.Time { return now }
		var runs atomic.Int32
		q.Handle("sla", func(ctx context.Context, j *jobs.Job) error { runs.Add(1); return nil })
		must(t, jobs.Enqueue(ctx, db, "sla", nil, jobs.Options{RunAt: now.Add(time.Hour), UniqueKey: "sla:1"}))
		must(t, jobs.Enqueue(ctx, db, "sla", nil, jobs.Options{RunAt: now.Add(-time.Minute), UniqueKey: "sla:1"})) // moved earlier
		must(t, jobs.Enqueue(ctx, db, "sla", nil, jobs.Options{RunAt: now, UniqueKey: "sla:2"}))
		must(t, jobs.Cancel(ctx, db, "sla:2"))
		drain(t, q)
		if runs.Load() != 1 {
			t.Fatalf("runs = %d, want 1 (one rescheduled, one cancelled)", runs.Load())
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&n)
		if n != 2 {
			t.Fatalf("rows = %d, want 2: a unique key never duplicates", n)
		}
	})
}

// A worker that dies after claiming a job (simulated by a transactional handler whose
// transaction never commits) leaves no effect; after the lease expires another worker runs it
// and the effect happens exactly once.
func TestCrashedWorkerJobRunsExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		crashing := jobs.New(db, nil)
		crashing.Now = func() time.Time { return now }
		crashing.HandleTx("notify", func(ctx context.Context, tx *store.Tx, j *jobs.Job) error {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('notified', '1', ?)`, now); err != nil {
				return err
			}
			return errCrash // the process "dies" before committing
		})
		must(t, jobs.Enqueue(ctx, db, "notify", nil, jobs.Options{RunAt: now, UniqueKey: "notify:7"}))
		ran, _ := crashing.RunOne(ctx)
		if !ran {
			t.Fatal("job not claimed")
		}
		// Simulate the crash: the failed run's bookkeeping would not have happened either, so
		// put the job back into the state a dead worker leaves: running, lease held.
		_, err := db.Exec(ctx, `UPDATE jobs SET status = 'running', locked_until = ? WHERE unique_key = 'notify:7'`, now.Add(crashing.Lease))
		must(t, err)
		survivor := jobs.New(db, nil)
		survivor.Now = func() time.Time { return now }
		var effects atomic.Int32
		survivor.HandleTx("notify", func(ctx context.Context, tx *store.Tx, j *jobs.Job) error {
			effects.Add(1)
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('notified', '1', ?)`, now)
			return err
		})
		if ran, _ := survivor.RunOne(ctx); ran {
			t.Fatal("a leased job was taken before its lease expired")
		}
		survivor.Now = func() time.Time { return now.Add(crashing.Lease + time.Second) }
		drain(t, survivor)
		drain(t, survivor)
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'notified'`).Scan(&n)
		if n != 1 || effects.Load() != 1 {
			t.Fatalf("effect rows = %d, runs = %d; want exactly one", n, effects.Load())
		}
	})
}

var errCrash = errors.New("crash")

func drain(t *testing.T, q *jobs.Queue) {
	t.Helper()
	for i := 0; i < 100; i++ {
		ran, err := q.RunOne(context.Background())
		if err != nil {
			t.Fatalf("RunOne: %v", err)
		}
		if !ran {
			return
		}
	}
	t.Fatal("queue did not drain")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecurringJobKeepsOneRow(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	q := jobs.New(db, nil)
	clock := time.Now()
	q.Now = func() time.Time { return clock }
	runs := 0
	q.Handle("tick", func(ctx context.Context, j *jobs.Job) error { runs++; j.RunAgainAt(clock.Add(time.Minute)); return nil })
	must(t, jobs.Enqueue(ctx, db, "tick", nil, jobs.Options{RunAt: clock, UniqueKey: "tick"}))
	for i := 0; i < 3; i++ {
		drain(t, q)
		clock = clock.Add(time.Minute)
	}
	var n int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE status = 'queued'`).Scan(&n)
	if runs != 3 || n != 1 {
		t.Fatalf("runs = %d, queued rows = %d; want 3 and 1", runs, n)
	}
}
