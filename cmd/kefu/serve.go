package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"kefu/internal/app"
	"kefu/internal/auth"
	"kefu/internal/config"
)

func init() {
	register(&command{name: "serve", summary: "Start the kefu server (migrates the database first)",
		usage: "kefu serve [--demo]\n\n  --demo   load the demo store first if the database has no products yet\n\nConfiguration comes from KEFU_* environment variables; see README.md.",
		run:   runServe})
	register(&command{name: "migrate", summary: "Apply database migrations and exit",
		usage: "kefu migrate\n\nApplies every embedded migration not yet applied to KEFU_DATABASE_URL.", run: runMigrate})
	register(&command{name: "version", summary: "Print the version", usage: "kefu version",
		run: func(ctx context.Context, args []string) error { fmt.Println("kefu", app.Version); return nil }})
}

// openApp loads configuration and opens the database: the common start of every command that
// touches data.
func openApp(ctx context.Context) (*app.App, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)
	created, err := cfg.EnsureSecret()
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("generated a new secret key; back it up, it encrypts customer data", "file", cfg.DataDir+"/secret.key")
	}
	return app.Open(ctx, cfg, log)
}

func runMigrate(ctx context.Context, args []string) error {
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Println("database is up to date")
	return nil
}

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "load the demo store if the database is empty")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := ensureSomeAdmin(ctx, a); err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              a.Config.Addr,
		Handler:           rootHandler(a),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	// Listen first: /healthz answers at once, and /readyz says 503 until the demo store (on a
	// first start) has loaded and the background workers run.
	a.Server.SetNotReady("starting")
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("KEFU_ADDR %s: %w", a.Config.Addr, err)
	}
	go func() { errc <- srv.Serve(ln) }()
	if err := startProfiler(os.Getenv("KEFU_PPROF_ADDR")); err != nil {
		return err
	}
	if *demo {
		a.Server.SetNotReady("loading the demo store")
		if err := loadDemoIfEmpty(ctx, a); err != nil {
			return err
		}
		// The demo writes products in bulk: give NLU the new catalogue. (The knowledge-base
		// index is built by its background starter, which runs after this.)
		if err := a.RefreshCatalog(ctx); err != nil {
			return err
		}
	}
	if err := startBackground(ctx, a); err != nil {
		return err
	}
	a.Server.SetReady()
	a.Log.Info("kefu is listening", "addr", a.Config.Addr, "database", a.DB.Dialect(), "version", app.Version)
	select {
	case err := <-errc:
		return fmt.Errorf("KEFU_ADDR %s: %w", a.Config.Addr, err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ensureSomeAdmin makes sure someone can sign in: with no admin configured or present, it
// creates admin@kefu.local with a random password and prints it once.
func ensureSomeAdmin(ctx context.Context, a *app.App) error {
	n, err := a.Auth.CountAdmins(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := auth.RandomToken("")[:20]
	if _, err := a.Auth.EnsureAdmin(ctx, "admin@kefu.local", password); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "\n  No admin existed, so one was created. Sign in with:\n    email:    admin@kefu.local\n    password: %s\n  (shown only once; set KEFU_ADMIN_EMAIL and KEFU_ADMIN_PASSWORD to choose your own)\n\n", password)
	return nil
}

// startProfiler serves Go's runtime profiles (net/http/pprof) on addr, for measuring where a
// loaded server spends its time: `go tool pprof http://127.0.0.1:6060/debug/pprof/profile`.
// Off unless KEFU_PPROF_ADDR is set, and only on a loopback address: profiles show code paths
// and memory, which are nobody else's business.
func startProfiler(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("KEFU_PPROF_ADDR %q: must be a loopback host:port such as 127.0.0.1:6060", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("KEFU_PPROF_ADDR %s: %w", addr, err)
	}
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}
