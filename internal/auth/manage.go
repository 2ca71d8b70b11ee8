package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// Actor is the staff member making an administrative change, for the audit log. SessionID is
// the session they act from (0 for an API token), so "sign out everywhere else" keeps it.
type Actor struct {
	UserID    int64
	SessionID int64
	IP        string
}

// UserChange is a partial update of a staff user: nil fields stay as they are.
type UserChange struct {
	Name     *string `json:"name,omitempty"`
	Role     *string `json:"role,omitempty"`
	Lang     *string `json:"lang,omitempty"`
	Capacity *int    `json:"capacity,omitempty"` // most open tickets at once; 0 = no limit
	Disabled *bool   `json:"disabled,omitempty"`
}

// MaxCapacity bounds an agent's capacity; more than this many open tickets is a typo.
const MaxCapacity = 500

// UpdateUser applies a change to a staff user and audits it in the same transaction. Disabling a
// user ends their sessions at once (and their API tokens stop authenticating while disabled).
// The last enabled admin can be neither demoted nor disabled (409 last_admin), and nobody can
// disable their own account (409 cannot_disable_self): both would lock the shop out.
func (s *Service) UpdateUser(ctx context.Context, actor Actor, id int64, c UserChange) (*User, error) {
	var out *User
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		if c.Role != nil || c.Disabled != nil {
			// Serialise changes that may remove an admin: on PostgreSQL this row-locks every admin,
			// so two admins demoting each other at once cannot both pass the count below (the
			// second waits, then counts what the first committed). SQLite serialises writers anyway.
			if _, err := tx.Exec(ctx, `UPDATE users SET role = role WHERE role = 'admin'`); err != nil {
				return err
			}
		}
		cur, err := s.GetUser(ctx, tx, id)
		if err != nil {
			return err
		}
		next := *cur
		if c.Name != nil {
			name := strings.TrimSpace(*c.Name)
			if name == "" || len([]rune(name)) > 100 || strings.ContainsRune(name, 0) {
				return apperr.Invalid("name", "must be 1 to 100 characters")
			}
			next.Name = name
		}
		if c.Role != nil {
			if !ValidRole(*c.Role) {
				return apperr.Invalid("role", "must be admin, supervisor or agent")
			}
			next.Role = Role(*c.Role)
		}
		if c.Lang != nil {
			if *c.Lang != "zh" && *c.Lang != "en" {
				return apperr.Invalid("lang", "must be zh or en")
			}
			next.Lang = *c.Lang
		}
		if c.Capacity != nil {
			if *c.Capacity < 0 || *c.Capacity > MaxCapacity {
				return apperr.Invalid("capacity", fmt.Sprintf("must be 0 (no limit) to %d", MaxCapacity))
			}
			next.Capacity = *c.Capacity
		}
		if c.Disabled != nil {
			next.Disabled = *c.Disabled
		}
		if next.Disabled && !cur.Disabled && id == actor.UserID {
			return apperr.Conflict("cannot_disable_self", "you cannot disable your own account; ask another admin")
		}
		wasAdmin := cur.Role == RoleAdmin && !cur.Disabled
		staysAdmin := next.Role == RoleAdmin && !next.Disabled
		if wasAdmin && !staysAdmin {
			var others int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = ? AND id <> ?`, false, id).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return apperr.Conflict("last_admin", "this is the last enabled admin: make another user an admin before demoting or disabling this one")
			}
		}
		changes := map[string]any{}
		diff := func(field string, from, to any) {
			if from != to {
				changes[field] = map[string]any{"from": from, "to": to}
			}
		}
		diff("name", cur.Name, next.Name)
		diff("role", string(cur.Role), string(next.Role))
		diff("lang", cur.Lang, next.Lang)
		diff("capacity", cur.Capacity, next.Capacity)
		diff("disabled", cur.Disabled, next.Disabled)
		if len(changes) == 0 {
			out = cur
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET name = ?, role = ?, lang = ?, capacity = ?, disabled = ? WHERE id = ?`,
			next.Name, string(next.Role), next.Lang, next.Capacity, next.Disabled, id); err != nil {
			return err
		}
		action := "user.update"
		if next.Disabled != cur.Disabled {
			action = "user.enable"
			if next.Disabled {
				action = "user.disable"
				// Authenticate refuses disabled users anyway; deleting the sessions also means
				// re-enabling the account does not bring old sign-ins back.
				if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
					return err
				}
			}
		}
		if err := s.Audit(ctx, tx, Entry{ActorKind: "user", ActorID: actor.UserID, Action: action, Entity: "user", EntityID: id,
			Details: map[string]any{"changes": changes}, IP: actor.IP}); err != nil {
			return err
		}
		out, err = s.GetUser(ctx, tx, id)
		return err
	})
	return out, err
}

// ResetPassword sets a user's password (an admin resetting it for them) and signs them out
// everywhere except the session making the change.
func (s *Service) ResetPassword(ctx context.Context, actor Actor, id int64, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return apperr.Invalid("password", err.Error())
	}
	return s.DB.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("user")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, id, actor.SessionID); err != nil {
			return err
		}
		return s.Audit(ctx, tx, Entry{ActorKind: "user", ActorID: actor.UserID, Action: "user.reset_password", Entity: "user", EntityID: id, IP: actor.IP})
	})
}

// TokenPrefix is the part of a token kept for display: "kft_" and 8 hex digits (32 of its 256
// random bits), enough to recognise a token in a list and useless for signing in.
func TokenPrefix(token string) string {
	if len(token) > 12 {
		return token[:12]
	}
	return ""
}

// APIToken describes an issued token; the secret itself is never stored or shown again.
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // "" for tokens issued before prefixes were kept
	UserID     int64      `json:"user_id"`
	UserName   string     `json:"user_name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// ListAPITokens returns every issued token, newest first, revoked ones included (they say so).
func (s *Service) ListAPITokens(ctx context.Context) ([]APIToken, error) {
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.name, t.prefix, t.user_id, u.name, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		var t APIToken
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &t.UserID, &t.UserName, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken stops a token from working; Authenticate checks revoked_at on every request,
// so the next call with it is refused. Revoking a revoked token changes nothing.
func (s *Service) RevokeAPIToken(ctx context.Context, actor Actor, id int64) error {
	return s.DB.Tx(ctx, func(tx *store.Tx) error {
		var revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM api_tokens WHERE id = ?`, id).Scan(&revoked)
		if store.IsNoRows(err) {
			return apperr.NotFound("api token")
		}
		if err != nil || revoked != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, s.Now(), id); err != nil {
			return err
		}
		return s.Audit(ctx, tx, Entry{ActorKind: "user", ActorID: actor.UserID, Action: "api_token.revoke", Entity: "api_token", EntityID: id, IP: actor.IP})
	})
}
