package replay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"kefu/internal/app"
	"kefu/internal/pii"
	"kefu/internal/store"
)

// Seeder fills a fresh database with what every dialogue shares (categories, knowledge base).
type Seeder func(ctx context.Context, a *app.App) error

// TempEnv gives each dialogue a fresh SQLite database under dir, fully wired like a server.
// The shared part (migrations and the seed) is built once into a template file that each
// dialogue copies, so a suite of a hundred dialogues does not rebuild the shop a hundred times.
func TempEnv(dir string, seed Seeder) Env {
	var n atomic.Int64
	box, _ := pii.New(bytes.Repeat([]byte{1}, 32))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	template := filepath.Join(dir, "template.db")
	var once sync.Once
	var templateErr error
	return func(ctx context.Context) (*app.App, func(), error) {
		once.Do(func() { templateErr = buildTemplate(ctx, template, box, log, seed) })
		if templateErr != nil {
			return nil, nil, templateErr
		}
		path := filepath.Join(dir, fmt.Sprintf("dialogue-%d.db", n.Add(1)))
		if err := copyFile(template, path); err != nil {
			return nil, nil, err
		}
		db, err := store.Open(ctx, "sqlite://"+path)
		if err != nil {
			return nil, nil, err
		}
		cleanup := func() { db.Close(); os.Remove(path); os.Remove(path + "-wal"); os.Remove(path + "-shm") }
		a := app.New(db, box, log)
		if a.Bot == nil {
			cleanup()
			return nil, nil, fmt.Errorf("the bot is not available (NLU failed to load)")
		}
		return a, cleanup, nil
	}
}

// buildTemplate migrates and seeds the template, then closes it so every write is in the main
// file (SQLite folds the WAL back in on the last close) and a plain copy is a whole database.
func buildTemplate(ctx context.Context, path string, box *pii.Box, log *slog.Logger, seed Seeder) error {
	db, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if seed != nil {
		if err := seed(ctx, app.New(db, box, log)); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if _, err := db.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return err
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
