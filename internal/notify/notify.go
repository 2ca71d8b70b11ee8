// Package notify keeps customers informed: ticket and after-sales services record what the
// customer must be told as rows in `notifications` (in the same transaction as the change), and
// a recurring job posts them into the customer's conversation, where the widget shows them live.
// When SMTP is configured, customers with an e-mail address also get each update by e-mail
// (email.go), one durable job per message.
//
// Each notification is posted with the client message id "notification-<id>", which the
// conversation service treats as an idempotency key, so a crash between posting and marking it
// sent never shows the customer the same update twice.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/jobs"
	"kefu/internal/pii"
	"kefu/internal/store"
)

// SweepJob is the recurring delivery job.
const SweepJob = "notify.sweep"

// Service delivers pending notifications: into the customer's conversation, and — when a
// Mailer is configured and the customer has an address — by e-mail, as durable jobs.
type Service struct {
	DB    *store.DB
	Convs *conversation.Service
	Now   func() time.Time
	// Mailer sends e-mail; nil means e-mail is off (no KEFU_SMTP_ADDR).
	Mailer Mailer
	// PII opens the customer's sealed address, one at send time.
	PII *pii.Box
	// PublicURL is where customers reach kefu; e-mailed satisfaction links are built on it.
	PublicURL string
}

// New returns a notification service.
func New(db *store.DB, convs *conversation.Service) *Service {
	return &Service{DB: db, Convs: convs, Now: time.Now}
}

// Register installs the recurring sweep and the e-mail job handlers.
func (s *Service) Register(q *jobs.Queue, interval time.Duration) {
	q.Handle(SweepJob, func(ctx context.Context, j *jobs.Job) error {
		if _, err := s.Deliver(ctx, 200); err != nil {
			return err
		}
		j.RunAgainAt(s.Now().Add(interval))
		return nil
	})
	q.Handle(EmailJob, s.runEmailJob)
}

// Start schedules the sweep (one per database, whatever the number of instances).
func Start(ctx context.Context, db store.Querier) error {
	return jobs.Enqueue(ctx, db, SweepJob, nil, jobs.Options{UniqueKey: SweepJob})
}

type pending struct {
	id, customer         int64
	conversation, ticket *int64
	caseID               *int64
	channel, kind, body  string
	contentType, payload string
}

// Deliver hands up to limit pending notifications to their channel and reports how many it
// posted into conversations. A chat notification is posted, then (when e-mail is on and the
// customer has an address) copied into an e-mail notification with its send job, in the
// transaction that marks it sent; an e-mail-only one (the rating link of a ticket without a
// conversation) gets its send job, or is marked no_email.
func (s *Service) Deliver(ctx context.Context, limit int) (int, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, customer_id, conversation_id, ticket_id, case_id, channel, kind, body, content_type, payload
		FROM notifications WHERE channel IN ('chat', 'email') AND status = 'pending' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return 0, err
	}
	var batch []pending
	for rows.Next() {
		var p pending
		var customer *int64
		if err := rows.Scan(&p.id, &customer, &p.conversation, &p.ticket, &p.caseID, &p.channel, &p.kind, &p.body, &p.contentType, &p.payload); err != nil {
			rows.Close()
			return 0, err
		}
		if customer != nil {
			p.customer = *customer
		}
		batch = append(batch, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sent := 0
	for _, p := range batch {
		if p.channel == "email" {
			if err := s.queueEmailOnly(ctx, p); err != nil {
				return sent, err
			}
			continue
		}
		conv, err := s.conversationFor(ctx, p)
		if err != nil {
			return sent, err
		}
		status := "sent"
		if conv == 0 {
			status = "no_conversation" // nothing to post into; the update stays visible in the case/ticket history
		} else {
			payload := map[string]any{}
			if p.payload != "" {
				_ = json.Unmarshal([]byte(p.payload), &payload) // written by kefu itself; a bad one just loses the card
			}
			payload["notification"], payload["ticket_id"], payload["case_id"] = p.kind, p.ticket, p.caseID
			contentType := p.contentType
			if contentType == "" {
				contentType = "text"
			}
			_, _, err := s.Convs.Post(ctx, conversation.NewMessage{ConversationID: conv, SenderKind: "system", Body: p.body,
				ContentType: contentType, ClientMsgID: fmt.Sprintf("notification-%d", p.id), Payload: payload})
			if err != nil {
				return sent, fmt.Errorf("notification %d: %w", p.id, err)
			}
			sent++
		}
		err = s.DB.Tx(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE notifications SET status = ?, conversation_id = COALESCE(conversation_id, ?), sent_at = ? WHERE id = ? AND status = 'pending'`,
				status, nullable(conv), s.Now(), p.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another instance delivered it meanwhile (the post above was a duplicate, so a no-op)
			}
			return s.copyToEmail(ctx, tx, p)
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// conversationFor finds where to tell the customer: the notification's own conversation, the
// conversation of its ticket (or of its case's ticket), else the customer's latest one.
func (s *Service) conversationFor(ctx context.Context, p pending) (int64, error) {
	if p.conversation != nil {
		return *p.conversation, nil
	}
	var id int64
	try := func(q string, arg any) error {
		err := s.DB.QueryRow(ctx, q, arg).Scan(&id)
		if store.IsNoRows(err) {
			return nil
		}
		return err
	}
	if p.ticket != nil {
		if err := try(`SELECT COALESCE(conversation_id, 0) FROM tickets WHERE id = ?`, *p.ticket); err != nil || id != 0 {
			return id, err
		}
	}
	if p.caseID != nil {
		if err := try(`SELECT COALESCE(t.conversation_id, 0) FROM aftersales_cases c JOIN tickets t ON t.id = c.ticket_id WHERE c.id = ?`, *p.caseID); err != nil || id != 0 {
			return id, err
		}
	}
	if p.customer != 0 {
		if err := try(`SELECT id FROM conversations WHERE customer_id = ? ORDER BY COALESCE(last_message_at, created_at) DESC, id DESC LIMIT 1`, p.customer); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
