// Package auth owns staff users, sessions, API tokens, roles and permissions, and the audit log.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// SessionTTL is how long a login lasts.
const SessionTTL = 7 * 24 * time.Hour

// User is a staff member: agent, supervisor or admin.
type User struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Lang        string     `json:"lang"`
	Status      string     `json:"status"`
	Capacity    int        `json:"capacity"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

// Principal is who a request acts as.
type Principal struct {
	User      *User
	SessionID int64  // 0 for API tokens
	CSRFToken string // set for cookie sessions
}

// Service implements users, sessions, tokens and audit on the database.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// NewService returns a Service on db.
func NewService(db *store.DB) *Service { return &Service{DB: db, Now: time.Now} }

const userColumns = `id, email, name, role, lang, status, capacity, disabled, created_at, last_login_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.Lang, &u.Status, &u.Capacity, &u.Disabled, &u.CreatedAt, &u.LastLoginAt)
	u.Role = Role(role)
	return &u, err
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Lang     string `json:"lang"`
}

// NormaliseEmail lower-cases and trims a staff email.
func NormaliseEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateUser validates and inserts a staff user.
func (s *Service) CreateUser(ctx context.Context, q store.Querier, in NewUser) (*User, error) {
	email := NormaliseEmail(in.Email)
	if len(email) > 254 || !strings.Contains(email, "@") || strings.ContainsAny(email, " \t\r\n<>\"'") {
		return nil, apperr.Invalid("email", "must be a valid email address")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len([]rune(name)) > 100 {
		return nil, apperr.Invalid("name", "must be 1 to 100 characters")
	}
	if !ValidRole(in.Role) {
		return nil, apperr.Invalid("role", "must be admin, supervisor or agent")
	}
	lang := in.Lang
	if lang == "" {
		lang = "zh"
	}
	if lang != "zh" && lang != "en" {
		return nil, apperr.Invalid("lang", "must be zh or en")
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, apperr.Invalid("password", err.Error())
	}
	id, err := store.InsertID(ctx, q, `INSERT INTO users (email, name, password_hash, role, lang, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		email, name, hash, in.Role, lang, s.Now())
	if store.IsUniqueViolation(err) {
		return nil, apperr.Conflict("email_taken", "a user with this email already exists").Wrap(err)
	}
	if err != nil {
		return nil, err
	}
	return s.GetUser(ctx, q, id)
}

// GetUser loads a user by id.
func (s *Service) GetUser(ctx context.Context, q store.Querier, id int64) (*User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("user")
	}
	return u, err
}

// ListUsers returns every staff user ordered by id.
func (s *Service) ListUsers(ctx context.Context) ([]*User, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// EnsureAdmin creates an admin with this email if no user has it. It reports whether it created one.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (bool, error) {
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, NormaliseEmail(email)).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	_, err := s.CreateUser(ctx, s.DB, NewUser{Email: email, Name: "Admin", Password: password, Role: string(RoleAdmin)})
	if err != nil {
		return false, err
	}
	s.Audit(ctx, s.DB, Entry{ActorKind: "system", Action: "user.create_admin", Entity: "user", Details: map[string]any{"email": NormaliseEmail(email)}})
	return true, nil
}

// CountAdmins counts enabled admins.
func (s *Service) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = ?`, false).Scan(&n)
	return n, err
}

// RandomToken returns a URL-safe random secret with a readable prefix.
func RandomToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return prefix + hex.EncodeToString(b)
}

// TokenHash is how tokens are stored: a leaked database does not leak usable tokens.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Login checks credentials and opens a session. The same error is returned for an unknown
// email and a wrong password so logins cannot be used to discover accounts.
func (s *Service) Login(ctx context.Context, email, password, ip string) (token string, p *Principal, err error) {
	var id int64
	var hash string
	var disabled bool
	err = s.DB.QueryRow(ctx, `SELECT id, password_hash, disabled FROM users WHERE email = ?`, NormaliseEmail(email)).Scan(&id, &hash, &disabled)
	bad := apperr.Unauthorized("email or password is incorrect")
	bad.Code = "invalid_credentials"
	if store.IsNoRows(err) {
		CheckPassword(dummyHash, password) // spend the same time as a real check
		return "", nil, bad
	}
	if err != nil {
		return "", nil, err
	}
	if disabled || !CheckPassword(hash, password) {
		s.Audit(ctx, s.DB, Entry{ActorKind: "user", ActorID: id, Action: "auth.login_failed", Entity: "user", EntityID: id, IP: ip})
		return "", nil, bad
	}
	token = RandomToken("kfs_")
	csrf := RandomToken("")[:32]
	now := s.Now()
	var sid int64
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		sid, err = store.InsertID(ctx, tx, `INSERT INTO sessions (token_hash, csrf_token, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			TokenHash(token), csrf, id, now, now.Add(SessionTTL))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		return s.Audit(ctx, tx, Entry{ActorKind: "user", ActorID: id, Action: "auth.login", Entity: "user", EntityID: id, IP: ip})
	})
	if err != nil {
		return "", nil, err
	}
	u, err := s.GetUser(ctx, s.DB, id)
	if err != nil {
		return "", nil, err
	}
	return token, &Principal{User: u, SessionID: sid, CSRFToken: csrf}, nil
}

// dummyHash is checked against when the email is unknown, to equalise timing.
var dummyHash, _ = HashPassword("not-a-real-password")

// Authenticate resolves a session or API token to a principal.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	unauth := apperr.Unauthorized("sign in required: the session has expired or the token is invalid")
	if len(token) < 10 || len(token) > 200 {
		return nil, unauth
	}
	h := TokenHash(token)
	now := s.Now()
	switch {
	case strings.HasPrefix(token, "kfs_"):
		var sid, uid int64
		var csrf string
		var exp time.Time
		err := s.DB.QueryRow(ctx, `SELECT id, user_id, csrf_token, expires_at FROM sessions WHERE token_hash = ?`, h).Scan(&sid, &uid, &csrf, &exp)
		if err != nil || now.After(exp) {
			return nil, unauth
		}
		u, err := s.GetUser(ctx, s.DB, uid)
		if err != nil || u.Disabled {
			return nil, unauth
		}
		return &Principal{User: u, SessionID: sid, CSRFToken: csrf}, nil
	case strings.HasPrefix(token, "kft_"):
		var tid, uid int64
		var revoked *time.Time
		err := s.DB.QueryRow(ctx, `SELECT id, user_id, revoked_at FROM api_tokens WHERE token_hash = ?`, h).Scan(&tid, &uid, &revoked)
		if err != nil || revoked != nil {
			return nil, unauth
		}
		u, err := s.GetUser(ctx, s.DB, uid)
		if err != nil || u.Disabled {
			return nil, unauth
		}
		s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now, tid)
		return &Principal{User: u}, nil
	}
	return nil, unauth
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, sessionID int64) error {
	_, err := s.DB.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, sessionID)
	return err
}

// CreateAPIToken issues a long-lived token for a shop's server-side integration.
// The token is returned once; only its hash is stored.
func (s *Service) CreateAPIToken(ctx context.Context, userID int64, name string) (string, int64, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return "", 0, apperr.Invalid("name", "must be 1 to 100 characters")
	}
	token := RandomToken("kft_")
	id, err := store.InsertID(ctx, s.DB, `INSERT INTO api_tokens (name, token_hash, prefix, user_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		name, TokenHash(token), TokenPrefix(token), userID, s.Now())
	return token, id, err
}

// Entry is one audit-log record.
type Entry struct {
	ActorKind string
	ActorID   int64
	Action    string
	Entity    string
	EntityID  int64
	Details   map[string]any
	IP        string
}

// Audit appends to the audit log; call it inside the transaction of the change it records.
func (s *Service) Audit(ctx context.Context, q store.Querier, e Entry) error {
	details, _ := json.Marshal(e.Details)
	if e.Details == nil {
		details = []byte("{}")
	}
	var actor, entity any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	if e.EntityID != 0 {
		entity = e.EntityID
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (at, actor_kind, actor_id, action, entity, entity_id, details, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Now(), e.ActorKind, actor, e.Action, e.Entity, entity, string(details), e.IP)
	return err
}
