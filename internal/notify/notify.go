// Package notify keeps customers informed: ticket and after-sales services record what the
// customer must be told as rows in `notifications` (in the same transaction as the change), and
// a recurring job posts them into the customer's conversation, where the widget shows them live.
//
// Each notification is posted with the client message id "notification-<id>", which the
// conversation service treats as an idempotency key, so a crash between posting and marking it
// sent never shows the customer the same update twice.
package notify

import (
	"context"
	"fmt"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/jobs"
	"kefu/internal/store"
)

// SweepJob is the recurring delivery job.
const SweepJob = "notify.sweep"

// Service delivers pending chat notifications.
type Service struct {
	DB    *store.DB
	Convs *conversation.Service
	Now   func() time.Time
}

// New returns a notification service.
func New(db *store.DB, convs *conversation.Service) *Service {
	return &Service{DB: db, Convs: convs, Now: time.Now}
}

// Register installs the recurring job handler.
func (s *Service) Register(q *jobs.Queue, interval time.Duration) {
	q.Handle(SweepJob, func(ctx context.Context, j *jobs.Job) error {
		if _, err := s.Deliver(ctx, 200); err != nil {
			return err
		}
		j.RunAgainAt(s.Now().Add(interval))
		return nil
	})
}

// Start schedules the sweep (one per database, whatever the number of instances).
func Start(ctx context.Context, db store.Querier) error {
	return jobs.Enqueue(ctx, db, SweepJob, nil, jobs.Options{UniqueKey: SweepJob})
}

type pending struct {
	id, customer         int64
	conversation, ticket *int64
	caseID               *int64
	kind, body           string
}

// Deliver posts up to limit pending chat notifications and reports how many it posted.
func (s *Service) Deliver(ctx context.Context, limit int) (int, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, customer_id, conversation_id, ticket_id, case_id, kind, body FROM notifications
		WHERE channel = 'chat' AND status = 'pending' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return 0, err
	}
	var batch []pending
	for rows.Next() {
		var p pending
		var customer *int64
		if err := rows.Scan(&p.id, &customer, &p.conversation, &p.ticket, &p.caseID, &p.kind, &p.body); err != nil {
			rows.Close()
			return 0, err
		}
		if customer != nil {
			p.customer = *customer
		}
		batch = append(batch, p)
	}
	rows.Close()
	sent := 0
	for _, p := range batch {
		conv, err := s.conversationFor(ctx, p)
		if err != nil {
			return sent, err
		}
		status := "sent"
		if conv == 0 {
			status = "no_conversation" // nothing to post into; the update stays visible in the case/ticket history
		} else {
			_, _, err := s.Convs.Post(ctx, conversation.NewMessage{ConversationID: conv, SenderKind: "system", Body: p.body,
				ClientMsgID: fmt.Sprintf("notification-%d", p.id), Payload: map[string]any{"notification": p.kind, "ticket_id": p.ticket, "case_id": p.caseID}})
			if err != nil {
				return sent, fmt.Errorf("notification %d: %w", p.id, err)
			}
			sent++
		}
		if _, err := s.DB.Exec(ctx, `UPDATE notifications SET status = ?, conversation_id = COALESCE(conversation_id, ?), sent_at = ? WHERE id = ?`,
			status, nullable(conv), s.Now(), p.id); err != nil {
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
