package httpapi

import (
	"net/http"

	"kefu/internal/auth"
)

func init() { routeGroups = append(routeGroups, (*Server).userAdminRoutes) }

// userAdminRoutes let an admin run staff accounts and API tokens from the console. Every
// change is audited in the transaction that makes it (internal/auth).
func (s *Server) userAdminRoutes() []Route {
	return []Route{
		{Method: "PATCH", Path: "/api/v1/users/{id}", Perm: auth.PermUsersWrite, Handler: s.updateUser, Tag: "users",
			Summary: "Change a user's name, role, language, capacity or disable/enable them (the last admin cannot be demoted or disabled: 409 last_admin)",
			Body:    auth.UserChange{}, Response: auth.User{}},
		{Method: "POST", Path: "/api/v1/users/{id}/password", Perm: auth.PermUsersWrite, Handler: s.resetPassword, Tag: "users",
			Summary: "Set a new password for a user and end their other sessions", Body: passwordReset{}, Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/api-tokens", Perm: auth.PermSettingsWrite, Handler: s.listAPITokens, Tag: "users",
			Summary: "API tokens: name, prefix, owner, created, last used, revoked (never the secret)", Response: listResponse[auth.APIToken]{}},
		{Method: "DELETE", Path: "/api/v1/api-tokens/{id}", Perm: auth.PermSettingsWrite, Handler: s.revokeAPIToken, Tag: "users",
			Summary: "Revoke an API token: it stops working at once", Status: http.StatusNoContent},
	}
}

func actorOf(r *http.Request) auth.Actor {
	p := principal(r)
	return auth.Actor{UserID: p.User.ID, SessionID: p.SessionID, IP: clientIP(r)}
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in auth.UserChange
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.Auth.UpdateUser(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

type passwordReset struct {
	Password string `json:"password"`
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in passwordReset
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Auth.ResetPassword(r.Context(), actorOf(r), id, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAPITokens(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Auth.ListAPITokens(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse[auth.APIToken]{Items: list, Limit: len(list)})
	return nil
}

func (s *Server) revokeAPIToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.RevokeAPIToken(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
