// Package commerce owns the shop's catalogue and orders: products and variants, orders and
// their items, shipments and logistics events. Recipient name, phone and street address on an
// order are PII and stored sealed (see package pii).
package commerce

import (
	"encoding/json"
	"regexp"
	"time"

	"kefu/internal/pii"
	"kefu/internal/store"
	"kefu/internal/validate"
)

// Service reads and writes the catalogue and orders.
type Service struct {
	DB  *store.DB
	PII *pii.Box
	Now func() time.Time
}

// NewService returns a commerce service.
func NewService(db *store.DB, box *pii.Box) *Service {
	return &Service{DB: db, PII: box, Now: time.Now}
}

// Order and payment statuses, as the shop reports them.
var (
	OrderStatuses   = []string{"pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"}
	PaymentStatuses = []string{"unpaid", "paid", "partially_refunded", "refunded"}
)

// OrderNumberPattern is kefu's order number format: KF + yyyymmdd + 3–6 digit sequence.
var OrderNumberPattern = regexp.MustCompile(`^KF\d{8}\d{3,6}$`)

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// text validates a free-text field: valid UTF-8, no NUL (PostgreSQL rejects it), bounded.
func text(field, v string, min, max int) (string, error) { return validate.Text(field, v, min, max) }

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func fromJSON[T any](s string) T {
	var v T
	json.Unmarshal([]byte(s), &v)
	return v
}
