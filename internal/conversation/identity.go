package conversation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/crm"
	"kefu/internal/store"
)

// Visitor is the widget side of a conversation: an anonymous browser, or — once the shop has
// vouched for them with a signed external id — a known customer.
type Visitor struct {
	ID         int64
	CustomerID *int64
	Lang       string
	tokenHash  string
}

// Identified reports whether the shop has identified the visitor as a customer.
func (v *Visitor) Identified() bool { return v.CustomerID != nil }

// Key identifies the visitor in rate limits and presence.
func (v *Visitor) Key() string { return "v:" + itoa(v.ID) }

// SessionRequest opens (or resumes) a widget session.
type SessionRequest struct {
	// VisitorToken is the token a previous session returned; empty starts a new visitor.
	VisitorToken string `json:"visitor_token"`
	// ExternalID and Signature identify a signed-in shop customer: Signature is the lowercase
	// hex HMAC-SHA256 of ExternalID keyed with the shop's widget identity secret.
	ExternalID string `json:"external_id"`
	Signature  string `json:"signature"`
	Name       string `json:"name"` // used when the customer is new to kefu
	Lang       string `json:"lang"`
}

// SessionResponse is what the widget keeps.
type SessionResponse struct {
	VisitorToken string `json:"visitor_token"`
	Identified   bool   `json:"identified"`
	ExternalID   string `json:"external_id,omitempty"`
	Lang         string `json:"lang"`
}

const visitorTokenPrefix = "kfv_"

// OpenSession resumes the visitor of in.VisitorToken or creates a new one, and identifies it
// when the request carries a valid signed external id. An anonymous visitor who identifies
// keeps their conversations: they move to the customer. clientKey (the client IP) bounds how
// fast one client can mint visitors.
func (s *Service) OpenSession(ctx context.Context, in SessionRequest, clientKey string) (*SessionResponse, *Visitor, error) {
	var err error
	if in.Lang != "" && in.Lang != "zh" && in.Lang != "en" {
		return nil, nil, apperr.Invalid("lang", "must be zh or en")
	}
	if in.Name, err = text("name", in.Name, 100); err != nil {
		return nil, nil, err
	}
	if in.ExternalID, err = text("external_id", in.ExternalID, 100); err != nil {
		return nil, nil, err
	}
	var customerID int64
	if in.ExternalID != "" || in.Signature != "" {
		if in.ExternalID == "" {
			return nil, nil, apperr.Invalid("external_id", "is required with a signature")
		}
		if err := s.VerifyIdentity(ctx, in.ExternalID, in.Signature); err != nil {
			return nil, nil, err
		}
	}
	token := in.VisitorToken
	var v *Visitor
	if token != "" {
		if v, err = s.VisitorByToken(ctx, token); err != nil {
			return nil, nil, err
		}
	} else {
		if ok, _ := s.openLimiter.Allow("ip:" + clientKey); !ok {
			return nil, nil, rateLimited("too many new widget sessions from this address; reuse the visitor_token you were given")
		}
		token = auth.RandomToken(visitorTokenPrefix)
	}
	lang := in.Lang
	if lang == "" {
		lang = "zh"
		if v != nil {
			lang = v.Lang
		}
	}
	now := s.Now()
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		if v == nil {
			id, err := store.InsertID(ctx, tx, `INSERT INTO widget_visitors (token_hash, lang, created_at, last_seen_at) VALUES (?, ?, ?, ?) RETURNING id`,
				auth.TokenHash(token), lang, now, now)
			if err != nil {
				return err
			}
			v = &Visitor{ID: id, Lang: lang, tokenHash: auth.TokenHash(token)}
		} else if _, err := tx.Exec(ctx, `UPDATE widget_visitors SET last_seen_at = ?, lang = ? WHERE id = ?`, now, lang, v.ID); err != nil {
			return err
		}
		v.Lang = lang
		if in.ExternalID == "" {
			return nil
		}
		if customerID, err = s.ensureCustomer(ctx, tx, in.ExternalID, in.Name, lang); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE widget_visitors SET customer_id = ?, identified_at = ? WHERE id = ?`, customerID, now, v.ID); err != nil {
			return err
		}
		// The anonymous history becomes the customer's.
		if _, err := tx.Exec(ctx, `UPDATE conversations SET customer_id = ?, updated_at = ? WHERE visitor_token_hash = ? AND customer_id IS NULL`, customerID, now, v.tokenHash); err != nil {
			return err
		}
		v.CustomerID = &customerID
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out := &SessionResponse{VisitorToken: token, Identified: v.Identified(), Lang: v.Lang}
	if v.Identified() {
		var ext *string
		if err := s.DB.QueryRow(ctx, `SELECT external_id FROM customers WHERE id = ?`, *v.CustomerID).Scan(&ext); err != nil {
			return nil, nil, err
		}
		if ext != nil {
			out.ExternalID = *ext
		}
	}
	return out, v, nil
}

func (s *Service) ensureCustomer(ctx context.Context, q store.Querier, externalID, name, lang string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM customers WHERE external_id = ? AND erased_at IS NULL`, externalID).Scan(&id)
	if err == nil || !store.IsNoRows(err) {
		return id, err
	}
	return s.CRM.CreateCustomer(ctx, q, crm.NewCustomer{ExternalID: externalID, Name: name, Lang: lang})
}

// VisitorByToken resolves a visitor token. Unknown and malformed tokens get the same error.
func (s *Service) VisitorByToken(ctx context.Context, token string) (*Visitor, error) {
	bad := apperr.New(401, "visitor_token_invalid", "unknown visitor token; open a new widget session without one")
	if !strings.HasPrefix(token, visitorTokenPrefix) || len(token) > 100 {
		return nil, bad
	}
	v := Visitor{tokenHash: auth.TokenHash(token)}
	err := s.DB.QueryRow(ctx, `SELECT id, customer_id, lang FROM widget_visitors WHERE token_hash = ?`, v.tokenHash).Scan(&v.ID, &v.CustomerID, &v.Lang)
	if store.IsNoRows(err) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// CanAccess is the one ownership rule of the widget: an identified visitor sees their
// customer's conversations; an anonymous one sees the conversations it started and that no
// customer has claimed.
func (s *Service) CanAccess(v *Visitor, c *Conversation) bool {
	if v.CustomerID != nil {
		return c.CustomerID != nil && *c.CustomerID == *v.CustomerID
	}
	return c.CustomerID == nil && c.visitorHash != nil && *c.visitorHash == v.tokenHash
}

// VisitorConversation loads a conversation the visitor may see. Someone else's conversation
// and a missing one get the same not-found error, so ids leak nothing.
func (s *Service) VisitorConversation(ctx context.Context, v *Visitor, id int64) (*Conversation, error) {
	c, err := s.get(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !s.CanAccess(v, c) {
		return nil, apperr.NotFound("conversation")
	}
	return c, nil
}

// VisitorConversations lists the visitor's conversations, most recent first (at most 50).
func (s *Service) VisitorConversations(ctx context.Context, v *Visitor) ([]*Conversation, error) {
	if v.CustomerID != nil {
		return s.query(ctx, `SELECT `+convColumns+` FROM conversations WHERE customer_id = ? ORDER BY id DESC LIMIT 50`, *v.CustomerID)
	}
	return s.query(ctx, `SELECT `+convColumns+` FROM conversations WHERE visitor_token_hash = ? AND customer_id IS NULL ORDER BY id DESC LIMIT 50`, v.tokenHash)
}

// StartVisitorConversation opens a new web conversation for the visitor.
func (s *Service) StartVisitorConversation(ctx context.Context, v *Visitor, subject, lang string) (*Conversation, error) {
	if lang == "" {
		lang = v.Lang
	}
	in := NewConversation{Channel: "web", Subject: subject, Lang: lang, visitorHash: v.tokenHash}
	if v.CustomerID != nil {
		in.CustomerID = *v.CustomerID
	}
	return s.Create(ctx, s.DB, in)
}

const identitySecretKey = "widget.identity_secret"

// IdentitySecret returns the shop's widget identity secret, generating it on first use. It
// is stored sealed with the PII key. Give it to the shop's server, never to browsers.
func (s *Service) IdentitySecret(ctx context.Context) (string, error) {
	if p := s.secret.Load(); p != nil {
		return string(*p), nil
	}
	fresh := base64.StdEncoding.EncodeToString(s.PII.Seal(auth.RandomToken("kfis_")))
	// Two instances racing on first use both insert; exactly one wins and both read it.
	if _, err := s.DB.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`, identitySecretKey, fresh, s.Now()); err != nil {
		return "", err
	}
	var stored string
	if err := s.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, identitySecretKey).Scan(&stored); err != nil {
		return "", err
	}
	sealed, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return "", err
	}
	secret, err := s.PII.Open(sealed)
	if err != nil {
		return "", err
	}
	b := []byte(secret)
	s.secret.Store(&b)
	return secret, nil
}

// Sign is how a shop's server signs a customer's external id: lowercase hex HMAC-SHA256
// keyed with the identity secret.
func Sign(secret, externalID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(externalID))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyIdentity checks a shop's signature over externalID in constant time.
func (s *Service) VerifyIdentity(ctx context.Context, externalID, signature string) error {
	if signature == "" {
		return apperr.Invalid("signature", "is required to identify a customer: hex HMAC-SHA256 of external_id with the widget identity secret")
	}
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return apperr.Invalid("signature", "must be 64 hex characters (HMAC-SHA256)")
	}
	secret, err := s.IdentitySecret(ctx)
	if err != nil {
		return err
	}
	want, _ := hex.DecodeString(Sign(secret, externalID))
	if !hmac.Equal(got, want) {
		return apperr.New(401, "identity_signature_invalid", "the signature does not match external_id; sign it on your server with the widget identity secret (HMAC-SHA256, hex)")
	}
	return nil
}

func rateLimited(msg string) *apperr.Error { return apperr.New(429, "rate_limited", msg) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
