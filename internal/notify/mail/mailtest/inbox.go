package mailtest

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Inbox is a running SMTP server (no TLS, no auth) that keeps every message.
type Inbox struct {
	// URL is the --smtp URL that sends to it (smtp+insecure://, loopback).
	URL string
	mu  sync.Mutex
	got []Mail
}

// Mail is one message: the recipient and the body, quoted-printable decoded.
type Mail struct{ To, Body string }

// Start starts an Inbox that stops with the test.
func Start(t testing.TB) *Inbox {
	t.Helper()
	in := &Inbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }))
	srv.Domain, srv.ReadTimeout, srv.WriteTimeout = "localhost", 5*time.Second, 5*time.Second
	srv.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	in.URL = fmt.Sprintf("smtp+insecure://%s?from=ward@clinic.example", ln.Addr())
	return in
}

// Last returns the body of the last message to the address; none fails t.
func (in *Inbox) Last(t testing.TB, to string) string {
	t.Helper()
	in.mu.Lock()
	defer in.mu.Unlock()
	for i := len(in.got) - 1; i >= 0; i-- {
		if in.got[i].To == to {
			return in.got[i].Body
		}
	}
	t.Fatalf("no mail to %s", to)
	return ""
}

// All returns every message so far.
func (in *Inbox) All() []Mail {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Mail(nil), in.got...)
}

type session struct {
	in *Inbox
	to string
}

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b))); err == nil {
		b = dec
	}
	s.in.mu.Lock()
	s.in.got = append(s.in.got, Mail{To: s.to, Body: string(b)})
	s.in.mu.Unlock()
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }
