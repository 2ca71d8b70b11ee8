// Package crm owns customers: identity, tier (会员等级), tags, consent and addresses. Phone,
// email, recipient names and street addresses are sealed with package pii; staff see them
// masked, and lookups by phone or email go through the keyed hash, never a bulk decrypt.
package crm

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/pii"
	"kefu/internal/recordsearch"
	"kefu/internal/store"
	"kefu/internal/validate"
)

// Tiers from least to most privileged.
var Tiers = []string{"regular", "silver", "gold", "vip"}

// ValidTier reports whether t is a tier.
func ValidTier(t string) bool {
	for _, x := range Tiers {
		if x == t {
			return true
		}
	}
	return false
}

// Service reads and writes customers.
type Service struct {
	DB  *store.DB
	PII *pii.Box
	Now func() time.Time
}

// NewService returns a CRM service.
func NewService(db *store.DB, box *pii.Box) *Service {
	return &Service{DB: db, PII: box, Now: time.Now}
}

// Customer is a shop's customer as staff see it: contact details masked.
type Customer struct {
	ID               int64      `json:"id"`
	ExternalID       *string    `json:"external_id"`
	Name             string     `json:"name"`
	Phone            string     `json:"phone"` // masked, e.g. 138****8000
	Email            string     `json:"email"` // masked, e.g. w***@example.com
	Tier             string     `json:"tier"`
	Tags             []string   `json:"tags"`
	Lang             string     `json:"lang"`
	ConsentMarketing bool       `json:"consent_marketing"`
	ConsentProfiling bool       `json:"consent_profiling"`
	CreatedAt        time.Time  `json:"created_at"`
	LastSeenAt       *time.Time `json:"last_seen_at"`
	ErasedAt         *time.Time `json:"erased_at,omitempty"`
	Addresses        []Address  `json:"addresses,omitempty"`
}

// Address is a saved delivery address (phone masked).
type Address struct {
	ID        int64  `json:"id"`
	Recipient string `json:"recipient"`
	Phone     string `json:"phone"`
	Line      string `json:"line"`
	Province  string `json:"province"`
	City      string `json:"city"`
	District  string `json:"district"`
	IsDefault bool   `json:"is_default"`
}

// NewCustomer is the input to CreateCustomer.
type NewCustomer struct {
	ExternalID       string       `json:"external_id"`
	Name             string       `json:"name"`
	Phone            string       `json:"phone"`
	Email            string       `json:"email"`
	Tier             string       `json:"tier"`
	Tags             []string     `json:"tags"`
	Lang             string       `json:"lang"`
	ConsentMarketing bool         `json:"consent_marketing"`
	ConsentProfiling bool         `json:"consent_profiling"`
	Addresses        []NewAddress `json:"addresses"`
	CreatedAt        *time.Time   `json:"-"` // the demo generator backdates customers
}

// NewAddress is an address in NewCustomer.
type NewAddress struct {
	Recipient string `json:"recipient"`
	Phone     string `json:"phone"`
	Line      string `json:"line"`
	Province  string `json:"province"`
	City      string `json:"city"`
	District  string `json:"district"`
	IsDefault bool   `json:"is_default"`
}

func text(field, v string, max int) (string, error) { return validate.Text(field, v, 0, max) }

// ValidPhone accepts mainland mobiles (11 digits starting 1) and international numbers (+ and 7–15 digits).
func ValidPhone(p string) bool {
	n := pii.Normalise("phone", p)
	if strings.HasPrefix(strings.TrimSpace(p), "+") && !strings.HasPrefix(strings.TrimSpace(p), "+86") {
		return len(n) >= 7 && len(n) <= 15
	}
	return len(n) == 11 && n[0] == '1'
}

// ValidEmail is a deliberately simple check: one @, a dot in the domain, no spaces.
func ValidEmail(e string) bool {
	at := strings.LastIndex(e, "@")
	return at > 0 && at < len(e)-3 && strings.Contains(e[at:], ".") && !strings.ContainsAny(e, " \t\r\n<>\"'") && len(e) <= 254
}

// CreateCustomer validates and inserts a customer with addresses. Run it in a transaction.
func (s *Service) CreateCustomer(ctx context.Context, q store.Querier, in NewCustomer) (int64, error) {
	var err error
	if in.Name, err = text("name", in.Name, 100); err != nil {
		return 0, err
	}
	if in.ExternalID, err = text("external_id", in.ExternalID, 100); err != nil {
		return 0, err
	}
	if in.Phone = strings.TrimSpace(in.Phone); in.Phone != "" && !ValidPhone(in.Phone) {
		return 0, apperr.Invalid("phone", "must be a mainland mobile number (11 digits) or an international number starting with +")
	}
	if in.Email = strings.TrimSpace(in.Email); in.Email != "" && !ValidEmail(in.Email) {
		return 0, apperr.Invalid("email", "must be a valid email address")
	}
	if in.Tier == "" {
		in.Tier = "regular"
	}
	if !ValidTier(in.Tier) {
		return 0, apperr.Invalid("tier", "must be regular, silver, gold or vip")
	}
	if in.Lang == "" {
		in.Lang = "zh"
	}
	if in.Lang != "zh" && in.Lang != "en" {
		return 0, apperr.Invalid("lang", "must be zh or en")
	}
	tags, err := cleanTags(in.Tags)
	if err != nil {
		return 0, err
	}
	created := s.Now()
	if in.CreatedAt != nil {
		created = *in.CreatedAt
	}
	var ext any
	if in.ExternalID != "" {
		ext = in.ExternalID
	}
	id, err := store.InsertID(ctx, q, `INSERT INTO customers (external_id, name, phone_enc, phone_hash, email_enc, email_hash, tier, tags, lang, consent_marketing, consent_profiling, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ext, in.Name, s.PII.Seal(in.Phone), nullIfEmpty(s.PII.Hash("phone", in.Phone)), s.PII.Seal(in.Email), nullIfEmpty(s.PII.Hash("email", in.Email)),
		in.Tier, toJSON(tags), in.Lang, in.ConsentMarketing, in.ConsentProfiling, created)
	if store.IsUniqueViolation(err) {
		return 0, apperr.Conflict("external_id_taken", "a customer with this external_id already exists").Wrap(err)
	}
	if err != nil {
		return 0, err
	}
	for _, a := range in.Addresses {
		if err := s.addAddress(ctx, q, id, a); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (s *Service) addAddress(ctx context.Context, q store.Querier, customerID int64, a NewAddress) error {
	var err error
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"addresses.recipient", &a.Recipient, 100}, {"addresses.phone", &a.Phone, 40}, {"addresses.line", &a.Line, 500},
		{"addresses.province", &a.Province, 50}, {"addresses.city", &a.City, 50}, {"addresses.district", &a.District, 50}} {
		if *f.v, err = text(f.name, *f.v, f.max); err != nil {
			return err
		}
	}
	_, err = q.Exec(ctx, `INSERT INTO customer_addresses (customer_id, recipient_enc, phone_enc, line_enc, province, city, district, is_default, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		customerID, s.PII.Seal(a.Recipient), s.PII.Seal(a.Phone), s.PII.Seal(a.Line), a.Province, a.City, a.District, a.IsDefault, s.Now())
	return err
}

func cleanTags(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range in {
		t, err := text("tags", t, 50)
		if err != nil {
			return nil, err
		}
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > 50 {
		return nil, apperr.Invalid("tags", "at most 50 tags")
	}
	return out, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

const customerColumns = `id, external_id, name, phone_enc, email_enc, tier, tags, lang, consent_marketing, consent_profiling, created_at, last_seen_at, erased_at`

func (s *Service) scanCustomer(row interface{ Scan(...any) error }) (*Customer, error) {
	var c Customer
	var phone, email []byte
	var tags string
	if err := row.Scan(&c.ID, &c.ExternalID, &c.Name, &phone, &email, &c.Tier, &tags, &c.Lang, &c.ConsentMarketing, &c.ConsentProfiling, &c.CreatedAt, &c.LastSeenAt, &c.ErasedAt); err != nil {
		return nil, err
	}
	if p, _ := s.PII.Open(phone); p != "" {
		c.Phone = pii.MaskPhone(p)
	}
	if e, _ := s.PII.Open(email); e != "" {
		c.Email = pii.MaskEmail(e)
	}
	json.Unmarshal([]byte(tags), &c.Tags)
	if c.Tags == nil {
		c.Tags = []string{}
	}
	return &c, nil
}

// Filter narrows List.
type Filter struct {
	Tier  string
	Tag   string
	Name  string // prefix
	Phone string // exact, via keyed hash
	Email string // exact, via keyed hash
}

// Sorts maps API sort names to columns.
var Sorts = map[string]string{"id": "id", "created_at": "created_at", "last_seen_at": "last_seen_at", "name": "name"}

// List lists customers.
func (s *Service) List(ctx context.Context, f Filter, page store.Page) ([]*Customer, error) {
	var w store.Where
	if f.Tier != "" {
		w.Add("tier = ?", f.Tier)
	}
	if f.Tag != "" {
		w.Add(`tags LIKE ? ESCAPE '\'`, "%"+store.EscapeLike(toJSON(f.Tag))+"%")
	}
	if f.Name != "" {
		w.Add(`name LIKE ? ESCAPE '\'`, store.EscapeLike(f.Name)+"%")
	}
	if f.Phone != "" {
		w.Add("phone_hash = ?", s.PII.Hash("phone", f.Phone))
	}
	if f.Email != "" {
		w.Add("email_hash = ?", s.PII.Hash("email", f.Email))
	}
	rows, err := s.DB.Query(ctx, `SELECT `+customerColumns+` FROM customers`+w.SQL()+page.SQL(), w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Customer
	for rows.Next() {
		c, err := s.scanCustomer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Get loads a customer with addresses.
func (s *Service) Get(ctx context.Context, id int64) (*Customer, error) {
	c, err := s.scanCustomer(s.DB.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("customer")
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, recipient_enc, phone_enc, line_enc, province, city, district, is_default FROM customer_addresses WHERE customer_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a Address
		var rec, phone, line []byte
		if err := rows.Scan(&a.ID, &rec, &phone, &line, &a.Province, &a.City, &a.District, &a.IsDefault); err != nil {
			return nil, err
		}
		a.Recipient, _ = s.PII.Open(rec)
		p, _ := s.PII.Open(phone)
		a.Phone = pii.MaskPhone(p)
		a.Line, _ = s.PII.Open(line)
		c.Addresses = append(c.Addresses, a)
	}
	return c, rows.Err()
}

// Contact is a customer's unmasked contact details, for the rare audited reveal.
type Contact struct {
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Reveal decrypts one customer's contact details. Callers must audit it.
func (s *Service) Reveal(ctx context.Context, id int64) (*Contact, error) {
	var phone, email []byte
	err := s.DB.QueryRow(ctx, `SELECT phone_enc, email_enc FROM customers WHERE id = ?`, id).Scan(&phone, &email)
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("customer")
	}
	if err != nil {
		return nil, err
	}
	var c Contact
	if c.Phone, err = s.PII.Open(phone); err != nil {
		return nil, err
	}
	if c.Email, err = s.PII.Open(email); err != nil {
		return nil, err
	}
	return &c, nil
}

// Update is a partial update; nil fields are left alone.
type Update struct {
	Name             *string   `json:"name"`
	Tier             *string   `json:"tier"`
	Tags             *[]string `json:"tags"`
	Lang             *string   `json:"lang"`
	ConsentMarketing *bool     `json:"consent_marketing"`
	ConsentProfiling *bool     `json:"consent_profiling"`
}

// UpdateCustomer applies a partial update.
func (s *Service) UpdateCustomer(ctx context.Context, q store.Querier, id int64, u Update) error {
	var sets []string
	var args []any
	if u.Name != nil {
		v, err := text("name", *u.Name, 100)
		if err != nil {
			return err
		}
		sets, args = append(sets, "name = ?"), append(args, v)
	}
	if u.Tier != nil {
		if !ValidTier(*u.Tier) {
			return apperr.Invalid("tier", "must be regular, silver, gold or vip")
		}
		sets, args = append(sets, "tier = ?"), append(args, *u.Tier)
	}
	if u.Tags != nil {
		tags, err := cleanTags(*u.Tags)
		if err != nil {
			return err
		}
		sets, args = append(sets, "tags = ?"), append(args, toJSON(tags))
	}
	if u.Lang != nil {
		if *u.Lang != "zh" && *u.Lang != "en" {
			return apperr.Invalid("lang", "must be zh or en")
		}
		sets, args = append(sets, "lang = ?"), append(args, *u.Lang)
	}
	if u.ConsentMarketing != nil {
		sets, args = append(sets, "consent_marketing = ?"), append(args, *u.ConsentMarketing)
	}
	if u.ConsentProfiling != nil {
		sets, args = append(sets, "consent_profiling = ?"), append(args, *u.ConsentProfiling)
	}
	if len(sets) == 0 {
		return apperr.BadRequest("nothing_to_update", "send at least one field to change")
	}
	res, err := q.Exec(ctx, `UPDATE customers SET `+strings.Join(sets, ", ")+` WHERE id = ? AND erased_at IS NULL`, append(args, id)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("customer")
	}
	return nil
}

// Erase removes a customer's personal data on request (right to erasure): contact details,
// addresses, the shipping details on their orders, the text of their messages and the photos
// and voice messages they sent. Orders and
// tickets stay, anonymised, because the shop must keep its books. Run it in a transaction.
func (s *Service) Erase(ctx context.Context, q store.Querier, id int64) error {
	res, err := q.Exec(ctx, `UPDATE customers SET name = '', external_id = NULL, phone_enc = NULL, phone_hash = NULL, email_enc = NULL, email_hash = NULL,
		tags = '[]', consent_marketing = ?, consent_profiling = ?, erased_at = ? WHERE id = ? AND erased_at IS NULL`, false, false, s.Now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("customer")
	}
	// The search index holds the words of the messages blanked below: drop them first.
	if err := recordsearch.ForgetCustomerMessages(ctx, q, id); err != nil {
		return err
	}
	stmts := []string{
		`DELETE FROM customer_addresses WHERE customer_id = ?`,
		`UPDATE orders SET recipient_enc = NULL, ship_phone_enc = NULL, ship_line_enc = NULL, note = '' WHERE customer_id = ?`,
		// Their photos and voice (with the words read from them): the rows go now, so the signed
		// links stop working at once; the files, no longer referenced, go with media's sweep.
		`DELETE FROM attachments WHERE conversation_id IN (SELECT id FROM conversations WHERE customer_id = ?)
			AND (message_id IS NULL OR message_id IN (SELECT id FROM messages WHERE sender_kind = 'customer'))`,
		`UPDATE messages SET body = '[erased]', payload = '{}', attachments = '[]', nlu = '{}' WHERE sender_kind = 'customer' AND conversation_id IN (SELECT id FROM conversations WHERE customer_id = ?)`,
		`DELETE FROM behaviour_events WHERE customer_id = ?`,
	}
	for _, st := range stmts {
		if _, err := q.Exec(ctx, st, id); err != nil {
			return err
		}
	}
	return nil
}

// Touch records that a customer was seen now.
func (s *Service) Touch(ctx context.Context, id int64) error {
	_, err := s.DB.Exec(ctx, `UPDATE customers SET last_seen_at = ? WHERE id = ?`, s.Now(), id)
	return err
}
