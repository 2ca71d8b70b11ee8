package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"kefu/internal/app"
)

// On PostgreSQL several kefu instances may serve the same shop: each relays the others'
// realtime events (LISTEN/NOTIFY) to its own WebSocket connections. On SQLite it is a no-op.
//
// Two rate limits can be raised for load tests or busy shops behind one proxy address:
// KEFU_WIDGET_SESSION_RATE (new widget sessions per second per client address) and
// KEFU_WIDGET_SEND_RATE (messages per second per visitor or user).
func init() {
	backgroundStarters = append(backgroundStarters, func(ctx context.Context, a *app.App) error {
		l := a.Conversations.Limits
		for name, dst := range map[string]*struct {
			rate  *float64
			burst *int
		}{
			"KEFU_WIDGET_SESSION_RATE": {&l.SessionsPerSecond, &l.SessionsBurst},
			"KEFU_WIDGET_SEND_RATE":    {&l.SendPerSecond, &l.SendBurst},
		} {
			v := os.Getenv(name)
			if v == "" {
				continue
			}
			r, err := strconv.ParseFloat(v, 64)
			if err != nil || r <= 0 || r > 1e6 {
				return fmt.Errorf("%s must be a positive number of events per second, got %q", name, v)
			}
			*dst.rate, *dst.burst = r, max(*dst.burst, int(4*r))
		}
		a.Conversations.SetLimits(l)
		go a.Conversations.Listen(ctx, nil)
		return nil
	})
}
