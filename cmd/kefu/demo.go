package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"kefu/internal/app"
	"kefu/internal/demo"
)

func init() {
	register(&command{name: "demo", summary: "Load the bilingual demo store (idempotent); --scale adds synthetic load",
		usage: `kefu demo [--seed N] [--scale N]

  --seed N    random seed of the demo store (default 1); the same seed gives the same store
  --scale N   then add N synthetic orders, N conversations and N tickets (for benchmarks),
              printing a progress line with rows/s to stderr

Loads 1,000 customers, 5,000 orders over the last 180 days, the product catalogue, the
knowledge base and two teams of agents into KEFU_DATABASE_URL. Running it again does nothing.
Demo staff sign in with their @kefu.demo e-mail and the password ` + demo.StaffPassword + `.`,
		run: runDemo})
	demoLoader = func(ctx context.Context, a *app.App) error {
		var products int
		if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM products`).Scan(&products); err != nil {
			return err
		}
		if products > 0 {
			a.Log.Info("demo store not loaded: the database already has products", "products", products)
			return nil
		}
		_, err := demo.Load(ctx, a, demo.Options{Seed: 1, Progress: os.Stderr})
		return err // serve refreshes the NLU catalogue and KB index afterwards
	}
}

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	seed := fs.Int64("seed", 1, "random seed")
	scale := fs.Int("scale", 0, "extra synthetic orders/conversations/tickets")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "kefu demo: unexpected argument %q\n", fs.Arg(0))
		return exitError{2}
	}
	if *scale < 0 || *scale > demo.MaxScale {
		return fmt.Errorf("--scale must be between 0 and %d", demo.MaxScale)
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	opts := demo.Options{Seed: *seed, Progress: os.Stderr}
	sum, err := demo.Load(ctx, a, opts)
	if err != nil {
		return err
	}
	if !sum.AlreadyLoaded {
		fmt.Printf("demo store loaded: %d products, %d customers, %d orders, %d articles, %d agents (password %s) in %s\n",
			sum.Products, sum.Customers, sum.Orders, sum.Articles, sum.Agents, demo.StaffPassword, sum.Elapsed.Round(1e6))
	}
	if *scale > 0 {
		s, err := demo.ScaleWithSummary(ctx, a, *scale, opts)
		if err != nil {
			return err
		}
		fmt.Printf("scaled: +%d orders, +%d conversations (%d messages), +%d tickets; %d rows in %s (%.0f rows/s)\n",
			s.Orders, s.Conversations, s.Messages, s.Tickets, s.Rows, s.Elapsed.Round(1e6), s.RowsPerSecond())
	}
	return nil
}
