package replay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"kefu/internal/app"
	"kefu/internal/pii"
	"kefu/internal/store"
)

// Seeder fills a fresh database with what every dialogue shares (categories, knowledge base).
type Seeder func(ctx context.Context, a *app.App) error

// TempEnv gives each dialogue a fresh SQLite database under dir, fully wired like a server.
func TempEnv(dir string, seed Seeder) Env {
	var n atomic.Int64
	box, _ := pii.New(bytes.Repeat([]byte{1}, 32))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return func(ctx context.Context) (*app.App, func(), error) {
		path := filepath.Join(dir, fmt.Sprintf("dialogue-%d.db", n.Add(1)))
		db, err := store.Open(ctx, "sqlite://"+path)
		if err != nil {
			return nil, nil, err
		}
		cleanup := func() { db.Close(); os.Remove(path); os.Remove(path + "-wal"); os.Remove(path + "-shm") }
		if _, err := db.Migrate(ctx); err != nil {
			cleanup()
			return nil, nil, err
		}
		a := app.New(db, box, log)
		if a.Bot == nil {
			cleanup()
			return nil, nil, fmt.Errorf("the bot is not available (NLU failed to load)")
		}
		if seed != nil {
			if err := seed(ctx, a); err != nil {
				cleanup()
				return nil, nil, fmt.Errorf("seed: %w", err)
			}
		}
		if err := a.RefreshCatalog(ctx); err != nil {
			cleanup()
			return nil, nil, err
		}
		return a, cleanup, nil
	}
}
