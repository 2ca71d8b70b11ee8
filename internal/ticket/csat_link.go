package ticket

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// SettingCSATSecret holds the key that signs satisfaction links (created on first use).
const SettingCSATSecret = "ticket.csat_secret"

// CSATLinkTTL is how long a satisfaction link works: the published policy lets a customer rate
// (and change a rating) within 7 days.
const CSATLinkTTL = 7 * 24 * time.Hour

// CSATLink is a signed, expiring invitation to rate one ticket, for customers who are not in
// the chat any more (e-mail, SMS). The token names the ticket and the expiry and carries an
// HMAC over both, so it cannot be forged or stretched, and no table of tokens is needed.
type CSATLink struct {
	TicketID  int64     `json:"ticket_id"`
	Token     string    `json:"token"`
	Path      string    `json:"path"` // GET for the invitation, POST {score, comment} to rate
	ExpiresAt time.Time `json:"expires_at"`
}

// CSATInvitation is what the public link shows: which ticket, and whether it is rated yet.
type CSATInvitation struct {
	TicketRef string    `json:"ticket_ref"`
	Subject   string    `json:"subject"`
	Status    Status    `json:"status"`
	Lang      string    `json:"lang"`
	CanRate   bool      `json:"can_rate"`
	Rated     bool      `json:"rated"`
	Score     int       `json:"score,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// csatSecret returns the signing key, creating a random one the first time (every instance
// then reads the same row). q is the caller's transaction when there is one.
func (s *Service) csatSecret(ctx context.Context, q store.Querier) ([]byte, error) {
	var raw string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, SettingCSATSecret).Scan(&raw)
	if store.IsNoRows(err) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if _, err := q.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			SettingCSATSecret, hex.EncodeToString(b), s.now()); err != nil {
			return nil, err
		}
		err = q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, SettingCSATSecret).Scan(&raw)
	}
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(raw)
	if err != nil || len(key) < 16 {
		return nil, apperr.New(500, "corrupt_setting", "stored setting "+SettingCSATSecret+" is not a hex key")
	}
	return key, nil
}

func csatMAC(key []byte, ticketID, exp int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "csat.v1.%d.%d", ticketID, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// NewCSATLink signs a link for a ticket's customer to rate it; ttl ≤ 0 means CSATLinkTTL.
func (s *Service) NewCSATLink(ctx context.Context, ticketID int64, ttl time.Duration) (*CSATLink, error) {
	t, err := s.Get(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	return s.signCSATLink(ctx, s.DB, t, ttl)
}

// signCSATLink signs a link for a loaded ticket, inside the caller's transaction if any (the
// automatic request on resolve signs while the resolution is being written).
func (s *Service) signCSATLink(ctx context.Context, q store.Querier, t *Ticket, ttl time.Duration) (*CSATLink, error) {
	if t.CustomerID == nil {
		return nil, apperr.Conflict("no_customer", "the ticket has no customer to rate it")
	}
	if ttl <= 0 || ttl > 90*24*time.Hour {
		ttl = CSATLinkTTL
	}
	key, err := s.csatSecret(ctx, q)
	if err != nil {
		return nil, err
	}
	exp := s.now().Add(ttl).Truncate(time.Second)
	token := fmt.Sprintf("%d.%d.%s", t.ID, exp.Unix(), csatMAC(key, t.ID, exp.Unix()))
	return &CSATLink{TicketID: t.ID, Token: token, Path: "/api/v1/csat/" + token, ExpiresAt: exp.UTC()}, nil
}

var errBadCSATToken = apperr.New(http.StatusNotFound, "csat_link_invalid", "this satisfaction link is not valid")

// verifyCSAT checks a token's signature and expiry and returns the ticket it is for.
func (s *Service) verifyCSAT(ctx context.Context, token string) (*Ticket, time.Time, error) {
	parts := strings.Split(token, ".")
	if len(token) > 200 || len(parts) != 3 {
		return nil, time.Time{}, errBadCSATToken
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return nil, time.Time{}, errBadCSATToken
	}
	key, err := s.csatSecret(ctx, s.DB)
	if err != nil {
		return nil, time.Time{}, err
	}
	if !hmac.Equal([]byte(parts[2]), []byte(csatMAC(key, id, exp))) {
		return nil, time.Time{}, errBadCSATToken
	}
	expires := time.Unix(exp, 0).UTC()
	if !s.now().Before(expires) {
		return nil, expires, apperr.New(http.StatusGone, "csat_link_expired", "this satisfaction link has expired")
	}
	t, err := s.Get(ctx, id)
	if ae, ok := apperr.As(err); ok && ae.Status == http.StatusNotFound {
		return nil, expires, errBadCSATToken
	}
	return t, expires, err
}

// CSATInvitationFor shows what a link is for (public: the customer opens it without signing in).
func (s *Service) CSATInvitationFor(ctx context.Context, token string) (*CSATInvitation, error) {
	t, exp, err := s.verifyCSAT(ctx, token)
	if err != nil {
		return nil, err
	}
	inv := &CSATInvitation{TicketRef: t.Ref, Subject: t.Subject, Status: t.Status, Lang: t.lang, ExpiresAt: exp,
		CanRate: CSATAllowed(t.Status) == nil}
	err = s.DB.QueryRow(ctx, `SELECT score FROM csat_responses WHERE ticket_id = ? ORDER BY id LIMIT 1`, t.ID).Scan(&inv.Score)
	if err != nil && !store.IsNoRows(err) {
		return nil, err
	}
	inv.Rated = err == nil
	inv.CanRate = inv.CanRate && !inv.Rated
	return inv, nil
}

// RecordCSATByLink records the rating sent through a signed link, as the ticket's customer.
func (s *Service) RecordCSATByLink(ctx context.Context, token string, score int, comment string) (*CSATResult, error) {
	t, _, err := s.verifyCSAT(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.RecordCSAT(ctx, t.ID, score, comment, Customer(deref(t.CustomerID), ""))
}

// CSATDimensions are the ways satisfaction results can be grouped.
var CSATDimensions = []string{"agent", "team", "category", "tier"}

// CSATGroup is the satisfaction of one agent, team, category or tier.
type CSATGroup struct {
	Key       string  `json:"key"`   // agent or team id, category or tier code ("" / "0": none)
	Label     string  `json:"label"` // agent or team name, else the key
	Responses int     `json:"responses"`
	Average   float64 `json:"average"`      // mean score, 1–5
	Satisfied int     `json:"satisfied"`    // scores 4 and 5
	Low       int     `json:"low"`          // scores at or below LowCSAT (followed up)
	CSAT      float64 `json:"csat_percent"` // satisfied / responses × 100
}

// CSATResults groups the ratings given since `since` (zero: all) by one dimension, most
// responses first.
func (s *Service) CSATResults(ctx context.Context, by string, since time.Time) ([]CSATGroup, error) {
	var key, label string
	switch by {
	case "agent":
		key, label = "CAST(COALESCE(c.agent_id, 0) AS TEXT)", "COALESCE(u.name, '')"
	case "team":
		key, label = "CAST(COALESCE(c.team_id, 0) AS TEXT)", "COALESCE(tm.name, '')"
	case "category":
		key, label = "c.category", "c.category"
	case "tier":
		key, label = "c.tier", "c.tier"
	default:
		return nil, apperr.Invalid("by", "must be one of "+strings.Join(CSATDimensions, ", "))
	}
	rows, err := s.DB.Query(ctx, `SELECT `+key+`, `+label+`, COUNT(*), SUM(c.score),
		SUM(CASE WHEN c.score >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN c.score <= ? THEN 1 ELSE 0 END)
		FROM csat_responses c LEFT JOIN users u ON u.id = c.agent_id LEFT JOIN teams tm ON tm.id = c.team_id
		WHERE c.created_at >= ? GROUP BY `+key+`, `+label+` ORDER BY COUNT(*) DESC, `+key, LowCSAT, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CSATGroup{}
	for rows.Next() {
		var g CSATGroup
		var sum int64
		if err := rows.Scan(&g.Key, &g.Label, &g.Responses, &sum, &g.Satisfied, &g.Low); err != nil {
			return nil, err
		}
		if g.Label == "" {
			g.Label = g.Key
		}
		if g.Responses > 0 {
			g.Average = float64(sum) / float64(g.Responses)
			g.CSAT = float64(g.Satisfied) * 100 / float64(g.Responses)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
