package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"kefu/internal/app"
)

// Optional parts of the binary plug in here from their own files' init functions, so serve.go
// does not change each time a subsystem (demo store, job runner, realtime hub, web UI) lands.
var (
	// demoLoader loads the demo store when the database has no products yet.
	demoLoader func(ctx context.Context, a *app.App) error
	// backgroundStarters start long-running workers (jobs, realtime fan-out) for serve.
	backgroundStarters []func(ctx context.Context, a *app.App) error
	// frontEnd wraps the API handler with the web front end (widget, workspace, console).
	frontEnd func(a *app.App, api http.Handler) http.Handler
)

func loadDemoIfEmpty(ctx context.Context, a *app.App) error {
	if demoLoader == nil {
		return errors.New("--demo: this build of kefu has no demo store")
	}
	return demoLoader(ctx, a)
}

func startBackground(ctx context.Context, a *app.App) error {
	for _, start := range backgroundStarters {
		if err := start(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

func rootHandler(a *app.App) http.Handler {
	api := a.Server.Handler()
	if frontEnd != nil {
		return frontEnd(a, api)
	}
	return api
}

// jobPollInterval is how often idle job workers look for due work.
const jobPollInterval = time.Second
