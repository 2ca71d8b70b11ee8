package httpapi

import (
	"net/http"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/metrics"
)

func (s *Server) coreRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/healthz", Public: true, Handler: s.healthz, Tag: "system", Summary: "Liveness: the process is up", Response: statusResponse{}},
		{Method: "GET", Path: "/readyz", Public: true, Handler: s.readyz, Tag: "system", Summary: "Readiness: the database answers", Response: statusResponse{}},
		{Method: "GET", Path: "/metrics", Public: true, Handler: s.metrics, Tag: "system", Summary: "Prometheus metrics (text format)", Raw: true},
		{Method: "GET", Path: "/api/v1/openapi.json", Public: true, Handler: s.openapi, Tag: "system", Summary: "This API's OpenAPI 3 document", Raw: true},
		{Method: "POST", Path: "/api/v1/auth/login", Public: true, Handler: s.login, Tag: "auth", Summary: "Sign in; returns a bearer token and sets the session cookie", Body: loginRequest{}, Response: loginResponse{}},
		{Method: "POST", Path: "/api/v1/auth/logout", Handler: s.logout, Tag: "auth", Summary: "End the current session", Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/auth/me", Handler: s.me, Tag: "auth", Summary: "The signed-in user and their permissions", Response: meResponse{}},
		{Method: "GET", Path: "/api/v1/users", Perm: auth.PermUsersRead, Handler: s.listUsers, Tag: "users", Summary: "List staff users", Response: listResponse[auth.User]{}},
		{Method: "POST", Path: "/api/v1/users", Perm: auth.PermUsersWrite, Handler: s.createUser, Tag: "users", Summary: "Create a staff user", Body: auth.NewUser{}, Response: auth.User{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/api-tokens", Perm: auth.PermSettingsWrite, Handler: s.createAPIToken, Tag: "users", Summary: "Issue an API token for a shop's server (shown once)", Body: apiTokenRequest{}, Response: apiTokenResponse{}, Status: http.StatusCreated},
	}
}

type statusResponse struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, statusResponse{Status: "ok", Version: s.Version})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if reason := s.notReady.Load(); reason != nil {
		return apperr.New(http.StatusServiceUnavailable, "starting", *reason)
	}
	if err := s.DB.Ping(r.Context()); err != nil {
		s.Log.Warn("readiness check failed", "err", err)
		return apperr.New(http.StatusServiceUnavailable, "database_unavailable", "the database does not answer")
	}
	writeJSON(w, http.StatusOK, statusResponse{Status: "ready"})
	return nil
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	metrics.Default.WriteText(w)
	return nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string     `json:"token"`
	CSRFToken string     `json:"csrf_token"`
	ExpiresAt time.Time  `json:"expires_at"`
	User      *auth.User `json:"user"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Email) == "" {
		return apperr.Invalid("email", "is required")
	}
	if in.Password == "" {
		return apperr.Invalid("password", "is required")
	}
	token, p, err := s.Auth.Login(r.Context(), in.Email, in.Password, clientIP(r))
	if err != nil {
		return err
	}
	exp := time.Now().Add(auth.SessionTTL)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: exp, HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	writeJSON(w, http.StatusOK, loginResponse{Token: token, CSRFToken: p.CSRFToken, ExpiresAt: exp, User: p.User})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.SessionID != 0 {
		if err := s.Auth.Logout(r.Context(), p.SessionID); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meResponse struct {
	User        *auth.User        `json:"user"`
	Permissions []auth.Permission `json:"permissions"`
	CSRFToken   string            `json:"csrf_token,omitempty"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var perms []auth.Permission
	for _, rt := range s.AllRoutes() {
		if rt.Perm != "" && auth.Can(p.User.Role, rt.Perm) && !containsPerm(perms, rt.Perm) {
			perms = append(perms, rt.Perm)
		}
	}
	writeJSON(w, http.StatusOK, meResponse{User: p.User, Permissions: perms, CSRFToken: p.CSRFToken})
	return nil
}

func containsPerm(ps []auth.Permission, p auth.Permission) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Auth.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := make([]auth.User, len(users))
	for i, u := range users {
		out[i] = *u
	}
	writeJSON(w, http.StatusOK, listResponse[auth.User]{Items: out, Limit: len(out)})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.NewUser
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.Auth.CreateUser(r.Context(), s.DB, in)
	if err != nil {
		return err
	}
	s.audit(r, "user.create", "user", u.ID, map[string]any{"role": u.Role})
	writeJSON(w, http.StatusCreated, u)
	return nil
}

type apiTokenRequest struct {
	Name string `json:"name"`
}

type apiTokenResponse struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

func (s *Server) createAPIToken(w http.ResponseWriter, r *http.Request) error {
	var in apiTokenRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, id, err := s.Auth.CreateAPIToken(r.Context(), principal(r).User.ID, in.Name)
	if err != nil {
		return err
	}
	s.audit(r, "api_token.create", "api_token", id, nil)
	writeJSON(w, http.StatusCreated, apiTokenResponse{ID: id, Name: strings.TrimSpace(in.Name), Token: token})
	return nil
}

// audit records who did what. It runs after the change; failures are logged, not shown.
func (s *Server) audit(r *http.Request, action, entity string, id int64, details map[string]any) {
	e := auth.Entry{ActorKind: "user", Action: action, Entity: entity, EntityID: id, Details: details, IP: clientIP(r)}
	if p := principal(r); p != nil {
		e.ActorID = p.User.ID
	}
	if err := s.Auth.Audit(r.Context(), s.DB, e); err != nil {
		s.Log.Error("audit failed", "action", action, "err", err)
	}
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndex(host, ":"); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
