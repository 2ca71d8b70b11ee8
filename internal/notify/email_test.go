package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/crm"
	"kefu/internal/jobs"
	"kefu/internal/pii"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
	"kefu/internal/ticket"
)

var wordDecoder = new(mime.WordDecoder)

func TestSMTPMailerUsesSTARTTLSAndAuth(t *testing.T) {
	rec := newSMTPRecorder(t, true)
	m := &SMTPMailer{Addr: rec.Addr(), User: "kefu", Password: "s3cret", From: "Shop Support <support@shop.test>", TLS: rec.clientTLS()}
	mail := Mail{To: "wang@example.com", Subject: "工单 T-7 进展通知", Body: "您的工单 T-7 已处理完毕。\n" + strings.Repeat("长", 200), MessageID: "<kefu-notification-7@kefu>"}
	if err := m.Send(context.Background(), mail); err != nil {
		t.Fatal(err)
	}
	got := rec.Mails()
	if len(got) != 1 {
		t.Fatalf("recorded %d mails", len(got))
	}
	g := got[0]
	if !g.TLS || g.AuthUser != "kefu" || g.AuthPass != "s3cret" || g.From != "support@shop.test" || g.To != "wang@example.com" {
		t.Fatalf("envelope %+v: want STARTTLS, PLAIN auth, the sender and the recipient", g)
	}
	h, subject, body := readMail(t, g.Data)
	if subject != mail.Subject || body != mail.Body || h.Get("Message-Id") != mail.MessageID || !strings.Contains(h.Get("From"), "support@shop.test") {
		t.Fatalf("message: subject %q body %q headers %v", subject, body, h)
	}
}

func TestSMTPMailerRefusals(t *testing.T) {
	rec := newSMTPRecorder(t, false)
	m := &SMTPMailer{Addr: rec.Addr(), From: "support@shop.test"}
	ctx := context.Background()
	rec.failNextRcpt("451 4.3.0 try again later")
	err := m.Send(ctx, Mail{To: "a@example.com", Subject: "s", Body: "b"})
	var rejected *RejectedError
	if err == nil || errors.As(err, &rejected) {
		t.Fatalf("a 4xx must be a retryable error, got %v", err)
	}
	rec.failNextRcpt("550 5.1.1 no such user")
	if err := m.Send(ctx, Mail{To: "a@example.com", Subject: "s", Body: "b"}); !errors.As(err, &rejected) {
		t.Fatalf("a 5xx must be a RejectedError, got %v", err)
	}
	if err := m.Send(ctx, Mail{To: "a@example.com", Subject: "s", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Mails()); n != 1 {
		t.Fatalf("recorded %d mails, want only the accepted one", n)
	}
	// Without TLS, credentials are never sent in clear to a server that is not this machine.
	plain := newSMTPRecorderOn(t, "127.0.0.2:0", false)
	if plain == nil {
		t.Skip("127.0.0.2 is not usable here")
	}
	remote := &SMTPMailer{Addr: plain.Addr(), User: "u", Password: "p", From: "support@shop.test"}
	if err := remote.Send(ctx, Mail{To: "a@example.com"}); !errors.As(err, &rejected) || len(plain.Mails()) != 0 {
		t.Fatalf("clear-text auth to a remote server: %v, want a RejectedError and no mail", err)
	}
}

// countingMailer counts sends around a real SMTP delivery.
type countingMailer struct {
	Mailer
	sends atomic.Int32
}

func (c *countingMailer) Send(ctx context.Context, m Mail) error {
	c.sends.Add(1)
	return c.Mailer.Send(ctx, m)
}

type emailFixture struct {
	db         *store.DB
	svc        *Service
	queue      *jobs.Queue
	rec        *smtpRecorder
	mailer     *countingMailer
	offset     time.Duration
	withEmail  int64 // Chinese customer with an address
	noEmail    int64
	conv       int64
	englishCID int64
}

func newEmailFixture(t *testing.T, db *store.DB) *emailFixture {
	t.Helper()
	ctx := context.Background()
	box, err := pii.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	people := crm.NewService(db, box)
	convs := conversation.NewService(db, box, people, log)
	f := &emailFixture{db: db, rec: newSMTPRecorder(t, false)}
	f.mailer = &countingMailer{Mailer: &SMTPMailer{Addr: f.rec.Addr(), From: "Shop <support@shop.test>"}}
	f.svc = New(db, convs)
	f.svc.PII, f.svc.Mailer, f.svc.PublicURL = box, f.mailer, "https://help.shop.test"
	f.queue = jobs.New(db, log)
	f.queue.Now = func() time.Time { return time.Now().Add(f.offset) }
	f.svc.Register(f.queue, time.Minute)
	if f.withEmail, err = people.CreateCustomer(ctx, db, crm.NewCustomer{Name: "王芳", Email: "wang.fang@example.com", Lang: "zh"}); err != nil {
		t.Fatal(err)
	}
	if f.englishCID, err = people.CreateCustomer(ctx, db, crm.NewCustomer{Name: "Tom", Email: "tom@example.com", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if f.noEmail, err = people.CreateCustomer(ctx, db, crm.NewCustomer{Name: "李雷", Lang: "zh"}); err != nil {
		t.Fatal(err)
	}
	c, err := convs.Create(ctx, db, conversation.NewConversation{CustomerID: f.withEmail, Channel: "web", Lang: "zh"})
	if err != nil {
		t.Fatal(err)
	}
	f.conv = c.ID
	return f
}

// runJobs runs every due job (no more than limit) and returns how many ran.
func (f *emailFixture) runJobs(t *testing.T, limit int) int {
	t.Helper()
	n := 0
	for ; n < limit; n++ {
		ran, err := f.queue.RunOne(context.Background())
		if !ran {
			break
		}
		_ = err // a failed run is retried with backoff; the test checks the outcome
	}
	return n
}

func (f *emailFixture) status(t *testing.T, id int64) string {
	t.Helper()
	var s string
	if err := f.db.QueryRow(context.Background(), `SELECT status FROM notifications WHERE id = ?`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *emailFixture) notify(t *testing.T, customer int64, conv any, channel, kind, body, payload string) int64 {
	t.Helper()
	id, err := store.InsertID(context.Background(), f.db, `INSERT INTO notifications (customer_id, conversation_id, channel, kind, content_type, body, payload, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id`, customer, conv, channel, kind, map[bool]string{true: "card", false: "text"}[payload != "{}"], body, payload, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestStatusUpdatesAreEmailedExactlyOnceWithRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newEmailFixture(t, db)
		ctx := context.Background()
		body := "客服正在处理您的工单 T-12。"
		chat := f.notify(t, f.withEmail, f.conv, "chat", "ticket.open", body, "{}")
		silent := f.notify(t, f.noEmail, nil, "chat", "ticket.open", "客服正在处理您的工单 T-13。", "{}")

		// The mail server is briefly unavailable: the first attempt fails, the job retries.
		f.rec.failNextRcpt("451 4.3.0 greylisted, try again later")
		if _, err := f.svc.Deliver(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Deliver(ctx, 100); err != nil { // a second sweep creates nothing more
			t.Fatal(err)
		}
		var copies int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE channel = 'email'`).Scan(&copies)
		if copies != 1 || f.status(t, chat) != "sent" || f.status(t, silent) != "no_conversation" {
			t.Fatalf("e-mail copies %d (want 1: the customer without an address gets none); chat %s", copies, f.status(t, chat))
		}
		if ran := f.runJobs(t, 10); ran != 1 || len(f.rec.Mails()) != 0 {
			t.Fatalf("first attempt: %d jobs ran, %d mails", ran, len(f.rec.Mails()))
		}
		if ran := f.runJobs(t, 10); ran != 0 {
			t.Fatalf("the retry ran before its backoff (%d)", ran)
		}
		f.offset += jobs.Backoff(1) + time.Second
		f.runJobs(t, 10)
		f.offset += time.Hour
		f.runJobs(t, 10) // nothing left: the job is done
		mails := f.rec.Mails()
		if len(mails) != 1 || f.mailer.sends.Load() != 2 {
			t.Fatalf("mails %d after %d attempts, want one mail after two attempts", len(mails), f.mailer.sends.Load())
		}
		h, subject, got := readMail(t, mails[0].Data)
		if mails[0].To != "wang.fang@example.com" || subject != "您的服务进展通知" || !strings.HasPrefix(got, body) || !strings.Contains(got, "请勿直接回复") {
			t.Fatalf("mail to %s subject %q body %q", mails[0].To, subject, got)
		}
		var emailID int64
		db.QueryRow(ctx, `SELECT id FROM notifications WHERE channel = 'email'`).Scan(&emailID)
		if f.status(t, emailID) != "sent" || h.Get("Message-Id") == "" {
			t.Fatalf("e-mail notification %s", f.status(t, emailID))
		}
		// Running the same job again (a retry after a crash) sends nothing: the row is sent.
		if err := f.svc.runEmailJob(ctx, &jobs.Job{Kind: EmailJob, Payload: []byte(`{"notification_id":` + strconv.FormatInt(emailID, 10) + `}`)}); err != nil || len(f.rec.Mails()) != 1 {
			t.Fatalf("second run: %v, %d mails", err, len(f.rec.Mails()))
		}
	})
}

func TestRatingLinkByEmailWithoutConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newEmailFixture(t, db)
		ctx := context.Background()
		payload := `{"type":"csat","token":"5.1999999999.sig","ticket_id":5,"ticket_ref":"T-5"}`
		id := f.notify(t, f.englishCID, nil, "email", ticket.CSATRequestKind, ticket.CSATRequestMessage("T-5").EN, payload)
		noAddr := f.notify(t, f.noEmail, nil, "email", ticket.CSATRequestKind, ticket.CSATRequestMessage("T-6").ZH, payload)
		if _, err := f.svc.Deliver(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if f.status(t, id) != "queued" || f.status(t, noAddr) != "no_email" {
			t.Fatalf("statuses %s / %s", f.status(t, id), f.status(t, noAddr))
		}
		f.runJobs(t, 10)
		mails := f.rec.Mails()
		if len(mails) != 1 || mails[0].To != "tom@example.com" {
			t.Fatalf("mails %+v", mails)
		}
		_, subject, body := readMail(t, mails[0].Data)
		if subject != "How did we do? Rate ticket T-5" || !strings.Contains(body, "https://help.shop.test/csat/5.1999999999.sig") ||
			!strings.HasPrefix(body, ticket.CSATRequestMessage("T-5").EN) {
			t.Fatalf("rating mail %q:\n%s", subject, body)
		}
		if f.status(t, id) != "sent" {
			t.Fatalf("status %s", f.status(t, id))
		}
	})
}

func TestEmailOffRecordsNoEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newEmailFixture(t, db)
		f.svc.Mailer = nil
		ctx := context.Background()
		chat := f.notify(t, f.withEmail, f.conv, "chat", "ticket.open", "客服正在处理您的工单 T-1。", "{}")
		only := f.notify(t, f.englishCID, nil, "email", ticket.CSATRequestKind, "rate", `{"token":"x"}`)
		if _, err := f.svc.Deliver(ctx, 100); err != nil {
			t.Fatal(err)
		}
		var copies, queued int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE channel = 'email' AND id <> ?`, only).Scan(&copies)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ?`, EmailJob).Scan(&queued)
		if f.status(t, chat) != "sent" || f.status(t, only) != "no_email" || copies != 0 || queued != 0 {
			t.Fatalf("with e-mail off: chat %s, e-mail-only %s, copies %d, jobs %d", f.status(t, chat), f.status(t, only), copies, queued)
		}
	})
}

func TestCardNotificationsArePostedAsCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newEmailFixture(t, db)
		ctx := context.Background()
		f.notify(t, f.withEmail, f.conv, "chat", ticket.CSATRequestKind, "请打分", `{"type":"csat","token":"1.2.x","ticket_id":1,"ticket_ref":"T-1"}`)
		if n, err := f.svc.Deliver(ctx, 100); err != nil || n != 1 {
			t.Fatalf("delivered %d, %v", n, err)
		}
		var ct, payload string
		if err := db.QueryRow(ctx, `SELECT content_type, payload FROM messages WHERE conversation_id = ? AND sender_kind = 'system'`, f.conv).Scan(&ct, &payload); err != nil {
			t.Fatal(err)
		}
		if ct != "card" || !strings.Contains(payload, `"token":"1.2.x"`) || !strings.Contains(payload, `"type":"csat"`) {
			t.Fatalf("posted %s %s", ct, payload)
		}
		var copies int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE channel = 'email'`).Scan(&copies)
		if copies != 0 {
			t.Fatal("a rating asked in the chat is not asked again by e-mail")
		}
	})
}
