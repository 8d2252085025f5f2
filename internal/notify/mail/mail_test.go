package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

const testPass = "s3cret-Pa55word"

func smtpURL(scheme string, ts *testServer, pass string, extra ...string) string {
	q := url.Values{"from": {"ward@clinic.example"}}
	if ts.CAFile != "" {
		q.Set("ca", ts.CAFile)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return fmt.Sprintf("%s://mailer:%s@%s?%s", scheme, url.QueryEscape(pass), ts.Addr, q.Encode())
}

func mustOpen(t *testing.T, raw string) *Mailer {
	t.Helper()
	m, err := Open(raw)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return m
}

// readBody decodes a delivered message's body per its transfer encoding.
func readBody(t *testing.T, msg *netmail.Message) string {
	t.Helper()
	var r io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected transfer encoding %q", msg.Header.Get("Content-Transfer-Encoding"))
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestSendInvitationOverEachSecurity(t *testing.T) {
	expires := time.Date(2026, 12, 9, 17, 0, 0, 0, time.UTC)
	inv := Invitation{Clinic: "Riverside Clinic", Link: "https://ward.clinic.example/invite#tok-123", Expires: expires}
	for _, tc := range []struct {
		scheme string
		mode   Security
	}{{"smtp", StartTLS}, {"smtps", ImplicitTLS}, {"smtp+insecure", Insecure}} {
		t.Run(tc.scheme, func(t *testing.T) {
			ts := startSMTP(t, tc.mode, "mailer", testPass)
			m := mustOpen(t, smtpURL(tc.scheme, ts, testPass))
			if err := m.Send(context.Background(), "pat@example.org", inv); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := ts.messages()
			if len(got) != 1 {
				t.Fatalf("delivered %d messages, want 1", len(got))
			}
			d := got[0]
			if d.From != "ward@clinic.example" || len(d.To) != 1 || d.To[0] != "pat@example.org" {
				t.Fatalf("envelope from %q to %q", d.From, d.To)
			}
			msg, err := netmail.ReadMessage(bytes.NewReader(d.Data))
			if err != nil {
				t.Fatal(err)
			}
			for h, want := range map[string]string{
				"From": "<ward@clinic.example>", "To": "<pat@example.org>", "Subject": "Riverside Clinic: your invitation",
			} {
				if g := msg.Header.Get(h); g != want {
					t.Errorf("%s = %q, want %q", h, g, want)
				}
			}
			if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q: want one text/plain part", ct)
			}
			body := readBody(t, msg)
			want := "Riverside Clinic invites you to message them securely through ward.\n\n" +
				"Open this link to set up your account:\n\n" +
				"https://ward.clinic.example/invite#tok-123\n\n" +
				"The link works once and expires on Wednesday 9 December 2026, 17:00 UTC.\n" +
				"If you did not expect this, ignore this email.\n"
			if strings.TrimRight(body, "\n") != strings.TrimRight(want, "\n") {
				t.Errorf("body:\n%s\nwant:\n%s", body, want)
			}
		})
	}
}

func TestSendSecureMessageNotice(t *testing.T) {
	ts := startSMTP(t, StartTLS, "mailer", testPass)
	m := mustOpen(t, smtpURL("smtp", ts, testPass))
	err := m.Send(context.Background(), "dr.who@referrer.example",
		SecureMessage{Clinic: "Riverside Clinic", Link: "https://ward.clinic.example/s/abc", Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(ts.messages()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if s := msg.Header.Get("Subject"); s != "Riverside Clinic: you have a secure message" {
		t.Errorf("Subject %q", s)
	}
	if b := readBody(t, msg); !strings.Contains(b, "\nhttps://ward.clinic.example/s/abc\n") {
		t.Errorf("body lacks the link:\n%s", b)
	}
}

// sendFails sends an invitation and wants a CodeUnavailable error, quickly,
// whose text does not hold the password.
func sendFails(t *testing.T, m *Mailer, wantMsg string) {
	t.Helper()
	start := time.Now()
	err := m.Send(context.Background(), "pat@example.org",
		Invitation{Clinic: "C", Link: "https://x.example/i", Expires: time.Now().Add(time.Hour)})
	if ward.ErrorCode(err) != ward.CodeUnavailable {
		t.Fatalf("err = %v, want code %s", err, ward.CodeUnavailable)
	}
	if !strings.Contains(ward.ErrorMessage(err), wantMsg) {
		t.Errorf("message %q, want it to say %q", ward.ErrorMessage(err), wantMsg)
	}
	if strings.Contains(err.Error(), testPass) || strings.Contains(fmt.Sprintf("%+v %#v", err, m.Config()), testPass) {
		t.Errorf("the password leaks: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestSendFailures(t *testing.T) {
	t.Run("refused credentials", func(t *testing.T) {
		ts := startSMTP(t, StartTLS, "mailer", "another-password")
		sendFails(t, mustOpen(t, smtpURL("smtp", ts, testPass)), "refused ward's credentials")
		if n := len(ts.messages()); n != 0 {
			t.Fatalf("%d delivered", n)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		sendFails(t, mustOpen(t, "smtps://mailer:"+testPass+"@"+addr+"?from=ward@clinic.example"), "cannot reach the mail server")
	})
	t.Run("no STARTTLS offered", func(t *testing.T) {
		ts := startSMTP(t, Insecure, "mailer", testPass)
		sendFails(t, mustOpen(t, smtpURL("smtp", ts, testPass)), "no secure connection")
		if n := len(ts.messages()); n != 0 {
			t.Fatalf("%d delivered in the clear", n)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		ts := startSMTP(t, ImplicitTLS, "mailer", testPass)
		ts.CAFile = "" // trust only the system's roots
		sendFails(t, mustOpen(t, smtpURL("smtps", ts, testPass)), "")
		if n := len(ts.messages()); n != 0 {
			t.Fatalf("%d delivered", n)
		}
	})
	t.Run("silent server times out", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() { // accepts and never says a word
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		m := mustOpen(t, "smtp://mailer:"+testPass+"@"+ln.Addr().String()+"?from=ward@clinic.example&timeout=300ms")
		sendFails(t, m, "")
	})
}

func TestSendRefusesBadMessages(t *testing.T) {
	ts := startSMTP(t, StartTLS, "mailer", testPass)
	m := mustOpen(t, smtpURL("smtp", ts, testPass))
	exp := time.Now().Add(time.Hour)
	for name, tc := range map[string]struct {
		to  string
		msg Message
	}{
		"newline in clinic":  {"p@example.org", Invitation{Clinic: "C\nBcc: x@evil.example", Link: "https://x.example/i", Expires: exp}},
		"empty clinic":       {"p@example.org", Invitation{Link: "https://x.example/i", Expires: exp}},
		"long clinic":        {"p@example.org", Invitation{Clinic: strings.Repeat("c", MaxClinicLen+1), Link: "https://x.example/i", Expires: exp}},
		"http link":          {"p@example.org", Invitation{Clinic: "C", Link: "http://x.example/i", Expires: exp}},
		"relative link":      {"p@example.org", Invitation{Clinic: "C", Link: "/i", Expires: exp}},
		"link with text":     {"p@example.org", Invitation{Clinic: "C", Link: "https://x.example/i\nDiagnosis: flu", Expires: exp}},
		"no expiry":          {"p@example.org", SecureMessage{Clinic: "C", Link: "https://x.example/i"}},
		"no message":         {"p@example.org", nil},
		"named recipient":    {"Pat <p@example.org>", Invitation{Clinic: "C", Link: "https://x.example/i", Expires: exp}},
		"header in address":  {"p@example.org\r\nBcc: x@evil.example", Invitation{Clinic: "C", Link: "https://x.example/i", Expires: exp}},
		"two recipients":     {"p@example.org, q@example.org", Invitation{Clinic: "C", Link: "https://x.example/i", Expires: exp}},
		"not an address":     {"pat", Invitation{Clinic: "C", Link: "https://x.example/i", Expires: exp}},
		"user info in link":  {"p@example.org", Invitation{Clinic: "C", Link: "https://a:b@x.example/i", Expires: exp}},
		"javascript in link": {"p@example.org", Invitation{Clinic: "C", Link: "javascript:alert(1)", Expires: exp}},
	} {
		if err := m.Send(context.Background(), tc.to, tc.msg); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("%s: err = %v, want %s", name, err, ward.CodeInvalid)
		}
	}
	if n := len(ts.messages()); n != 0 {
		t.Fatalf("%d delivered", n)
	}
}

func TestParseURL(t *testing.T) {
	good := map[string]Config{
		"smtp://u:" + testPass + "@mail.example?from=ward@clinic.example":  {Host: "mail.example", Port: 587, Security: StartTLS, Username: "u", From: "ward@clinic.example"},
		"smtps://u:p@mail.example?from=ward@clinic.example&ca=/etc/ca.pem": {Host: "mail.example", Port: 465, Security: ImplicitTLS, Username: "u", From: "ward@clinic.example", CAFile: "/etc/ca.pem"},
		"smtp://mail.example:2525?from=a@b.example&timeout=3s":             {Host: "mail.example", Port: 2525, Security: StartTLS, From: "a@b.example", Timeout: 3 * time.Second},
		"smtp+insecure://127.0.0.1:2525?from=a@b.example":                  {Host: "127.0.0.1", Port: 2525, Security: Insecure, From: "a@b.example"},
		"smtp+insecure://localhost?from=a@b.example":                       {Host: "localhost", Port: 25, Security: Insecure, From: "a@b.example"},
		"smtp+insecure://[::1]:25?from=a@b.example":                        {Host: "::1", Port: 25, Security: Insecure, From: "a@b.example"},
	}
	for raw, want := range good {
		c, err := ParseURL(raw)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if want.Timeout == 0 {
			want.Timeout = DefaultTimeout
		}
		c.password = ""
		if c != want {
			t.Errorf("%s:\n got %#v\nwant %#v", raw, c, want)
		}
	}
	for _, raw := range []string{
		"", "mail.example", "http://u:" + testPass + "@mail.example?from=a@b.example",
		"smtp://u:" + testPass + "@mail.example",                         // no from
		"smtp://u:" + testPass + "@mail.example?from=Ward <a@b.example>", // a name
		"smtp://u:" + testPass + "@mail.example?from=nobody",
		"smtp://u:" + testPass + "@mail.example:0?from=a@b.example",
		"smtp://u:" + testPass + "@mail.example:99999?from=a@b.example",
		"smtp://u:" + testPass + "@?from=a@b.example",
		"smtp://u:" + testPass + "@mail.example/path?from=a@b.example",
		"smtp://u:" + testPass + "@mail.example?from=a@b.example&tls=off",
		"smtp://u:" + testPass + "@mail.example?from=a@b.example&timeout=-1s",
		"smtp://:" + testPass + "@mail.example?from=a@b.example",
		"smtp+insecure://u:" + testPass + "@mail.example?from=a@b.example", // not loopback
		"smtp+insecure://u:" + testPass + "@10.0.0.1?from=a@b.example",
		"smtp://u:" + testPass + "@mail example?from=a@b.example",
		"smtp://u:" + testPass + "%zz@mail.example?from=a@b.example",
	} {
		_, err := ParseURL(raw)
		if ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("%q: err = %v, want %s", raw, err, ward.CodeInvalid)
			continue
		}
		if strings.Contains(err.Error(), testPass) {
			t.Errorf("%q: the error holds the password: %v", raw, err)
		}
	}
	c, err := ParseURL("smtps://u:" + testPass + "@mail.example?from=a@b.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, testPass) {
			t.Errorf("printed config holds the password: %s", s)
		}
	}
	if _, err := New(Config{Host: "x", Port: 1, From: "a@b.example", CAFile: "/nonexistent/ca.pem"}); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Errorf("missing CA file: %v", err)
	}
}
