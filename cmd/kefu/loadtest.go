package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"kefu/internal/conversation/loadtest"
)

func init() {
	register(&command{name: "loadtest", summary: "Measure realtime latency, reconnect exactness and idle memory against a running server",
		usage: `kefu loadtest [flags]

Drives a running kefu on this machine over real WebSockets, as widget customers:
  latency  --visitors customers send --rate messages/s in total for --duration;
           reports ack, fan-out echo and bot-reply latency (p50/p95/p99/max)
  storm    --storm-clients customers send, all drop at once and reconnect
           --storm-rounds times, resuming from the last id seen; reports lost,
           duplicated and out-of-order messages against the database
  idle     holds --idle subscribed connections; with --server-pid reports the
           server's resident memory (VmRSS) before and after

Start the server with KEFU_WIDGET_SESSION_RATE=1000 so the generator can open its widget
sessions quickly (the default allows 10 new sessions per second per address).

Flags:
  --url URL            server base URL (loopback only; default http://127.0.0.1:8080)
  --server-pid PID     the server's process id, for memory figures
  --phases LIST        comma-separated: latency,storm,idle (default all)
  --visitors N         latency: customers (default 200)
  --rate R             latency: messages per second in total (default 500)
  --duration D         latency: sending time (default 10s, at most 2m)
  --storm-clients N    storm: customers (default 100)
  --storm-rounds N     storm: drop-and-reconnect rounds (default 5)
  --storm-messages N   storm: messages per customer per round (default 5)
  --idle N             idle: connections (default 10000, at most 20000)
  --json               print the report as JSON`,
		run: runLoadtest})
}

func runLoadtest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var cfg loadtest.Config
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "server process id for VmRSS")
	phases := fs.String("phases", "latency,storm,idle", "phases to run")
	fs.IntVar(&cfg.Visitors, "visitors", 200, "latency: customers")
	fs.Float64Var(&cfg.Rate, "rate", 500, "latency: messages per second in total")
	fs.DurationVar(&cfg.Duration, "duration", 0, "latency: sending time (default 10s)")
	fs.IntVar(&cfg.StormClients, "storm-clients", 100, "storm: customers")
	fs.IntVar(&cfg.StormRounds, "storm-rounds", 5, "storm: rounds")
	fs.IntVar(&cfg.StormMessages, "storm-messages", 5, "storm: messages per customer per round")
	fs.IntVar(&cfg.Idle, "idle", 10000, "idle: connections")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	cfg.Phases = strings.Split(*phases, ",")
	cfg.Progress = os.Stderr
	rep, err := loadtest.Run(ctx, cfg)
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			enc.Encode(rep)
		} else {
			printLoadReport(rep)
		}
	}
	return err
}

func printLoadReport(r *loadtest.Report) {
	if l := r.Latency; l != nil {
		fmt.Printf("latency: %d customers, target %.0f msg/s, sent %d, acked %d, achieved %.1f msg/s\n", l.Visitors, l.TargetRate, l.Sent, l.Acked, l.Rate)
		fmt.Printf("  ack (persisted):      %s\n  echo (fan-out):       %s\n  bot reply:            %s (%d unanswered)\n  bot reply (server):   %s\n", l.Ack, l.Echo, l.Reply, l.Unanswered, l.ServerReply)
		if l.ServerCPUPerMsg > 0 {
			fmt.Printf("  server CPU:           %.2f ms per customer message (bot included) = %.0f msg/s per core\n", l.ServerCPUPerMsg, 1000/l.ServerCPUPerMsg)
		}
		if len(l.Errors) > 0 {
			fmt.Printf("  errors: %v\n", l.Errors)
		}
	}
	if s := r.Storm; s != nil {
		fmt.Printf("storm: %d customers x %d rounds (%d connections), %d resends\n", s.Clients, s.Rounds, s.Reconnects, s.Resent)
		fmt.Printf("  stored %d, received %d distinct: lost %d, duplicated %d, out of order %d, stored twice %d, unconfirmed %d, clients timed out %d\n",
			s.Stored, s.Received, s.Lost, s.Duplicated, s.OutOfOrder, s.StoredTwice, s.Unconfirmed, s.TimedOut)
	}
	if i := r.Idle; i != nil {
		fmt.Printf("idle: %d subscribed connections; %d/%d sampled answered a ping\n", i.Connections, i.Alive, i.Sampled)
		if i.RSSAfter > 0 {
			fmt.Printf("  server VmRSS %.1f MiB before, %.1f MiB with all open (%.1f KiB per connection)\n",
				float64(i.RSSBefore)/(1<<20), float64(i.RSSAfter)/(1<<20), i.PerConnKB)
		}
	}
}
