package browsertest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"kefu/internal/web"
)

// widgetBudget is issue #7's goal for the widget before its panel opens (gzipped JS).
const widgetBudget = 60 * 1024

// metrics collects what the run measured; it is logged and written to metrics.json in the
// artifacts directory.
type metrics map[string]any

func (m metrics) save(t *testing.T, e *Env) {
	b, _ := json.MarshalIndent(m, "", "  ")
	t.Logf("measured: %s", b)
	os.WriteFile(filepath.Join(e.Out, "metrics.json"), b, 0o644)
}

const (
	q      = "document.querySelector"
	widget = "document.getElementById('kefu-widget-host').shadowRoot"
)

func TestFrontEnd(t *testing.T) {
	e := Start(t)
	shop := SeedShop(t, e, 60)
	m := metrics{}
	defer m.save(t, e)

	t.Run("WidgetBundleSize", func(t *testing.T) {
		name := web.WidgetFile()
		if name == "" {
			t.Fatal("the build has no assets/widget-*.js")
		}
		raw, err := fs.ReadFile(web.Assets(), name)
		if err != nil {
			t.Fatal(err)
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(raw)
		zw.Close()
		m["widget_js_bytes"], m["widget_js_gzip_bytes"] = len(raw), gz.Len()
		if gz.Len() > widgetBudget {
			t.Errorf("widget is %d bytes gzipped, over the %d-byte budget", gz.Len(), widgetBudget)
		}
	})

	t.Run("LoginAndWorkspace", func(t *testing.T) {
		p := e.NewPage(t, PageOptions{Lang: "en-US,en"})
		p.Navigate("/")
		p.Wait("login form", q+"('[data-testid=login] input[name=email]')", 10*time.Second)
		m["login_page_dom_content_loaded_ms"] = Eval[float64](p, "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
		if got := Eval[string](p, q+"('#login-title').textContent"); got != "Sign in to kefu" {
			t.Errorf("login title in English = %q", got)
		}
		p.Screenshot("login-en")
		login(p, AdminEmail)
		p.Wait("inbox", q+"('[data-testid=inbox] .card-link')", 10*time.Second)
		if path := Eval[string](p, "location.pathname"); path != "/inbox" {
			t.Errorf("after sign-in the app is at %q, want /inbox", path)
		}

		// First load of the workspace with a session: from navigation start to data on screen.
		p.Navigate("/inbox")
		p.Wait("inbox with customers", q+"('[data-testid=inbox] .card-link')", 10*time.Second)
		m["workspace_first_load_ms"] = Eval[float64](p, "performance.now()")
		m["workspace_js_transfer_bytes"] = Eval[float64](p, "performance.getEntriesByType('resource').filter(r => r.name.endsWith('.js')).reduce((s, r) => s + r.transferSize, 0)")
		p.Screenshot("workspace-inbox-en")

		// Customer 360: profile, tier, addresses, orders; the order opens with its tracking number.
		p.Navigate(fmt.Sprintf("/customers/%d", shop.CustomerID))
		p.Wait("customer 360", q+"('[data-testid=customer-360] .order-line')", 10*time.Second)
		if got := Eval[string](p, q+"('[data-testid=customer-360] h2').textContent"); got != shop.CustomerName {
			t.Errorf("360 shows %q, want %q", got, shop.CustomerName)
		}
		p.Do(chromedp.Click(chromedp.CSS(".order-line")))
		p.Wait("tracking number", q+"('[data-testid=tracking-number]')", 10*time.Second)
		if got := Eval[string](p, q+"('[data-testid=tracking-number]').textContent"); got != shop.TrackingNumber {
			t.Errorf("tracking number %q, want %q", got, shop.TrackingNumber)
		}
		if n := Eval[int](p, q+"All('.vlist .vrow').length"); n == 0 || n >= shop.Customers {
			t.Errorf("customer list renders %d rows of %d; want a virtualised window (0 < n < all)", n, shop.Customers)
		}
		p.Screenshot("workspace-customer360-en")

		p.Navigate("/orders")
		p.Wait("orders list", q+"('.vlist .row-link')", 10*time.Second)
		if got := Eval[string](p, q+"('.vlist .row-link strong').textContent"); got != shop.OrderNumber {
			t.Errorf("first order %q, want %q", got, shop.OrderNumber)
		}
		p.Navigate("/products")
		p.Wait("products", q+"All('.vlist .grid-row').length === 3", 10*time.Second)
		p.Screenshot("workspace-products-en")
		p.NoConsoleErrors()
	})

	t.Run("LanguageSwitch", func(t *testing.T) {
		p := e.NewPage(t, PageOptions{Lang: "zh-CN,zh"})
		p.Navigate("/")
		p.Wait("login form", q+"('#login-title')", 10*time.Second)
		if got := Eval[string](p, q+"('#login-title').textContent"); got != "登录 kefu" {
			t.Errorf("a Chinese browser gets login title %q, want 登录 kefu", got)
		}
		p.Screenshot("login-zh")
		login(p, AgentEmail)
		p.Wait("inbox", q+"('[data-testid=inbox] .card-link')", 10*time.Second)
		if got := Eval[string](p, q+"('.sidenav a').textContent"); got != "收件箱" {
			t.Errorf("nav in Chinese = %q, want 收件箱", got)
		}
		if lang := Eval[string](p, "document.documentElement.lang"); lang != "zh-CN" {
			t.Errorf("html lang = %q", lang)
		}
		p.Screenshot("workspace-inbox-zh")
		p.Navigate(fmt.Sprintf("/customers/%d", shop.CustomerID))
		p.Wait("customer 360", q+"('[data-testid=customer-360] .order-line')", 10*time.Second)
		p.Screenshot("workspace-customer360-zh")

		// Switch to English: the UI changes at once and the choice survives a reload.
		setSelect(p, "[data-testid=lang-switch]", "en")
		p.Wait("English nav", q+"('.sidenav a').textContent === 'Inbox'", 5*time.Second)
		p.Navigate("/inbox")
		p.Wait("English after reload", q+"('.sidenav a') && "+q+"('.sidenav a').textContent === 'Inbox'", 10*time.Second)
		setSelect(p, "[data-testid=lang-switch]", "zh-CN")
		p.Wait("Chinese again", q+"('.sidenav a').textContent === '收件箱'", 5*time.Second)
		p.NoConsoleErrors()
	})

	t.Run("ConsoleUsers", func(t *testing.T) {
		for _, lang := range []string{"en", "zh"} {
			p := e.NewPage(t, PageOptions{Lang: map[string]string{"en": "en-US,en", "zh": "zh-CN,zh"}[lang]})
			p.Navigate("/console")
			p.Wait("login form", q+"('[data-testid=login] input[name=email]')", 10*time.Second)
			login(p, AdminEmail)
			p.Wait("users table", q+"('[data-testid=users] tbody tr')", 10*time.Second)
			if path := Eval[string](p, "location.pathname"); path != "/console/users" {
				t.Errorf("/console after sign-in went to %q", path)
			}
			email := "new-" + lang + "@browser.test"
			p.Do(
				chromedp.SendKeys(chromedp.CSS("input[name=new-email]"), email),
				chromedp.SendKeys(chromedp.CSS("input[name=new-name]"), "New "+lang),
				chromedp.SendKeys(chromedp.CSS("input[name=new-password]"), "a-long-password-1"),
				chromedp.Click(chromedp.CSS(".panel-form button[type=submit]")),
			)
			p.Wait("new user listed", fmt.Sprintf("[...document.querySelectorAll('[data-testid=users] tbody td')].some(td => td.textContent === %q)", email), 10*time.Second)
			p.Screenshot("console-users-" + lang)
			p.Navigate("/console/widget")
			p.Wait("embed snippet", q+"('[data-testid=embed-snippet]')", 10*time.Second)
			if s := Eval[string](p, q+"('[data-testid=embed-snippet]').textContent"); !strings.Contains(s, e.URL+"/widget.js") {
				t.Errorf("snippet %q does not load %s/widget.js", s, e.URL)
			}
			p.NoConsoleErrors()
		}
	})

	t.Run("AgentHasNoAdminActions", func(t *testing.T) {
		p := e.NewPage(t, PageOptions{Lang: "en-US,en"})
		p.Navigate("/console/users")
		p.Wait("login form", q+"('[data-testid=login] input[name=email]')", 10*time.Second)
		login(p, AgentEmail)
		p.Wait("users table", q+"('[data-testid=users] tbody tr')", 10*time.Second)
		if Eval[bool](p, "!!"+q+"('.panel-form')") {
			t.Error("an agent sees the create-user form")
		}
		if Eval[bool](p, "!!"+q+"('.c360 .link')") {
			t.Error("an agent sees the reveal-contact button")
		}
		p.NoConsoleErrors()
	})

	t.Run("Widget", func(t *testing.T) {
		for _, lang := range []string{"en", "zh"} {
			p := e.NewPage(t, PageOptions{Lang: map[string]string{"en": "en-US,en", "zh": "zh-CN,zh"}[lang]})
			p.Navigate("/demo")
			p.Wait("widget launcher", widget+".querySelector('.launcher')", 10*time.Second)
			if lang == "en" {
				m["widget_transfer_bytes_before_open"] = Eval[float64](p, "performance.getEntriesByType('resource').filter(r => r.name.endsWith('/widget.js')).reduce((s, r) => s + r.encodedBodySize, 0)")
				m["demo_load_event_ms"] = Eval[float64](p, "performance.getEntriesByType('navigation')[0].loadEventEnd")
			}
			launcher := widget + ".querySelector('.launcher')"
			wantOpen := map[string]string{"en": "Open customer service chat", "zh": "打开在线客服"}[lang]
			if got := Eval[string](p, launcher+".getAttribute('aria-label')"); got != wantOpen {
				t.Errorf("launcher label %q, want %q", got, wantOpen)
			}
			// Open with a real click; the panel is interactive when the text box has focus.
			p.Do(chromedp.Click(chromedp.JSPath(launcher)))
			p.Wait("panel input focused", widget+".activeElement && "+widget+".activeElement.id === 'kefu-input'", 5*time.Second)
			if got := Eval[string](p, launcher+".getAttribute('aria-expanded')"); got != "true" {
				t.Errorf("aria-expanded = %q after opening", got)
			}
			if lang == "en" {
				m["widget_panel_open_ms"] = Eval[float64](p, `new Promise(done => {
					const root = `+widget+`;
					root.querySelector('.launcher').click(); // close
					requestAnimationFrame(() => {
						const t0 = performance.now();
						root.querySelector('.launcher').click(); // open again
						const tick = () => root.activeElement && root.activeElement.id === 'kefu-input' ? done(performance.now() - t0) : requestAnimationFrame(tick);
						tick();
					});
				})`)
			}
			greeting := map[string]string{"en": "welcome to Xiaoman Select", "zh": "欢迎光临小满优选"}[lang]
			p.Wait("greeting", widget+".querySelector('.log .bubble').textContent.includes("+jsString(greeting)+")", 5*time.Second)
			if n := Eval[int](p, widget+".querySelectorAll('.quick button').length"); n == 0 {
				t.Error("no quick-reply buttons")
			}
			// Type with the keyboard and send with Enter.
			p.Do(chromedp.KeyEvent(map[string]string{"en": "Where is my order?", "zh": "我的订单到哪了"}[lang]), chromedp.KeyEvent(kb.Enter))
			p.Wait("customer message shown", widget+".querySelector('.msg.mine .bubble')", 5*time.Second)
			p.Screenshot("widget-" + lang)
			// Escape closes the panel and gives focus back to the launcher.
			p.Do(chromedp.KeyEvent(kb.Escape))
			p.Wait("panel closed, focus on launcher", "!"+widget+".querySelector('.panel') && "+widget+".activeElement === "+launcher, 5*time.Second)

			// The visitor keeps their identity across reloads.
			id := Eval[string](p, "JSON.parse(localStorage.getItem('kefu.widget.visitor')).id")
			p.Navigate("/demo")
			p.Wait("widget after reload", launcher, 10*time.Second)
			if again := Eval[string](p, "JSON.parse(localStorage.getItem('kefu.widget.visitor')).id"); again != id || len(id) != 32 {
				t.Errorf("visitor id %q after reload, was %q", again, id)
			}
			p.NoConsoleErrors()
		}
	})

	t.Run("WidgetMobile", func(t *testing.T) {
		p := e.NewPage(t, PageOptions{Lang: "zh-CN,zh", Width: 390, Height: 844, Mobile: true})
		p.Navigate("/demo")
		p.Wait("widget launcher", widget+".querySelector('.launcher')", 10*time.Second)
		p.Do(chromedp.Click(chromedp.JSPath(widget + ".querySelector('.launcher')")))
		p.Wait("panel", widget+".querySelector('.panel')", 5*time.Second)
		w := Eval[float64](p, widget+".querySelector('.panel').getBoundingClientRect().width")
		h := Eval[float64](p, widget+".querySelector('.panel').getBoundingClientRect().height")
		if w < 389 || h < 700 {
			t.Errorf("mobile panel is %.0f×%.0f, want full screen 390×844", w, h)
		}
		p.Screenshot("widget-mobile-zh")
		p.NoConsoleErrors()
	})
}

// login signs in through the form with the keyboard, as a person would.
func login(p *Page, email string) {
	p.t.Helper()
	p.Do(
		chromedp.SendKeys(chromedp.CSS("[data-testid=login] input[name=email]"), email),
		chromedp.SendKeys(chromedp.CSS("[data-testid=login] input[name=password]"), Password+kb.Enter),
	)
}

// setSelect chooses an option and fires the change event, as a user's choice would.
func setSelect(p *Page, sel, value string) {
	p.t.Helper()
	Eval[chromedp.Void](p, fmt.Sprintf(`(() => { const s = document.querySelector(%s); s.value = %s; s.dispatchEvent(new Event('change', {bubbles: true})) })()`, jsString(sel), jsString(value)))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
