// Package app wires kefu together: configuration → database → domain services → HTTP server.
// Every command that opens the database (serve, migrate, demo, …) goes through Open, so they
// all migrate, create the configured admin, and see the same services.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"kefu/internal/aftersales"
	"kefu/internal/auth"
	"kefu/internal/bot"
	"kefu/internal/commerce"
	"kefu/internal/config"
	"kefu/internal/conversation"
	"kefu/internal/crm"
	"kefu/internal/httpapi"
	"kefu/internal/jobs"
	"kefu/internal/kb"
	"kefu/internal/media"
	"kefu/internal/nlu"
	"kefu/internal/notify"
	"kefu/internal/pii"
	"kefu/internal/store"
	"kefu/internal/ticket"
	"kefu/internal/webhook"
)

// Version is set at build time with -ldflags "-X kefu/internal/app.Version=…".
var Version = "dev"

// App is a running kefu's wiring.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *store.DB
	PII      *pii.Box
	Auth     *auth.Service
	Commerce *commerce.Service
	CRM      *crm.Service
	// Conversations also runs realtime delivery; serve starts its cross-instance listener.
	Conversations *conversation.Service
	NLU           *nlu.Engine // nil only if the shipped models failed to train (logged)
	Bot           *bot.Bot
	Tickets       *ticket.Service
	Aftersales    *aftersales.Service
	Media         *media.Service
	Jobs          *jobs.Queue // durable background work; serve runs its workers
	Webhooks      *webhook.Service
	Notify        *notify.Service
	Server        *httpapi.Server

	mediaPipe *mediaPipeline // photo OCR and voice transcription (media.go)
}

// Open opens and migrates the database and builds the services. The secret key must be set
// (config.EnsureSecret) before calling it.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	if cfg.SecretKey == nil {
		return nil, fmt.Errorf("KEFU_SECRET_KEY is not set and no key file was loaded")
	}
	box, err := pii.New(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("KEFU_SECRET_KEY: %w", err)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("KEFU_DATABASE_URL: %w", err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "applied", len(applied), "engine", db.Dialect())
	}
	a := New(db, box, log)
	a.Config = cfg
	a.Media.Dir = filepath.Join(cfg.DataDir, "uploads")
	a.SetMediaTools(MediaTools(cfg.Media))
	a.Server.MaxBodyBytes = cfg.MaxBodyBytes
	a.Server.SecureCookies = cfg.SecureCookies
	a.Notify.PublicURL = cfg.PublicURL
	if cfg.SMTP.Enabled() {
		a.Notify.Mailer = &notify.SMTPMailer{Addr: cfg.SMTP.Addr, User: cfg.SMTP.User, Password: cfg.SMTP.Password, From: cfg.SMTP.From}
		log.Info("customer e-mail on", "smtp", cfg.SMTP.Addr)
	}
	if a.NLU != nil {
		if err := nlu.LoadActive(ctx, nlu.NewStore(db), a.NLU); err != nil {
			log.Warn("loading the active NLU models failed; using the shipped ones", "err", err)
		}
	}
	if err := a.RefreshCatalog(ctx); err != nil {
		log.Warn("loading the catalogue into NLU failed", "err", err)
	}
	if cfg.AdminEmail != "" {
		created, err := a.Auth.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("KEFU_ADMIN_EMAIL/KEFU_ADMIN_PASSWORD: %w", err)
		}
		if created {
			log.Info("admin user created", "email", cfg.AdminEmail)
		}
	}
	return a, nil
}

// New builds the services over an open, migrated database (tests use it directly).
func New(db *store.DB, box *pii.Box, log *slog.Logger) *App {
	a := &App{Log: log, DB: db, PII: box}
	a.Auth = auth.NewService(db)
	a.Commerce = commerce.NewService(db, box)
	a.CRM = crm.NewService(db, box)
	a.Conversations = conversation.NewService(db, box, a.CRM, log)
	a.Tickets = ticket.NewService(db)
	a.Aftersales = aftersales.NewService(db)
	a.Media = media.New(db, filepath.Join(os.TempDir(), "kefu-uploads"))
	a.Jobs = jobs.New(db, log)
	a.Webhooks = webhook.New(db, box)
	a.Notify = notify.New(db, a.Conversations)
	a.Notify.PII = box
	a.registerJobs()
	a.Server = &httpapi.Server{
		DB: db, Auth: a.Auth, Log: log, Version: Version, MaxBodyBytes: 1 << 20,
		Services: httpapi.Services{Commerce: a.Commerce, CRM: a.CRM, Conversations: a.Conversations, Webhooks: a.Webhooks,
			Tickets: a.Tickets, Aftersales: a.Aftersales},
	}
	a.Server.Services.KB = kb.NewService(db, box)
	a.wireBot()
	a.wireMedia()
	return a
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }
