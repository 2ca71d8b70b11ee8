// Package apptest starts a complete kefu (every service and route) on a test database behind
// a real HTTP server, with one signed-in user per role, for API tests on both databases.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kefu/internal/app"
	"kefu/internal/auth"
	"kefu/internal/pii"
	"kefu/internal/store"
)

// Password is every test user's password.
const Password = "test-password-1"

// Env is a running kefu under test.
type Env struct {
	App    *app.App
	Server *httptest.Server
	// Tokens holds a bearer token per role: "admin", "supervisor", "agent".
	Tokens map[auth.Role]string
	Users  map[auth.Role]*auth.User
}

// Start builds the app on db, starts an HTTP server and signs in one user per role.
func Start(t testing.TB, db *store.DB) *Env {
	t.Helper()
	box, err := pii.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a := app.New(db, box, log)
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	e := &Env{App: a, Server: srv, Tokens: map[auth.Role]string{}, Users: map[auth.Role]*auth.User{}}
	ctx := context.Background()
	for _, role := range auth.Roles {
		email := string(role) + "@test.kefu"
		u, err := a.Auth.CreateUser(ctx, db, auth.NewUser{Email: email, Name: "Test " + string(role), Password: Password, Role: string(role)})
		if err != nil {
			t.Fatalf("create %s: %v", role, err)
		}
		token, _, err := a.Auth.Login(ctx, email, Password, "127.0.0.1")
		if err != nil {
			t.Fatalf("login %s: %v", role, err)
		}
		e.Tokens[role], e.Users[role] = token, u
	}
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Do sends a request as role ("" for no credentials). body may be nil, a []byte/string sent
// as is, or a value encoded as JSON. It returns the status and the raw response body.
func (e *Env) Do(t testing.TB, role auth.Role, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.Tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// JSON sends a request, checks the status and decodes the response into out (if not nil).
func (e *Env) JSON(t testing.TB, role auth.Role, method, path string, body any, wantStatus int, out any) {
	t.Helper()
	status, raw := e.Do(t, role, method, path, body)
	if status != wantStatus {
		t.Fatalf("%s %s as %q: status %d, want %d; body: %s", method, path, role, status, wantStatus, truncate(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %T: %v; body: %s", method, path, out, err, truncate(raw))
		}
	}
}

// ErrorCode extracts error.code from an error response body.
func ErrorCode(raw []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(raw, &e)
	return e.Error.Code
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}
