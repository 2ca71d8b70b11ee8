// Package httpapi is kefu's HTTP surface: one route table (routes*.go) that registers every
// endpoint with its permission and documents it in the OpenAPI file, uniform thin handlers
// (decode → validate → domain call → JSON), and the middleware they share.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/metrics"
	"kefu/internal/store"
)

// Server holds the wiring every handler needs. Domain services hang off it.
type Server struct {
	DB            *store.DB
	Auth          *auth.Service
	Log           *slog.Logger
	MaxBodyBytes  int64
	SecureCookies bool
	Version       string
	Services      Services

	// extraRoutes lets optional subsystems (realtime, web front end) add routes.
	extraRoutes []Route
	// notReady, when set, is why /readyz answers 503 (e.g. the demo store is still loading).
	notReady atomic.Pointer[string]
	handler  http.Handler
}

// Route is one endpoint: how it is matched, who may call it, and how it is documented.
type Route struct {
	Method  string
	Path    string          // net/http pattern path, e.g. /api/v1/orders/{id}
	Perm    auth.Permission // required permission; "" with Public=false means any signed-in user
	Public  bool            // no credentials needed
	Handler func(w http.ResponseWriter, r *http.Request) error
	// Documentation for the OpenAPI file.
	Tag      string
	Summary  string
	Query    []Param
	Body     any // a zero value of the request body type
	Response any // a zero value of the success response type
	Status   int // success status (default 200)
	Raw      bool
}

// Param documents a query parameter.
type Param struct {
	Name, Type, Description string
	Enum                    []string
}

var (
	requestsTotal   = metrics.Default.NewCounter("kefu_http_requests_total", "HTTP requests by route and status code.", "route", "code")
	requestDuration = metrics.Default.NewHistogram("kefu_http_request_duration_seconds", "HTTP request latency by route.", metrics.LatencyBuckets, "route")
)

type principalKey struct{}

// principal returns the signed-in user of a request (nil on public routes).
func principal(r *http.Request) *auth.Principal {
	p, _ := r.Context().Value(principalKey{}).(*auth.Principal)
	return p
}

// SetNotReady makes /readyz answer 503 with reason until SetReady is called.
func (s *Server) SetNotReady(reason string) { s.notReady.Store(&reason) }

// SetReady clears a SetNotReady.
func (s *Server) SetReady() { s.notReady.Store(nil) }

// AddRoutes registers extra routes before Handler is first called.
func (s *Server) AddRoutes(rs ...Route) { s.extraRoutes = append(s.extraRoutes, rs...) }

// AllRoutes is the complete route table.
func (s *Server) AllRoutes() []Route {
	rs := s.coreRoutes()
	rs = append(rs, s.domainRoutes()...)
	return append(rs, s.extraRoutes...)
}

// Handler builds the mux once.
func (s *Server) Handler() http.Handler {
	if s.handler != nil {
		return s.handler
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = 1 << 20
	}
	mux := http.NewServeMux()
	for _, rt := range s.AllRoutes() {
		mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	// Anything else under the API gets a JSON 405 (the path exists with other methods) or 404.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/api/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{&apperr.Error{Status: 405, Code: "method_not_allowed",
				Message: r.Method + " is not allowed on " + r.URL.Path + " (allowed: " + strings.Join(allowed, ", ") + ")"}})
			return
		}
		writeJSON(w, http.StatusNotFound, errorBody{&apperr.Error{Status: 404, Code: "route_not_found", Message: "no such API endpoint: " + r.Method + " " + r.URL.Path}})
	})
	s.handler = s.recoverer(widgetCORS(mux))
	return s.handler
}

// wrap applies authentication, permission and CSRF checks, metrics and error rendering.
func (s *Server) wrap(rt Route) http.Handler {
	label := rt.Method + " " + rt.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		defer func() {
			requestsTotal.Inc(label, strconv.Itoa(sw.status))
			requestDuration.Since(start, label)
		}()
		if !rt.Public {
			p, err := s.authenticate(r)
			if err != nil {
				writeError(sw, r, s.Log, err)
				return
			}
			if rt.Perm != "" && !auth.Can(p.User.Role, rt.Perm) {
				writeError(sw, r, s.Log, apperr.Forbidden("your role ("+string(p.User.Role)+") does not allow "+string(rt.Perm)))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		}
		if err := rt.Handler(sw, r); err != nil {
			writeError(sw, r, s.Log, err)
		}
	})
}

const sessionCookie = "kefu_session"

// authenticate accepts a bearer token (API clients) or the session cookie (the web app). Cookie
// requests that change state must echo the session's CSRF token in X-CSRF-Token: a forged
// cross-site form can send the cookie but cannot read the token.
func (s *Server) authenticate(r *http.Request) (*auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, apperr.Unauthorized("Authorization must be `Bearer <token>`")
		}
		return s.Auth.Authenticate(r.Context(), strings.TrimSpace(token))
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, apperr.Unauthorized("sign in required: send Authorization: Bearer <token> or the session cookie")
	}
	p, err := s.Auth.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if got := r.Header.Get("X-CSRF-Token"); got == "" || got != p.CSRFToken {
			return nil, &apperr.Error{Status: http.StatusForbidden, Code: "csrf_failed", Message: "missing or wrong X-CSRF-Token header for a cookie-authenticated request"}
		}
	}
	return p, nil
}

// widgetCORS lets the chat widget on a shop's own domain call the widget API. The widget
// authenticates with the X-Visitor-Token header (never cookies), so any origin may call it
// without exposing staff sessions; staff endpoints get no CORS headers at all.
func widgetCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/widget/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Headers", "Content-Type, X-Visitor-Token")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Max-Age", "600")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into a logged 500 so one bad request never takes the server down.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, errorBody{apperr.New(500, "internal", "something went wrong on our side; it has been logged")})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int)        { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
