// Package web serves kefu's built front end — the agent workspace and admin console (one
// single-page app), the customer widget (/widget.js) and the demo shop page (/demo) — from
// assets embedded in the binary, in front of the API handler.
//
// The assets are built from web/ (`cd web && npm ci && npm run build`) into dist/site/. The Go
// build never depends on them: without them every front-end URL answers with a page saying how
// to build it, and the API works as usual.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var embedded embed.FS

// siteDir is where the Vite build writes inside dist/.
const siteDir = "dist/site"

// Assets returns the embedded build, or nil when the front end was not built into this binary.
func Assets() fs.FS {
	sub, err := fs.Sub(embedded, siteDir)
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}

// Options adjust the handler.
type Options struct {
	// Assets overrides the embedded build (tests); nil means Assets(). A file system without
	// index.html counts as "not built".
	Assets fs.FS
	// Reserved lists path prefixes that always go to the API handler even though they look like
	// app pages (for example "/ws" for a realtime endpoint). /api/, /healthz, /readyz and
	// /metrics are always reserved.
	Reserved []string
}

// New returns a handler that serves the front end and passes everything else to api.
//
// Routes: / and every extension-less path (the app routes itself: /console, /customers/12, …)
// → index.html; /assets/* → hashed files cached for a year; /widget.js → the widget bundle
// under a stable name shops can embed; /demo → the demo shop page.
func New(api http.Handler, opt Options) http.Handler {
	h := &handler{api: api, assets: opt.Assets, gz: map[string]*encoded{}}
	if h.assets == nil {
		h.assets = Assets()
	} else if _, err := fs.Stat(h.assets, "index.html"); err != nil {
		h.assets = nil // a build without its index page is no build
	}
	h.reserved = append([]string{"/api/", "/healthz", "/readyz", "/metrics"}, opt.Reserved...)
	if h.assets != nil {
		h.widget = findWidget(h.assets)
	}
	return h
}

type handler struct {
	api      http.Handler
	assets   fs.FS // nil: not built
	reserved []string
	widget   string // path of the hashed widget bundle inside assets, "" if missing

	mu sync.Mutex
	gz map[string]*encoded
}

// encoded is a file read once, with its gzip form and a strong ETag.
type encoded struct {
	raw, gz []byte
	etag    string
}

const (
	cacheImmutable = "public, max-age=31536000, immutable"
	// The widget loader keeps a stable URL on shops' pages, so caches must revalidate it soon
	// after a deploy; the ETag makes that a cheap 304.
	cacheWidget = "public, max-age=300"
	cacheShort  = "public, max-age=3600"
	cacheNone   = "no-cache"
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || h.isReserved(p) {
		h.api.ServeHTTP(w, r)
		return
	}
	switch {
	case p == "/widget.js":
		h.serveWidget(w, r)
	case strings.HasPrefix(p, "/assets/"):
		h.serveFile(w, r, strings.TrimPrefix(p, "/"), cacheImmutable, false)
	case p == "/demo" || p == "/demo/":
		h.servePage(w, r, "demo.html")
	case isAppPath(p):
		h.servePage(w, r, "index.html")
	default:
		// Top-level public files (favicon.svg, robots.txt); anything else is the API's 404.
		name := strings.TrimPrefix(p, "/")
		if h.assets != nil && !strings.Contains(name, "/") && name != "" && !strings.HasSuffix(name, ".html") {
			if st, err := fs.Stat(h.assets, name); err == nil && !st.IsDir() {
				h.serveFile(w, r, name, cacheShort, false)
				return
			}
		}
		h.api.ServeHTTP(w, r)
	}
}

func (h *handler) isReserved(p string) bool {
	for _, pre := range h.reserved {
		if p == strings.TrimSuffix(pre, "/") || strings.HasPrefix(p, strings.TrimSuffix(pre, "/")+"/") {
			return true
		}
	}
	return false
}

// isAppPath reports whether p names a page of the single-page app: no file extension in the
// last segment, and no odd characters (so /x.php or /../ never reach the app).
func isAppPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
		return false
	}
	return !strings.Contains(path.Base(p), ".")
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request, name string) {
	if h.assets == nil {
		notBuilt(w)
		return
	}
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	// Everything is served from this origin: no CDN, no inline script.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	h.serveFile(w, r, name, cacheNone, true)
}

func (h *handler) serveWidget(w http.ResponseWriter, r *http.Request) {
	if h.widget == "" {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", cacheNone)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`console.warn("kefu: the chat widget is not built into this server (run make web, then rebuild kefu)");` + "\n"))
		return
	}
	// Shops load the widget from their own pages.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.serveFile(w, r, h.widget, cacheWidget, false)
}

// serveFile writes one asset with its cache policy, ETag and gzip when the client accepts it.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name, cache string, page bool) {
	if h.assets == nil {
		notBuilt(w)
		return
	}
	e, err := h.load(name)
	if err != nil {
		if page {
			notBuilt(w)
			return
		}
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType(name))
	hd.Set("Cache-Control", cache)
	hd.Set("ETag", e.etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := e.raw
	if e.gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = e.gz
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func (h *handler) load(name string) (*encoded, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.gz[name]; ok {
		return e, nil
	}
	raw, err := fs.ReadFile(h.assets, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	e := &encoded{raw: raw, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if compressible(name) && len(raw) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(raw)
		zw.Close()
		if buf.Len() < len(raw) {
			e.gz = buf.Bytes()
		}
	}
	h.gz[name] = e
	return e, nil
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".js", ".css", ".html", ".svg", ".json", ".txt", ".map":
		return true
	}
	return false
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".json", ".map":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	case ".ico":
		return "image/x-icon"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// findWidget locates the hashed widget bundle (assets/widget-<hash>.js).
func findWidget(assets fs.FS) string {
	matches, _ := fs.Glob(assets, "assets/widget-*.js")
	if len(matches) == 0 {
		return ""
	}
	return matches[len(matches)-1]
}

// WidgetFile returns the path of the widget bundle inside the embedded build ("" if absent),
// for size checks.
func WidgetFile() string {
	if a := Assets(); a != nil {
		return findWidget(a)
	}
	return ""
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kefu — front end not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}code{background:#f0f2f5;padding:.1rem .3rem;border-radius:4px}</style>
</head><body>
<h1>Front end not built — run <code>make web</code></h1>
<p>This kefu binary was built without its web front end, so the workspace, admin console,
widget and demo shop are missing. The API works: see <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
<p>To include the front end, build it and then the binary again:</p>
<pre><code>make web      # cd web &amp;&amp; npm ci &amp;&amp; npm run build
make build</code></pre>
<h2 lang="zh-CN">前端尚未构建 — 请运行 <code>make web</code></h2>
<p lang="zh-CN">此 kefu 程序构建时未包含网页前端（工作台、管理后台、客服挂件、演示商店）。API 可正常使用。
先构建前端，再重新构建程序即可。</p>
</body></html>
`

func notBuilt(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", cacheNone)
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(notBuiltPage))
}
