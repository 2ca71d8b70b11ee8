// Package webhook tells shops' own systems about ticket and after-sales events. It reads the
// ticket and case event tables as an outbox (a cursor per table in settings), so no domain
// code has to remember to emit anything and no event is lost across restarts; each delivery is
// a signed POST retried with backoff through the job queue.
//
// Receivers verify X-Kefu-Signature: "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)),
// with the timestamp from X-Kefu-Timestamp (reject old ones to stop replays).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/jobs"
	"kefu/internal/pii"
	"kefu/internal/store"
)

// Job kinds.
const (
	// maxAttempts spreads retries over about three hours with the queue's backoff.
	maxAttempts = 8

	ScanJob    = "webhook.scan"
	DeliverJob = "webhook.deliver"
)

// Events a webhook may subscribe to.
var Events = []string{"ticket.created", "ticket.updated", "ticket.note", "aftersales.created", "aftersales.updated"}

// Service manages subscriptions and deliveries.
type Service struct {
	DB     *store.DB
	PII    *pii.Box
	Client *http.Client
	Now    func() time.Time
}

// New returns a webhook service.
func New(db *store.DB, box *pii.Box) *Service {
	return &Service{DB: db, PII: box, Client: &http.Client{Timeout: 10 * time.Second}, Now: time.Now}
}

// Webhook is a subscription as admins see it (the secret only once, at creation).
type Webhook struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Active      bool      `json:"active"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	Secret      string    `json:"secret,omitempty"`
}

// NewWebhook is the input to Create.
type NewWebhook struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// Create validates and stores a subscription with a fresh signing secret.
func (s *Service) Create(ctx context.Context, in NewWebhook) (*Webhook, error) {
	u, err := url.Parse(strings.TrimSpace(in.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.URL) > 2000 {
		return nil, apperr.Invalid("url", "must be an http:// or https:// URL")
	}
	if len(in.Events) == 0 {
		in.Events = []string{"*"}
	}
	for _, e := range in.Events {
		if e != "*" && !contains(Events, e) {
			return nil, apperr.Invalid("events", fmt.Sprintf("unknown event %q (known: * or %s)", e, strings.Join(Events, ", ")))
		}
	}
	if len([]rune(in.Description)) > 500 || strings.ContainsRune(in.Description, 0) {
		return nil, apperr.Invalid("description", "must be at most 500 characters")
	}
	secret := auth.RandomToken("whsec_")
	events, _ := json.Marshal(in.Events)
	now := s.Now()
	id, err := store.InsertID(ctx, s.DB, `INSERT INTO webhooks (url, secret_enc, events, description, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		u.String(), s.PII.Seal(secret), string(events), in.Description, now)
	if err != nil {
		return nil, err
	}
	return &Webhook{ID: id, URL: u.String(), Events: in.Events, Active: true, Description: in.Description, CreatedAt: now, Secret: secret}, nil
}

// List returns every subscription.
func (s *Service) List(ctx context.Context) ([]Webhook, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, url, events, active, description, created_at FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var w Webhook
		var events string
		if err := rows.Scan(&w.ID, &w.URL, &events, &w.Active, &w.Description, &w.CreatedAt); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(events), &w.Events)
		out = append(out, w)
	}
	return out, rows.Err()
}

// Delete removes a subscription and its delivery log.
func (s *Service) Delete(ctx context.Context, id int64) error {
	res, err := s.DB.Exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("webhook")
	}
	return nil
}

// Delivery is one attempt record.
type Delivery struct {
	ID             int64      `json:"id"`
	Event          string     `json:"event"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode int        `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	CreatedAt      time.Time  `json:"created_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

// Deliveries lists a subscription's latest deliveries.
func (s *Service) Deliveries(ctx context.Context, webhookID int64) ([]Delivery, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, event, status, attempts, last_status_code, last_error, created_at, delivered_at FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 100`, webhookID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		if err := rows.Scan(&d.ID, &d.Event, &d.Status, &d.Attempts, &d.LastStatusCode, &d.LastError, &d.CreatedAt, &d.DeliveredAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Register installs the job handlers; the scan re-enqueues itself every interval.
func (s *Service) Register(q *jobs.Queue, interval time.Duration) {
	q.HandleTx(ScanJob, func(ctx context.Context, tx *store.Tx, j *jobs.Job) error {
		if err := s.scan(ctx, tx); err != nil {
			return err
		}
		j.RunAgainAt(s.Now().Add(interval))
		return nil
	})
	q.Handle(DeliverJob, s.deliver)
}

// Start schedules the recurring scan; the unique key keeps exactly one across restarts and instances.
func Start(ctx context.Context, db store.Querier) error {
	return jobs.Enqueue(ctx, db, ScanJob, nil, jobs.Options{UniqueKey: ScanJob + ":next"})
}

// outboxes are the event tables read as outboxes, with how to turn a row into an event.
var outboxes = []struct {
	cursor string
	query  string
	event  func(kind string) string
}{
	{"webhook.cursor.ticket_events",
		`SELECT e.id, e.kind, e.ticket_id, e.at, e.field, e.before_value, e.after_value, e.actor_kind, e.internal FROM ticket_events e WHERE e.id > ? ORDER BY e.id LIMIT 500`,
		func(kind string) string {
			switch kind {
			case "created":
				return "ticket.created"
			case "note":
				return "ticket.note"
			}
			return "ticket.updated"
		}},
	{"webhook.cursor.aftersales_events",
		`SELECT e.id, CASE WHEN e.from_status = '' THEN 'created' ELSE 'updated' END, e.case_id, e.at, 'status', e.from_status, e.to_status, e.actor_kind, FALSE FROM aftersales_events e WHERE e.id > ? ORDER BY e.id LIMIT 500`,
		func(kind string) string { return "aftersales." + kind }},
}

// Payload is what receivers get.
type Payload struct {
	Event    string    `json:"event"`
	EventID  string    `json:"event_id"`
	At       time.Time `json:"at"`
	Object   string    `json:"object"` // ticket or aftersales_case
	ObjectID int64     `json:"object_id"`
	Field    string    `json:"field,omitempty"`
	Before   string    `json:"before,omitempty"`
	After    string    `json:"after,omitempty"`
	Actor    string    `json:"actor"`
}

// scan reads new outbox rows and queues one delivery per matching subscription, then moves
// the cursor, all in one transaction: a crash repeats nothing and loses nothing.
func (s *Service) scan(ctx context.Context, tx *store.Tx) error {
	hooks, err := s.active(ctx, tx)
	if err != nil {
		return err
	}
	for i, ob := range outboxes {
		var cursorText string
		err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, ob.cursor).Scan(&cursorText)
		if err != nil && !store.IsNoRows(err) {
			return err
		}
		cursor, _ := strconv.ParseInt(cursorText, 10, 64)
		rows, err := tx.Query(ctx, ob.query, cursor)
		if err != nil {
			return err
		}
		type row struct {
			p        Payload
			internal bool
		}
		var batch []row
		last := cursor
		for rows.Next() {
			var r row
			var id int64
			var kind string
			if err := rows.Scan(&id, &kind, &r.p.ObjectID, &r.p.At, &r.p.Field, &r.p.Before, &r.p.After, &r.p.Actor, &r.internal); err != nil {
				rows.Close()
				return err
			}
			r.p.Event = ob.event(kind)
			r.p.Object = map[int]string{0: "ticket", 1: "aftersales_case"}[i]
			r.p.EventID = fmt.Sprintf("%s-%d", r.p.Object, id)
			batch = append(batch, r)
			last = id
		}
		rows.Close()
		for _, r := range batch {
			if r.internal && r.p.Event == "ticket.note" {
				continue // internal notes stay inside the helpdesk
			}
			for _, h := range hooks {
				if !h.wants(r.p.Event) {
					continue
				}
				body, _ := json.Marshal(r.p)
				did, err := store.InsertID(ctx, tx, `INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id`, h.id, r.p.Event, string(body), s.Now())
				if err != nil {
					return err
				}
				if err := jobs.Enqueue(ctx, tx, DeliverJob, map[string]int64{"delivery_id": did}, jobs.Options{MaxAttempts: maxAttempts}); err != nil {
					return err
				}
			}
		}
		if last != cursor {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				ob.cursor, strconv.FormatInt(last, 10), s.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}

type hook struct {
	id     int64
	events []string
}

func (h hook) wants(event string) bool { return contains(h.events, "*") || contains(h.events, event) }

func (s *Service) active(ctx context.Context, q store.Querier) ([]hook, error) {
	rows, err := q.Query(ctx, `SELECT id, events FROM webhooks WHERE active = ?`, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hook
	for rows.Next() {
		var h hook
		var events string
		if err := rows.Scan(&h.id, &events); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(events), &h.events)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Sign computes the signature header value for a body at a timestamp.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", ts)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery's signature and that its timestamp is within tolerance of now.
func Verify(secret string, tsHeader, sigHeader string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sigHeader))
}

// deliver POSTs one delivery. A non-2xx answer is an error, so the job queue retries it with
// backoff; the delivery row records every attempt.
func (s *Service) deliver(ctx context.Context, j *jobs.Job) error {
	var p struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if err := j.Decode(&p); err != nil {
		return jobs.Permanent(err)
	}
	var hookURL, event, payload string
	var secretEnc []byte
	var active bool
	err := s.DB.QueryRow(ctx, `SELECT w.url, w.secret_enc, w.active, d.event, d.payload FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?`, p.DeliveryID).
		Scan(&hookURL, &secretEnc, &active, &event, &payload)
	if store.IsNoRows(err) || (err == nil && !active) {
		return nil // the subscription was removed or paused: nothing to do
	}
	if err != nil {
		return err
	}
	secret, err := s.PII.Open(secretEnc)
	if err != nil {
		return jobs.Permanent(err)
	}
	ts := s.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader([]byte(payload)))
	if err != nil {
		return jobs.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kefu-webhooks/1")
	req.Header.Set("X-Kefu-Event", event)
	req.Header.Set("X-Kefu-Delivery", strconv.FormatInt(p.DeliveryID, 10))
	req.Header.Set("X-Kefu-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Kefu-Signature", Sign(secret, ts, []byte(payload)))
	resp, err := s.Client.Do(req)
	code, errText := 0, ""
	if err != nil {
		errText = err.Error()
	} else {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		code = resp.StatusCode
		if code < 200 || code > 299 {
			errText = "receiver answered " + resp.Status
		}
	}
	status, delivered := "pending", any(nil)
	switch {
	case errText == "":
		status, delivered = "delivered", s.Now()
	case j.Attempts >= maxAttempts:
		status = "failed"
	}
	if _, err := s.DB.Exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status_code = ?, last_error = ?, delivered_at = ? WHERE id = ?`,
		status, code, errText, delivered, p.DeliveryID); err != nil {
		return err
	}
	if errText != "" {
		return fmt.Errorf("delivery %d: %s", p.DeliveryID, errText)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
