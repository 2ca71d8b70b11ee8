package app

import (
	"context"
	"errors"
	"time"

	"kefu/internal/jobs"
	"kefu/internal/media"
	"kefu/internal/nlu"
	"kefu/internal/notify"
	"kefu/internal/recordsearch"
	"kefu/internal/store"
	"kefu/internal/webhook"
)

// Recurring durable jobs. Each is one row in the jobs table (unique key = its kind), so any
// number of instances run each sweep once per interval, and a sweep missed while every
// instance was down runs on the first start after.
const (
	SLASweepJob  = "sla.sweep"
	AutoCloseJob = "ticket.autoclose"
	RetrainJob   = "nlu.retrain"       // on demand, payload {"task": …}
	NightlyJob   = "nlu.retrain.daily" // retrains intents from the day's corrections
)

// registerJobs installs every job handler on the queue (tests run the same handlers).
func (a *App) registerJobs() {
	a.Webhooks.Register(a.Jobs, 5*time.Second)
	a.Notify.Register(a.Jobs, 2*time.Second)
	recordsearch.Register(a.Jobs, a.DB, 10*time.Second) // agents' search index catch-up (rows written in bulk or before 0500)
	a.Aftersales.Register(a.Jobs)                       // return-shipment reminders and expiries
	a.Jobs.Handle(SLASweepJob, func(ctx context.Context, j *jobs.Job) error {
		if _, err := a.Tickets.SweepSLA(ctx); err != nil {
			return err
		}
		j.RunAgainAt(a.Jobs.Now().Add(30 * time.Second))
		return nil
	})
	retrain := func(ctx context.Context, task string) error {
		if a.NLU == nil {
			return jobs.Permanent(errors.New("NLU is not loaded"))
		}
		res, err := nlu.Retrain(ctx, nlu.NewStore(a.DB), task, nlu.RetrainOptions{})
		if err != nil {
			return err
		}
		a.Log.Info("NLU retrained", "task", task, "version", res.Version, "activated", res.Activated, "reason", res.Reason)
		return nlu.LoadActive(ctx, nlu.NewStore(a.DB), a.NLU)
	}
	a.Jobs.Handle(RetrainJob, func(ctx context.Context, j *jobs.Job) error {
		var p struct{ Task string }
		if err := j.Decode(&p); err != nil {
			return jobs.Permanent(err)
		}
		return retrain(ctx, p.Task)
	})
	a.Jobs.Handle(NightlyJob, func(ctx context.Context, j *jobs.Job) error {
		j.RunAgainAt(NextNightly(a.Jobs.Now()))
		if a.NLU == nil {
			return nil
		}
		upToDate, reason, err := nlu.UpToDate(ctx, nlu.NewStore(a.DB), nlu.TaskIntent)
		if err != nil {
			return err
		}
		if upToDate {
			a.Log.Info("NLU nightly retrain skipped: nothing changed since the last training")
			return nil
		}
		a.Log.Info("NLU nightly retrain", "why", reason)
		return retrain(ctx, nlu.TaskIntent)
	})
	a.Jobs.Handle(media.SweepJob, func(ctx context.Context, j *jobs.Job) error {
		n, err := a.Media.RemoveUnreferenced(ctx, time.Hour)
		if err != nil {
			return err
		}
		if n > 0 {
			a.Log.Info("removed stored files no attachment refers to", "files", n)
		}
		j.RunAgainAt(a.Jobs.Now().Add(time.Hour))
		return nil
	})
	a.Jobs.Handle(AutoCloseJob, func(ctx context.Context, j *jobs.Job) error {
		if _, err := a.Tickets.AutoClose(ctx, 0); err != nil {
			return err
		}
		j.RunAgainAt(a.Jobs.Now().Add(time.Hour))
		return nil
	})
}

// ScheduleRecurringJobs makes sure each recurring job is queued; serve calls it at start.
func ScheduleRecurringJobs(ctx context.Context, db *store.DB) error {
	if err := webhook.Start(ctx, db); err != nil {
		return err
	}
	if err := notify.Start(ctx, db); err != nil {
		return err
	}
	if err := recordsearch.Start(ctx, db); err != nil {
		return err
	}
	for _, kind := range []string{SLASweepJob, AutoCloseJob, media.SweepJob} {
		if err := jobs.Enqueue(ctx, db, kind, nil, jobs.Options{UniqueKey: kind}); err != nil {
			return err
		}
	}
	// The nightly retrain runs at night, not at every start: retraining takes seconds of
	// both cores, which a server that has just started needs for its customers.
	if err := jobs.Enqueue(ctx, db, NightlyJob, nil, jobs.Options{UniqueKey: NightlyJob, RunAt: NextNightly(time.Now())}); err != nil {
		return err
	}
	// What cannot wait for the night: models stored before this binary's shipped examples
	// changed (an upgrade), or corrections no stored model has learnt yet.
	st := nlu.NewStore(db)
	for _, task := range []string{nlu.TaskIntent, nlu.TaskSentiment} {
		upToDate, _, err := nlu.UpToDate(ctx, st, task)
		if err != nil {
			return err
		}
		if !upToDate {
			if err := jobs.Enqueue(ctx, db, RetrainJob, map[string]string{"task": task}, jobs.Options{UniqueKey: RetrainJob + ":" + task}); err != nil {
				return err
			}
		}
	}
	return nil
}

// nightlyHour is when the nightly retrain runs, in the shops' time zone (UTC+8): the quietest
// hour of a Chinese online shop's day.
const nightlyHour = 3

var shopZone = time.FixedZone("CST", 8*3600)

// NextNightly is the next nightlyHour o'clock (UTC+8) strictly after now.
func NextNightly(now time.Time) time.Time {
	local := now.In(shopZone)
	next := time.Date(local.Year(), local.Month(), local.Day(), nightlyHour, 0, 0, 0, shopZone)
	if !next.After(local) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}
