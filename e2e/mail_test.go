package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// The suite's mail server: a real SMTP server (emersion/go-smtp) in the
// test process, on loopback, with no TLS and no auth, that the ward binary
// sends to through --smtp smtp+insecure://. Tests read what ward mailed
// from it. (The main module's mailtest helper is internal to that module
// and lives for one test; this one lives for the suite.)

type mailbox struct {
	url  string // the --smtp URL that sends here
	srv  *smtp.Server
	mu   sync.Mutex
	got  []mailMsg
	news chan struct{} // closed and replaced when a message arrives
}

// mailMsg is one message as it arrived: its envelope recipient, its
// subject and its body with the transfer encoding undone.
type mailMsg struct {
	To, From, Subject, Body string
}

func startMailbox() (*mailbox, error) {
	mb := &mailbox{news: make(chan struct{})}
	mb.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{mb: mb}, nil }))
	mb.srv.Domain, mb.srv.ReadTimeout, mb.srv.WriteTimeout = "localhost", 5*time.Second, 5*time.Second
	mb.srv.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go mb.srv.Serve(ln)
	mb.url = fmt.Sprintf("smtp+insecure://%s?from=ward@clinic.example", ln.Addr())
	return mb, nil
}

func (mb *mailbox) close() { mb.srv.Close() }

// mark is where the next message will be: wait looks only after it.
func (mb *mailbox) mark() int {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return len(mb.got)
}

// wait returns the first message to the address, after mark, whose
// subject contains subject; none within the timeout fails t.
func (mb *mailbox) wait(t *testing.T, mark int, to, subject string, timeout time.Duration) mailMsg {
	t.Helper()
	deadline := time.After(timeout)
	for {
		mb.mu.Lock()
		for _, m := range mb.got[mark:] {
			if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
				mb.mu.Unlock()
				return m
			}
		}
		news := mb.news
		mb.mu.Unlock()
		select {
		case <-news:
		case <-deadline:
			t.Fatalf("no mail to %s with subject %q in %v (%d messages in all)", to, subject, timeout, mb.mark())
		}
	}
}

type mailSession struct {
	mb       *mailbox
	from, to string
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	body := raw
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		if body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw))); err != nil {
			return err
		}
	case "base64":
		if body, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(raw))); err != nil {
			return err
		}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	m := mailMsg{To: s.to, From: s.from, Subject: subject, Body: strings.ReplaceAll(string(body), "\r\n", "\n")}
	s.mb.mu.Lock()
	s.mb.got = append(s.mb.got, m)
	close(s.mb.news)
	s.mb.news = make(chan struct{})
	s.mb.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }
