package recordsearch

import (
	"context"
	"time"

	"kefu/internal/jobs"
	"kefu/internal/store"
)

// SyncJob is the recurring catch-up sweep (one row in the jobs table, whatever the number of
// instances): it indexes what was written before migration 0500 or by bulk writers.
const SyncJob = "search.index"

// syncJobBudget is how many records one run indexes; a backlog continues at once.
const syncJobBudget = 20_000

// Register installs the sweep on the queue: it runs every interval while there is nothing to
// do, and again immediately while a backlog (an upgraded database) remains.
func Register(q *jobs.Queue, db *store.DB, interval time.Duration) {
	q.Handle(SyncJob, func(ctx context.Context, j *jobs.Job) error {
		n, err := Sync(ctx, db, syncJobBudget)
		if err != nil {
			return err
		}
		next := q.Now().Add(interval) // the queue's clock, which tests move
		if n == syncJobBudget {
			next = q.Now()
		}
		j.RunAgainAt(next)
		return nil
	})
}

// Start schedules the sweep.
func Start(ctx context.Context, db store.Querier) error {
	return jobs.Enqueue(ctx, db, SyncJob, nil, jobs.Options{UniqueKey: SyncJob})
}
