package notify

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpRecorder is a small SMTP server for tests (no MTA runs here): it speaks the protocol
// net/smtp expects — EHLO, STARTTLS (when given a certificate), AUTH PLAIN, MAIL, RCPT, DATA,
// RSET, QUIT — and records every message it accepts. Replies to RCPT can be scripted to test
// temporary (4xx) and permanent (5xx) refusals.
type smtpRecorder struct {
	ln  net.Listener
	tls *tls.Config // nil: STARTTLS is not offered

	mu       sync.Mutex
	mails    []recordedMail
	rcptFail []string // the next RCPT commands get these replies, in order
}

type recordedMail struct {
	From, To           string
	Data               string
	TLS                bool
	AuthUser, AuthPass string
}

func newSMTPRecorder(t *testing.T, withTLS bool) *smtpRecorder {
	t.Helper()
	r := newSMTPRecorderOn(t, "127.0.0.1:0", withTLS)
	if r == nil {
		t.Fatal("cannot listen on 127.0.0.1")
	}
	return r
}

// newSMTPRecorderOn listens on addr; nil if that address cannot be used here.
func newSMTPRecorderOn(t *testing.T, addr string, withTLS bool) *smtpRecorder {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil
	}
	r := &smtpRecorder{ln: ln}
	if withTLS {
		r.tls = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return r
}

func (r *smtpRecorder) Addr() string { return r.ln.Addr().String() }

// clientTLS trusts the recorder's certificate.
func (r *smtpRecorder) clientTLS() *tls.Config {
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(r.tls.Certificates[0].Certificate[0])
	pool.AddCert(leaf)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func (r *smtpRecorder) failNextRcpt(replies ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rcptFail = append(r.rcptFail, replies...)
}

func (r *smtpRecorder) Mails() []recordedMail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedMail(nil), r.mails...)
}

func (r *smtpRecorder) serve(conn net.Conn) {
	defer func() { conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(s string) { _ = tp.PrintfLine("%s", s) }
	reply("220 recorder ESMTP ready")
	var cur recordedMail
	secure := false
	var user, pass string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"250-recorder greets " + arg}
			if r.tls != nil && !secure {
				ext = append(ext, "250-STARTTLS")
			}
			ext = append(ext, "250-AUTH PLAIN", "250 8BITMIME")
			for _, l := range ext {
				reply(l)
			}
		case "STARTTLS":
			if r.tls == nil || secure {
				reply("502 5.5.1 not available")
				continue
			}
			reply("220 2.0.0 go ahead")
			tc := tls.Server(conn, r.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(raw), "\x00")
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 {
				reply("535 5.7.8 bad credentials")
				continue
			}
			user, pass = parts[1], parts[2]
			reply("235 2.7.0 authenticated")
		case "MAIL":
			cur = recordedMail{From: addrArg(arg), TLS: secure, AuthUser: user, AuthPass: pass}
			reply("250 2.1.0 ok")
		case "RCPT":
			r.mu.Lock()
			var scripted string
			if len(r.rcptFail) > 0 {
				scripted, r.rcptFail = r.rcptFail[0], r.rcptFail[1:]
			}
			r.mu.Unlock()
			if scripted != "" {
				reply(scripted)
				continue
			}
			cur.To = addrArg(arg)
			reply("250 2.1.5 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			cur.Data = string(b)
			r.mu.Lock()
			r.mails = append(r.mails, cur)
			r.mu.Unlock()
			reply("250 2.0.0 queued")
		case "RSET", "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}

func addrArg(arg string) string {
	if i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>'); i >= 0 && j > i {
		return arg[i+1 : j]
	}
	return arg
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "recorder"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// readMail parses a recorded message into its decoded subject and body.
func readMail(t *testing.T, data string) (headers textproto.MIMEHeader, subject, body string) {
	t.Helper()
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(data)))
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("headers: %v\n%s", err, data)
	}
	rest, _ := io.ReadAll(tp.R)
	dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(rest)), ""))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	subject, err = wordDecoder.DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return h, subject, string(dec)
}
