package nlu

import (
	"context"
	"sync"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/nlu/classify"
	"kefu/internal/store"
)

// StoredExample is one stored labelled example (an agent's correction or a manual example) as
// the console lists it.
type StoredExample struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	Label     string    `json:"label"`
	Lang      string    `json:"lang"`
	Source    string    `json:"source"`
	MessageID *int64    `json:"message_id"`
	CreatedAt time.Time `json:"created_at"`
}

// StoredExamples returns a task's stored examples of one label, newest first, at most limit.
func (s *Store) StoredExamples(ctx context.Context, task, label string, limit int) ([]StoredExample, error) {
	rows, err := s.db.Query(ctx, `SELECT id, text, label, lang, source, message_id, created_at FROM nlu_examples
		WHERE task = ? AND label = ? ORDER BY id DESC LIMIT ?`, task, classify.CanonicalLabel(label), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StoredExample{}
	for rows.Next() {
		var e StoredExample
		if err := rows.Scan(&e.ID, &e.Text, &e.Label, &e.Lang, &e.Source, &e.MessageID, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteExample removes a stored example, so a wrong correction no longer trains the next
// model (models already trained keep what they learnt until the next retrain). It returns the
// deleted example for the audit log.
func (s *Store) DeleteExample(ctx context.Context, id int64) (StoredExample, error) {
	var e StoredExample
	err := s.db.QueryRow(ctx, `DELETE FROM nlu_examples WHERE id = ? RETURNING id, text, label, lang, source, message_id, created_at`, id).
		Scan(&e.ID, &e.Text, &e.Label, &e.Lang, &e.Source, &e.MessageID, &e.CreatedAt)
	if err != nil {
		if store.IsNoRows(err) {
			return e, apperr.NotFound("example")
		}
		return e, err
	}
	return e, nil
}

var shippedByLabel struct {
	mu   sync.Mutex
	data map[string]map[string][]string
	err  map[string]error
}

// ShippedExamples returns the texts of the shipped training examples of one label (in file
// order): the data every model is trained on before agents' corrections are added.
func ShippedExamples(task, label string) ([]string, error) {
	if _, err := ConfigFor(task); err != nil {
		return nil, err
	}
	shippedByLabel.mu.Lock()
	defer shippedByLabel.mu.Unlock()
	if shippedByLabel.data == nil {
		shippedByLabel.data, shippedByLabel.err = map[string]map[string][]string{}, map[string]error{}
	}
	if _, done := shippedByLabel.data[task]; !done && shippedByLabel.err[task] == nil {
		ex, err := DefaultExamples(task)
		if err != nil {
			shippedByLabel.err[task] = err
		} else {
			m := map[string][]string{}
			for _, e := range ex {
				l := classify.CanonicalLabel(e.Label)
				m[l] = append(m[l], e.Text)
			}
			shippedByLabel.data[task] = m
		}
	}
	if err := shippedByLabel.err[task]; err != nil {
		return nil, err
	}
	return shippedByLabel.data[task][classify.CanonicalLabel(label)], nil
}
