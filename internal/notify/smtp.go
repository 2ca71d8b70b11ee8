package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"time"
)

// SMTPMailer sends through a mail server with net/smtp: STARTTLS whenever the server offers
// it, PLAIN authentication when a user is set (net/smtp refuses it in clear text except to
// localhost, so credentials never cross the network unencrypted).
type SMTPMailer struct {
	Addr     string // host:port
	User     string
	Password string
	From     string // "Name <address>" or an address
	// TLS configures STARTTLS; nil verifies the server's certificate for Addr's host.
	TLS *tls.Config
	// Timeout bounds one whole delivery (connect to QUIT); default 30 s.
	Timeout time.Duration
	Now     func() time.Time
}

// Send delivers one message. A 5xx reply is a *RejectedError; connection problems and 4xx
// replies are returned as they are, for the job to retry.
func (m *SMTPMailer) Send(ctx context.Context, msg Mail) error {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return &RejectedError{fmt.Errorf("sender %q: %w", m.From, err)}
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return &RejectedError{fmt.Errorf("SMTP address %q: %w", m.Addr, err)}
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return classify(err)
	}
	defer c.Close()
	if err := c.Hello("kefu"); err != nil {
		return classify(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return classify(err)
		}
	}
	if m.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &RejectedError{errors.New("the SMTP server does not offer AUTH but KEFU_SMTP_USER is set")}
		}
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, host)); err != nil {
			var tp *textproto.Error
			if !errors.As(err, &tp) { // refused locally: no TLS to a remote server; retrying cannot help
				return &RejectedError{err}
			}
			return classify(err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return classify(err)
	}
	if err := c.Rcpt(msg.To); err != nil {
		return classify(err)
	}
	w, err := c.Data()
	if err != nil {
		return classify(err)
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	if _, err := w.Write(msg.message(from.String(), now())); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil { // the server's verdict on the message
		return classify(err)
	}
	_ = c.Quit() // delivered; a failed goodbye changes nothing
	return nil
}

// classify turns a permanent SMTP reply (5xx) into a RejectedError.
func classify(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return &RejectedError{err}
	}
	return err
}
