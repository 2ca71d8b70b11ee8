package main

import (
	"context"

	"kefu/internal/app"
)

// Workers for the durable job queue: SLA timers, notifications, webhooks. Every instance runs
// them; the database hands each job to exactly one.
func init() {
	backgroundStarters = append(backgroundStarters, func(ctx context.Context, a *app.App) error {
		if err := app.ScheduleRecurringJobs(ctx, a.DB); err != nil {
			return err
		}
		a.Jobs.Start(ctx, 2, jobPollInterval)
		return nil
	})
}
