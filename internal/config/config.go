// Package config reads kefu's settings from KEFU_* environment variables and validates them
// at start, with messages that name the variable at fault.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"kefu/internal/store"
)

// Config is kefu's runtime configuration.
type Config struct {
	Addr          string     // KEFU_ADDR
	DatabaseURL   string     // KEFU_DATABASE_URL
	DataDir       string     // KEFU_DATA_DIR: secret key file, SQLite file, uploads
	AdminEmail    string     // KEFU_ADMIN_EMAIL
	AdminPassword string     // KEFU_ADMIN_PASSWORD
	SecretKey     []byte     // KEFU_SECRET_KEY (hex or raw, ≥ 32 bytes); generated into DataDir if unset
	LogLevel      slog.Level // KEFU_LOG_LEVEL: debug, info, warn, error
	MaxBodyBytes  int64      // KEFU_MAX_BODY_BYTES: request body limit for JSON APIs
	SecureCookies bool       // KEFU_SECURE_COOKIES: mark session cookies Secure (behind HTTPS)
	Media         MediaTools // KEFU_OCR_*, KEFU_STT_*, KEFU_FFMPEG_CMD, KEFU_MEDIA_TIMEOUT (media.go)
	// PublicURL is where customers reach kefu (KEFU_PUBLIC_URL, e.g. https://help.example.com):
	// links in e-mails (the satisfaction link) are built on it.
	PublicURL string
	SMTP      SMTP
}

// SMTP is the outgoing mail server customers' e-mail updates go through; Addr empty = no e-mail.
type SMTP struct {
	Addr     string // KEFU_SMTP_ADDR host:port (587 submission; STARTTLS is used whenever offered)
	User     string // KEFU_SMTP_USER (optional; with KEFU_SMTP_PASSWORD, PLAIN auth, only over TLS or to localhost)
	Password string // KEFU_SMTP_PASSWORD
	From     string // KEFU_SMTP_FROM: the sender, e.g. "Shop Support <support@example.com>"
}

// Enabled reports whether e-mail is configured.
func (s SMTP) Enabled() bool { return s.Addr != "" }

// Env abstracts os.Getenv so tests can pass a map.
type Env func(string) string

// FieldError names the variable that is wrong.
type FieldError struct{ Var, Problem string }

func (e *FieldError) Error() string { return e.Var + ": " + e.Problem }

// Load reads and validates configuration. It does not create the secret key; see EnsureSecret.
func Load(env Env) (*Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(env(k)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		Addr:          get("KEFU_ADDR", ":8080"),
		DataDir:       get("KEFU_DATA_DIR", "data"),
		AdminEmail:    get("KEFU_ADMIN_EMAIL", ""),
		AdminPassword: env("KEFU_ADMIN_PASSWORD"),
	}
	c.DatabaseURL = get("KEFU_DATABASE_URL", "sqlite://"+filepath.Join(c.DataDir, "kefu.db"))
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, &FieldError{"KEFU_ADDR", fmt.Sprintf("%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", c.Addr)})
	}
	if _, _, err := store.ParseURL(c.DatabaseURL); err != nil {
		errs = append(errs, &FieldError{"KEFU_DATABASE_URL", err.Error()})
	}
	if c.AdminEmail != "" && (!strings.Contains(c.AdminEmail, "@") || strings.ContainsAny(c.AdminEmail, " \t\r\n")) {
		errs = append(errs, &FieldError{"KEFU_ADMIN_EMAIL", fmt.Sprintf("%q is not an email address", c.AdminEmail)})
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		errs = append(errs, &FieldError{"KEFU_ADMIN_PASSWORD", "must be at least 8 characters"})
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, &FieldError{"KEFU_ADMIN_EMAIL/KEFU_ADMIN_PASSWORD", "set both or neither"})
	}
	if v := env("KEFU_SECRET_KEY"); v != "" {
		key, err := parseSecret(v)
		if err != nil {
			errs = append(errs, &FieldError{"KEFU_SECRET_KEY", err.Error()})
		}
		c.SecretKey = key
	}
	switch strings.ToLower(get("KEFU_LOG_LEVEL", "info")) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		errs = append(errs, &FieldError{"KEFU_LOG_LEVEL", "must be debug, info, warn or error"})
	}
	c.MaxBodyBytes = 1 << 20
	if v := env("KEFU_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			errs = append(errs, &FieldError{"KEFU_MAX_BODY_BYTES", "must be a whole number of bytes between 1024 and 1073741824"})
		}
		c.MaxBodyBytes = n
	}
	if v := env("KEFU_SECURE_COOKIES"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, &FieldError{"KEFU_SECURE_COOKIES", "must be true or false"})
		}
		c.SecureCookies = b
	}
	errs = append(errs, c.loadMail(env, get)...)
	errs = append(errs, c.loadMedia(env, get)...)
	return c, errors.Join(errs...)
}

// loadMail reads the public URL and the SMTP server, checking they make sense together: a
// half-configured mail server would fail on the first customer update instead of at start.
func (c *Config) loadMail(env Env, get func(k, def string) string) []error {
	var errs []error
	c.PublicURL = strings.TrimRight(get("KEFU_PUBLIC_URL", ""), "/")
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, &FieldError{"KEFU_PUBLIC_URL", fmt.Sprintf("%q is not an http(s) address such as https://help.example.com", c.PublicURL)})
		}
	}
	c.SMTP = SMTP{Addr: get("KEFU_SMTP_ADDR", ""), User: get("KEFU_SMTP_USER", ""), Password: env("KEFU_SMTP_PASSWORD"), From: get("KEFU_SMTP_FROM", "")}
	m := c.SMTP
	if m.Addr == "" {
		if m.User != "" || m.Password != "" || m.From != "" {
			errs = append(errs, &FieldError{"KEFU_SMTP_ADDR", "is required when other KEFU_SMTP_* variables are set"})
		}
		return errs
	}
	if host, port, err := net.SplitHostPort(m.Addr); err != nil || host == "" || port == "" {
		errs = append(errs, &FieldError{"KEFU_SMTP_ADDR", fmt.Sprintf("%q is not host:port (e.g. smtp.example.com:587)", m.Addr)})
	}
	if a, err := mail.ParseAddress(m.From); m.From == "" || err != nil || strings.ContainsAny(a.Address, "\r\n") {
		errs = append(errs, &FieldError{"KEFU_SMTP_FROM", fmt.Sprintf("%q is not a sender address (e.g. \"Support <support@example.com>\")", m.From)})
	}
	if c.PublicURL == "" {
		errs = append(errs, &FieldError{"KEFU_PUBLIC_URL", "is required with KEFU_SMTP_ADDR: e-mailed satisfaction links point at it"})
	}
	if (m.User == "") != (m.Password == "") {
		errs = append(errs, &FieldError{"KEFU_SMTP_USER/KEFU_SMTP_PASSWORD", "set both or neither"})
	}
	return errs
}

func parseSecret(v string) ([]byte, error) {
	if b, err := hex.DecodeString(v); err == nil && len(b) >= 32 {
		return b, nil
	}
	if len(v) >= 32 {
		return []byte(v), nil
	}
	return nil, errors.New("must be at least 32 bytes (64 hex characters recommended: `openssl rand -hex 32`)")
}

// EnsureSecret fills SecretKey from DataDir/secret.key, creating that file on first start.
// Losing this file makes encrypted customer data unreadable, so it is created once, never replaced.
func (c *Config) EnsureSecret() (created bool, err error) {
	if c.SecretKey != nil {
		return false, nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		key, err := parseSecret(strings.TrimSpace(string(b)))
		if err != nil {
			return false, fmt.Errorf("%s: %w", path, err)
		}
		c.SecretKey = key
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return false, fmt.Errorf("KEFU_DATA_DIR: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return false, err
	}
	c.SecretKey = key
	return true, nil
}
