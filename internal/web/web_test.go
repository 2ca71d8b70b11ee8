package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// apiStub stands for the API handler: it names itself so tests see who answered.
var apiStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Handler", "api")
	w.WriteHeader(http.StatusTeapot)
})

var bigJS = "console.log(" + strings.Repeat(`"kefu widget code", `, 200) + "1)"

func built() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                {Data: []byte("<!doctype html><title>app</title><div id=app></div>")},
		"demo.html":                 {Data: []byte("<!doctype html><title>demo</title>")},
		"favicon.svg":               {Data: []byte("<svg/>")},
		"assets/index-AbC123.js":    {Data: []byte(bigJS)},
		"assets/widget-XyZ789.js":   {Data: []byte(bigJS + "//widget")},
		"assets/index-AbC123.css":   {Data: []byte("body{}")},
		"assets/sub/nested-1a2b.js": {Data: []byte("1")},
	}
}

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRoutes(t *testing.T) {
	h := New(apiStub, Options{Assets: built(), Reserved: []string{"/ws"}})
	cases := []struct {
		method, path string
		status       int
		handler      string // "api" or "" (front end)
		cache        string
		bodyHas      string
	}{
		{"GET", "/", 200, "", "no-cache", "<title>app"},
		{"GET", "/inbox", 200, "", "no-cache", "<title>app"},
		{"GET", "/console", 200, "", "no-cache", "<title>app"},
		{"GET", "/console/users", 200, "", "no-cache", "<title>app"},
		{"GET", "/customers/12", 200, "", "no-cache", "<title>app"},
		{"HEAD", "/orders", 200, "", "no-cache", ""},
		{"GET", "/demo", 200, "", "no-cache", "<title>demo"},
		{"GET", "/demo/", 200, "", "no-cache", "<title>demo"},
		{"GET", "/widget.js", 200, "", "public, max-age=300", "//widget"},
		{"GET", "/assets/index-AbC123.js", 200, "", "public, max-age=31536000, immutable", "kefu widget code"},
		{"GET", "/assets/sub/nested-1a2b.js", 200, "", "public, max-age=31536000, immutable", "1"},
		{"GET", "/favicon.svg", 200, "", "public, max-age=3600", "<svg/>"},
		{"GET", "/assets/missing-000.js", 404, "", "", "not found"},
		// Never shadowed: API, health, metrics, reserved prefixes, non-GET methods, file-like paths.
		{"GET", "/api/v1/orders", 418, "api", "", ""},
		{"GET", "/api/", 418, "api", "", ""},
		{"GET", "/healthz", 418, "api", "", ""},
		{"GET", "/readyz", 418, "api", "", ""},
		{"GET", "/metrics", 418, "api", "", ""},
		{"GET", "/ws", 418, "api", "", ""},
		{"GET", "/ws/visitor", 418, "api", "", ""},
		{"POST", "/", 418, "api", "", ""},
		{"POST", "/inbox", 418, "api", "", ""},
		{"GET", "/wp-login.php", 418, "api", "", ""},
		{"GET", "/index.html", 418, "api", "", ""},
		{"GET", "/../etc/passwd", 418, "api", "", ""},
	}
	for _, c := range cases {
		w := get(t, h, c.method, c.path, nil)
		if w.Code != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, w.Code, c.status)
			continue
		}
		if got := w.Header().Get("X-Handler"); got != c.handler {
			t.Errorf("%s %s: answered by %q, want %q", c.method, c.path, got, c.handler)
		}
		if c.cache != "" && w.Header().Get("Cache-Control") != c.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", c.method, c.path, w.Header().Get("Cache-Control"), c.cache)
		}
		if c.bodyHas != "" && !strings.Contains(w.Body.String(), c.bodyHas) {
			t.Errorf("%s %s: body %q lacks %q", c.method, c.path, w.Body.String(), c.bodyHas)
		}
	}
}

func TestHeaders(t *testing.T) {
	h := New(apiStub, Options{Assets: built()})
	w := get(t, h, "GET", "/inbox", nil)
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("page Content-Type %q", ct)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "http") {
		t.Errorf("page CSP %q must allow only this origin", csp)
	}
	if w.Header().Get("X-Frame-Options") != "DENY" {
		t.Error("app pages must not be framed")
	}
	w = get(t, h, "GET", "/widget.js", nil)
	if w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("widget headers: %v", w.Header())
	}
	if w.Header().Get("X-Frame-Options") != "" {
		t.Error("the widget script is not a page")
	}
}

func TestGzipAndETag(t *testing.T) {
	h := New(apiStub, Options{Assets: built()})
	w := get(t, h, "GET", "/assets/index-AbC123.js", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", w.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != bigJS {
		t.Error("gzip body does not decode to the file")
	}
	if w.Body.Len() >= len(bigJS) {
		t.Errorf("gzip %d bytes is not smaller than %d", w.Body.Len(), len(bigJS))
	}
	if w := get(t, h, "GET", "/assets/index-AbC123.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that refused it")
	}
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if w := get(t, h, "GET", "/assets/index-AbC123.js", map[string]string{"If-None-Match": etag}); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: status %d, %d body bytes; want 304 and none", w.Code, w.Body.Len())
	}
	if w := get(t, h, "GET", "/widget.js", map[string]string{"Range": "bytes=0-9"}); w.Code != http.StatusPartialContent || w.Body.Len() != 10 {
		t.Errorf("range: status %d, %d bytes", w.Code, w.Body.Len())
	}
}

func TestNotBuilt(t *testing.T) {
	h := New(apiStub, Options{Assets: fstest.MapFS{"assets/app-1.js": {Data: []byte("1")}}})
	for _, path := range []string{"/", "/console/users", "/demo"} {
		w := get(t, h, "GET", path, nil)
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "run <code>make web</code>") {
			t.Errorf("%s without assets: %d %q", path, w.Code, w.Body.String())
		}
	}
	w := get(t, h, "GET", "/widget.js", nil)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "console.warn") {
		t.Errorf("/widget.js without assets: %d %q", w.Code, w.Body.String())
	}
	if w := get(t, h, "GET", "/assets/app-1.js", nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("asset without build: %d", w.Code)
	}
	for _, path := range []string{"/healthz", "/api/v1/orders"} {
		if w := get(t, h, "GET", path, nil); w.Header().Get("X-Handler") != "api" {
			t.Errorf("%s: the API must work without the front end", path)
		}
	}
}

func TestIsAppPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/inbox": true, "/customers/12": true, "/console/users/": true,
		"/x.php": false, "/a/b.js": false, "/..": false, "/a/../b": false, "": false,
	} {
		if got := isAppPath(p); got != want {
			t.Errorf("isAppPath(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{"gzip": true, "gzip, deflate, br": true, "br;q=1, gzip;q=0.5": true, "gzip;q=0": false, "identity": false, "": false} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", h)
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v", h, got)
		}
	}
}

// TestEmbeddedBuild checks the real build when there is one: every asset index.html and
// demo.html reference is embedded, and the widget bundle is there.
func TestEmbeddedBuild(t *testing.T) {
	a := Assets()
	if a == nil {
		t.Skip("front end not built (run make web): embedded build not checked")
	}
	if WidgetFile() == "" {
		t.Error("no assets/widget-*.js in the build")
	}
	ref := regexp.MustCompile(`(?:src|href)="(/[^"]+)"`)
	for _, page := range []string{"index.html", "demo.html"} {
		b, err := fs.ReadFile(a, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			if m[1] == "/widget.js" || !strings.Contains(path.Base(m[1]), ".") {
				continue // the widget's stable name, or a link to a page
			}
			if _, err := fs.Stat(a, strings.TrimPrefix(m[1], "/")); err != nil {
				t.Errorf("%s references %s, which is not embedded", page, m[1])
			}
			if strings.Contains(m[1], "//") || strings.HasPrefix(m[1], "http") {
				t.Errorf("%s loads %s from elsewhere; every asset must be local", page, m[1])
			}
		}
	}
}
