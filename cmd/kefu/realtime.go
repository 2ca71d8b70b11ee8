package main

import (
	"context"

	"kefu/internal/app"
)

// On PostgreSQL several kefu instances may serve the same shop: each relays the others'
// realtime events (LISTEN/NOTIFY) to its own WebSocket connections. On SQLite it is a no-op.
func init() {
	backgroundStarters = append(backgroundStarters, func(ctx context.Context, a *app.App) error {
		go a.Conversations.Listen(ctx, nil)
		return nil
	})
}
