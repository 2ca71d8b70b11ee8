package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"kefu/internal/aftersales"
	"kefu/internal/i18n"
	"kefu/internal/jobs"
	"kefu/internal/store"
	"kefu/internal/ticket"
)

// EmailJob sends one e-mail notification (payload {"notification_id": N}). Its unique key is
// "notify.email:N", so each e-mail has exactly one job however often the sweep runs.
const EmailJob = "notify.email"

// emailAttempts bounds the retries of one e-mail (backoff 10 s, 40 s, 90 s … capped at an
// hour: about a day of an unreachable mail server before the job fails).
const emailAttempts = 30

// Mail is one composed message.
type Mail struct {
	To      string // bare address
	Subject string
	Body    string // plain text, UTF-8
	// MessageID is stable per notification ("<kefu-notification-N@host>"), so a resend after a
	// crash between the server's 250 and marking the row sent is recognisable as the same mail.
	MessageID string
}

// Mailer sends e-mail. Errors that retrying cannot fix (a 5xx reply such as an unknown
// recipient) are *RejectedError; anything else is retried with backoff.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// emailCopied says whether an update posted in the chat is also e-mailed. The rating request
// is not: it was asked in the chat (a ticket without a conversation gets it by e-mail instead).
func emailCopied(kind string) bool { return kind != ticket.CSATRequestKind }

// customerHasEmail checks the address exists without opening it (the keyed hash is stored
// next to the sealed value); erased customers have none.
func customerHasEmail(ctx context.Context, q store.Querier, customer int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM customers WHERE id = ? AND email_hash IS NOT NULL AND email_hash <> '' AND erased_at IS NULL`, customer).Scan(&n)
	return n > 0, err
}

func enqueueEmail(ctx context.Context, q store.Querier, id int64) error {
	return jobs.Enqueue(ctx, q, EmailJob, map[string]int64{"notification_id": id},
		jobs.Options{UniqueKey: fmt.Sprintf("%s:%d", EmailJob, id), MaxAttempts: emailAttempts})
}

// copyToEmail records the e-mail copy of a chat notification and its send job, inside the
// transaction that marks the chat notification delivered (so there is exactly one copy).
func (s *Service) copyToEmail(ctx context.Context, tx store.Querier, p pending) error {
	if s.Mailer == nil || p.customer == 0 || !emailCopied(p.kind) {
		return nil
	}
	ok, err := customerHasEmail(ctx, tx, p.customer)
	if err != nil || !ok {
		return err
	}
	id, err := store.InsertID(ctx, tx, `INSERT INTO notifications (customer_id, conversation_id, ticket_id, case_id, channel, kind,
		content_type, body, payload, status, created_at) VALUES (?, ?, ?, ?, 'email', ?, ?, ?, ?, 'queued', ?) RETURNING id`,
		p.customer, p.conversation, p.ticket, p.caseID, p.kind, p.contentType, p.body, p.payload, s.Now())
	if err != nil {
		return err
	}
	return enqueueEmail(ctx, tx, id)
}

// queueEmailOnly hands an e-mail-only notification to its job, or marks it no_email when
// e-mail is off or the customer has no address.
func (s *Service) queueEmailOnly(ctx context.Context, p pending) error {
	return s.DB.Tx(ctx, func(tx *store.Tx) error {
		status := "no_email"
		if s.Mailer != nil && p.customer != 0 {
			ok, err := customerHasEmail(ctx, tx, p.customer)
			if err != nil {
				return err
			}
			if ok {
				status = "queued"
			}
		}
		res, err := tx.Exec(ctx, `UPDATE notifications SET status = ? WHERE id = ? AND status = 'pending'`, status, p.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || status != "queued" {
			return nil
		}
		return enqueueEmail(ctx, tx, p.id)
	})
}

// runEmailJob sends one queued e-mail notification and marks it sent. A row already sent (a
// retry after the mark) or no longer queued is left alone; the customer's address is opened
// here, for this one message only.
func (s *Service) runEmailJob(ctx context.Context, j *jobs.Job) error {
	var in struct {
		NotificationID int64 `json:"notification_id"`
	}
	if err := j.Decode(&in); err != nil || in.NotificationID <= 0 {
		return jobs.Permanent(fmt.Errorf("bad e-mail job payload %s", j.Payload))
	}
	var p pending
	var customer *int64
	var status string
	err := s.DB.QueryRow(ctx, `SELECT id, customer_id, ticket_id, case_id, kind, body, content_type, payload, status FROM notifications
		WHERE id = ? AND channel = 'email'`, in.NotificationID).Scan(&p.id, &customer, &p.ticket, &p.caseID, &p.kind, &p.body, &p.contentType, &p.payload, &status)
	if store.IsNoRows(err) {
		return nil // the customer was erased (rows cascade): nothing to send
	} else if err != nil {
		return err
	}
	if status != "queued" {
		return nil
	}
	mark := func(st string) error {
		_, err := s.DB.Exec(ctx, `UPDATE notifications SET status = ?, sent_at = ? WHERE id = ? AND status = 'queued'`, st, s.Now(), p.id)
		return err
	}
	if s.Mailer == nil || s.PII == nil || customer == nil {
		return mark("no_email") // e-mail was switched off after this was queued
	}
	var sealed []byte
	var erased *time.Time
	if err := s.DB.QueryRow(ctx, `SELECT email_enc, erased_at FROM customers WHERE id = ?`, *customer).Scan(&sealed, &erased); err != nil {
		if store.IsNoRows(err) {
			return mark("no_email")
		}
		return err
	}
	if erased != nil || len(sealed) == 0 {
		return mark("no_email")
	}
	addr, err := s.PII.Open(sealed)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("notification %d: opening the customer's address: %w", p.id, err))
	}
	if a, err := mail.ParseAddress(addr); err != nil || strings.ContainsAny(a.Address, "\r\n") {
		return mark("bad_address") // stored as typed by the customer or the shop; nothing to retry
	} else {
		addr = a.Address
	}
	m, err := s.compose(p)
	if err != nil {
		return jobs.Permanent(err)
	}
	m.To = addr
	if err := s.Mailer.Send(ctx, m); err != nil {
		var rejected *RejectedError
		if errors.As(err, &rejected) {
			if mErr := mark("failed"); mErr != nil {
				return mErr
			}
			return jobs.Permanent(fmt.Errorf("notification %d: %w", p.id, err))
		}
		return fmt.Errorf("notification %d: %w", p.id, err) // retried with backoff
	}
	return mark("sent")
}

// RejectedError is a refusal retrying cannot fix (an SMTP 5xx reply: unknown recipient,
// sender not allowed); the e-mail is marked failed instead of retried.
type RejectedError struct{ Err error }

func (e *RejectedError) Error() string { return "mail rejected: " + e.Err.Error() }
func (e *RejectedError) Unwrap() error { return e.Err }

// compose renders the e-mail of a notification in the language of its text (the chat text
// was written in the customer's language; the subject and footer follow it).
func (s *Service) compose(p pending) (Mail, error) {
	zh := hasHan(p.body)
	lang := "en"
	if zh {
		lang = "zh"
	}
	var ref string
	switch {
	case p.ticket != nil:
		ref = ticket.Ref(*p.ticket)
	case p.caseID != nil:
		ref = aftersales.CaseRef(*p.caseID)
	}
	var card ticket.CSATCard
	if p.kind == ticket.CSATRequestKind {
		if err := json.Unmarshal([]byte(p.payload), &card); err != nil || card.Token == "" {
			return Mail{}, fmt.Errorf("notification %d: rating request without a token", p.id)
		}
		if ref == "" {
			ref = card.TicketRef
		}
	}
	subject := i18n.Text{ZH: "您的服务进展通知", EN: "An update on your request"}
	switch {
	case p.kind == ticket.CSATRequestKind:
		subject = i18n.Text{ZH: "请为工单 " + ref + " 的服务打分", EN: "How did we do? Rate ticket " + ref}
	case p.kind == ticket.CSATThanksKind:
		subject = i18n.Text{ZH: "感谢您的评价（" + ref + "）", EN: "Thank you for your rating (" + ref + ")"}
	case strings.HasPrefix(p.kind, "case.") && ref != "":
		subject = i18n.Text{ZH: "售后 " + ref + " 进展通知", EN: "Update on your after-sales request " + ref}
	case ref != "":
		subject = i18n.Text{ZH: "工单 " + ref + " 进展通知", EN: "Update on your ticket " + ref}
	}
	var body strings.Builder
	body.WriteString(p.body)
	body.WriteString("\n")
	if p.kind == ticket.CSATRequestKind {
		if s.PublicURL == "" {
			return Mail{}, errors.New("KEFU_PUBLIC_URL is not set: the rating link has nowhere to point")
		}
		link := s.PublicURL + "/csat/" + card.Token
		body.WriteString("\n")
		body.WriteString(i18n.Text{ZH: "点击链接打分（7 天内有效）：", EN: "Rate us here (the link works for 7 days): "}.In(lang))
		body.WriteString(link)
		body.WriteString("\n")
	}
	body.WriteString("\n-- \n")
	body.WriteString(i18n.Text{ZH: "此邮件由客服系统自动发送，请勿直接回复。", EN: "This message was sent automatically by our customer service; please do not reply to it."}.In(lang))
	body.WriteString("\n")
	return Mail{Subject: subject.In(lang), Body: body.String(), MessageID: fmt.Sprintf("<kefu-notification-%d@kefu>", p.id)}, nil
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// message renders a Mail as an RFC 5322 message: UTF-8 text in base64 (safe for any line
// length and for Chinese), the subject as an RFC 2047 encoded word.
func (m Mail) message(from string, now time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", m.To)
	h("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	if m.MessageID != "" {
		h("Message-ID", m.MessageID)
	}
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="UTF-8"`)
	h("Content-Transfer-Encoding", "base64")
	h("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies to this
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
