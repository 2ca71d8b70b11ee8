// Package browsertest drives kefu's real web front end in headless Chromium (Debian's
// chromium package) from Go tests: it starts the whole app with the embedded front end on a
// fresh SQLite database behind httptest, opens isolated browser tabs in a chosen language,
// records every console message, and saves screenshots — and, when a test fails, the page's
// HTML and console log — to an artifacts directory.
//
// Tests skip with a clear message when Chromium is not installed or the front end was not built
// into this binary (`make web`). KEFU_CHROMIUM names another browser binary;
// KEFU_BROWSERTEST_OUT sets the artifacts directory (default $TMPDIR/kefu-browsertest);
// KEFU_UPDATE_SCREENSHOTS=1 also copies the screenshots into docs/screenshots/.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"kefu/internal/app"
	"kefu/internal/auth"
	"kefu/internal/pii"
	"kefu/internal/store/storetest"
	"kefu/internal/web"
)

// Password is the password of every user Start creates.
const Password = "browser-test-pw-1"

// Emails of the users Start creates.
const (
	AdminEmail = "admin@browser.test"
	AgentEmail = "agent@browser.test"
)

// Chromium returns the browser binary to use, or "" when none is installed.
func Chromium() string {
	if p := os.Getenv("KEFU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// SkipUnlessReady skips the test when the browser or the built front end is missing.
func SkipUnlessReady(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	if web.Assets() == nil {
		t.Skip("front end not built into this binary: run `make web` (cd web && npm ci && npm run build) first; browser tests skipped")
	}
	if Chromium() == "" {
		t.Skip("chromium not installed (apt-get install -y chromium, or set KEFU_CHROMIUM): browser tests skipped")
	}
}

// Env is a running kefu with its front end, and one headless browser.
type Env struct {
	App *app.App
	URL string
	Out string // artifacts directory

	browser context.Context
	mu      sync.Mutex
	pages   int
}

// Start builds the app on a fresh SQLite database, serves it with the front end exactly as
// `kefu serve` does, creates an admin and an agent, and starts Chromium.
func Start(t testing.TB) *Env {
	t.Helper()
	SkipUnlessReady(t)
	db := storetest.OpenSQLite(t)
	box, err := pii.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, box, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(web.New(a.Server.Handler(), web.Options{}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, u := range []auth.NewUser{
		{Email: AdminEmail, Name: "Ada Admin", Password: Password, Role: string(auth.RoleAdmin), Lang: "en"},
		{Email: AgentEmail, Name: "李娜", Password: Password, Role: string(auth.RoleAgent), Lang: "zh"},
	} {
		if _, err := a.Auth.CreateUser(ctx, db, u); err != nil {
			t.Fatalf("create user %s: %v", u.Email, err)
		}
	}

	out := os.Getenv("KEFU_BROWSERTEST_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "kefu-browsertest")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium()),
		chromedp.NoSandbox, // root in CI containers
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("user-data-dir", t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// The first action must run on the browser's own context (not a derived one with a
	// deadline): chromedp ties the browser's life to the context that started it.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start chromium (%s): %v", Chromium(), err)
	}
	return &Env{App: a, URL: srv.URL, Out: out, browser: browserCtx}
}

// HasAPI reports whether the server registers a route with this path (any method).
func (e *Env) HasAPI(path string) bool {
	for _, rt := range e.App.Server.AllRoutes() {
		if rt.Path == path {
			return true
		}
	}
	return false
}

// PageOptions choose a tab's language and screen.
type PageOptions struct {
	Lang   string // Accept-Language and navigator.languages, e.g. "zh-CN,zh" or "en-US,en"
	Width  int64  // default 1200
	Height int64  // default 760
	Mobile bool
}

// Page is one browser tab in its own browser context (no shared cookies or storage).
type Page struct {
	Ctx  context.Context
	env  *Env
	t    testing.TB
	name string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// NewPage opens a tab. When the test fails, the page's HTML and console log are saved.
func (e *Env) NewPage(t testing.TB, o PageOptions) *Page {
	t.Helper()
	if o.Width == 0 {
		o.Width, o.Height = 1200, 760
	}
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	e.mu.Lock()
	e.pages++
	p := &Page{Ctx: ctx, env: e, t: t, name: fmt.Sprintf("%s-%d", safeName(t.Name()), e.pages)}
	e.mu.Unlock()
	if err := chromedp.Do(ctx); err != nil { // opens the tab, tied to ctx
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	t.Cleanup(func() {
		if t.Failed() {
			p.saveFailure()
		}
	})
	var vopts []chromedp.EmulateViewportOption
	if o.Mobile {
		vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p.Do(chromedp.EmulateViewport(o.Width, o.Height, vopts...))
	if o.Lang != "" {
		p.Do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 kefu-browsertest", AcceptLanguage: o.Lang,
			})
			return chromedp.Void{}, err
		})
	}
	return p
}

// Do runs actions with a time limit and fails the test on error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// Eval evaluates JavaScript (awaiting a returned promise) and decodes the result.
func Eval[T any](p *Page, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, func(ep *cdpruntime.EvaluateParams) { ep.AwaitPromise = new(true) }))
	if err != nil {
		p.t.Fatalf("evaluate %q: %v", short(js), err)
	}
	return v
}

// Wait polls a JavaScript expression until it is truthy (at most timeout).
func (p *Page) Wait(what, js string, timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, timeout+5*time.Second)
	defer cancel()
	// An expression that throws (an element not rendered yet) counts as "not yet", not as a
	// failure: the page is still starting.
	guarded := "(() => { try { return (" + js + ") } catch (e) { return false } })()"
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](guarded, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(25*time.Millisecond))); err != nil {
		p.t.Fatalf("waiting for %s (%s): %v", what, short(js), err)
	}
}

// Type focuses the element and inserts text as one input event (Input.insertText), as an IME
// or a paste would: one round trip instead of three key events per character.
func (p *Page) Type(css, text string) {
	p.t.Helper()
	p.Do(chromedp.Focus(chromedp.CSS(css)), func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: text})
		return chromedp.Void{}, err
	})
}

// Navigate opens a path of the server.
func (p *Page) Navigate(path string) {
	p.t.Helper()
	p.Do(chromedp.Navigate(p.env.URL + path))
}

// Screenshot saves a PNG of the viewport as <name>.png in the artifacts directory (and in
// docs/screenshots/ when KEFU_UPDATE_SCREENSHOTS=1). It returns the file's size.
func (p *Page) Screenshot(name string) int {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.env.Out, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if os.Getenv("KEFU_UPDATE_SCREENSHOTS") == "1" {
		dir := filepath.Join(repoRoot(), "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err == nil {
			os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		}
	}
	p.t.Logf("screenshot %s (%d KB)", path, len(png)/1024)
	return len(png)
}

// Console returns the console messages so far.
func (p *Page) Console() []chromedp.ConsoleMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), p.console...)
}

// ConsoleErrors returns console errors, uncaught exceptions and browser-log errors (failed
// requests, CSP violations) so far.
func (p *Page) ConsoleErrors() []string {
	var out []string
	for _, m := range p.Console() {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			out = append(out, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
		}
	}
	return out
}

// NoConsoleErrors fails the test when the page logged any error.
func (p *Page) NoConsoleErrors() {
	p.t.Helper()
	// Console events arrive asynchronously; a round trip flushes those already sent.
	Eval[chromedp.Void](p, "0")
	if errs := p.ConsoleErrors(); len(errs) > 0 {
		p.t.Errorf("console errors:\n  %s", strings.Join(errs, "\n  "))
	}
}

func (p *Page) saveFailure() {
	ctx, cancel := context.WithTimeout(p.Ctx, 5*time.Second)
	defer cancel()
	base := filepath.Join(p.env.Out, "FAILED-"+p.name)
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML")); err == nil {
		os.WriteFile(base+".html", []byte(html), 0o644)
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(base+".png", png, 0o644)
	}
	var b strings.Builder
	for _, m := range p.Console() {
		fmt.Fprintf(&b, "%s %s %s:%d\n", m.Time.Format(time.RFC3339Nano), m, m.URL, m.Line+1)
	}
	os.WriteFile(base+".console.log", []byte(b.String()), 0o644)
	p.t.Logf("failure artifacts: %s.{html,png,console.log}", base)
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// repoRoot is the module root (two levels above this file).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
