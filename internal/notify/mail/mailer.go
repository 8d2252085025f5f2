package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/wardhealth/ward"
)

// Mailer sends messages through the SMTP server of its Config. It opens one
// connection per Send; nothing is sent until Send is called.
type Mailer struct {
	cfg   Config
	roots *x509.CertPool // nil: the system's
}

// New checks cfg (the CA file is read now) and returns its Mailer.
func New(cfg Config) (*Mailer, error) {
	m := &Mailer{cfg: cfg}
	if m.cfg.Timeout <= 0 {
		m.cfg.Timeout = DefaultTimeout
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, ward.Errorf(ward.CodeInvalid, "--smtp: cannot read the CA file %s", cfg.CAFile)
		}
		m.roots = x509.NewCertPool()
		if !m.roots.AppendCertsFromPEM(pem) {
			return nil, ward.Errorf(ward.CodeInvalid, "--smtp: the CA file %s holds no PEM certificate", cfg.CAFile)
		}
	}
	return m, nil
}

// Open parses an --smtp URL and returns its Mailer.
func Open(raw string) (*Mailer, error) {
	cfg, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	return New(cfg)
}

// Config returns the Mailer's configuration (its String has no password).
func (m *Mailer) Config() Config { return m.cfg }

// Send renders msg and delivers it to the address to. A bad address or
// message is ward.CodeInvalid; a server that cannot be reached, refuses the
// credentials or the message, or does not answer within the timeout is
// ward.CodeUnavailable. Errors never carry the password.
func (m *Mailer) Send(ctx context.Context, to string, msg Message) error {
	addr, err := mail.ParseAddress(to)
	if err != nil || addr.Name != "" || addr.Address != to {
		return ward.Errorf(ward.CodeInvalid, "not an email address")
	}
	if msg == nil {
		return ward.Errorf(ward.CodeInvalid, "no message")
	}
	subject, body, err := msg.render()
	if err != nil {
		return err
	}
	gm := gomail.NewMsg()
	if err := gm.From(m.cfg.From); err != nil {
		return ward.Wrap(ward.CodeInvalid, err, "the sender address is refused")
	}
	if err := gm.To(to); err != nil {
		return ward.Errorf(ward.CodeInvalid, "not an email address")
	}
	gm.Subject(subject)
	gm.SetDate()
	gm.SetMessageID()
	gm.SetBodyString(gomail.TypeTextPlain, body)

	c, err := m.client()
	if err != nil {
		return ward.Wrap(ward.CodeInternal, err, "cannot set up the mail client")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*m.cfg.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, gm); err != nil {
		return m.sendError(err)
	}
	return nil
}

func (m *Mailer) client() (*gomail.Client, error) {
	tc := &tls.Config{ServerName: m.cfg.Host, RootCAs: m.roots, MinVersion: tls.VersionTLS12}
	opts := []gomail.Option{
		gomail.WithPort(m.cfg.Port),
		gomail.WithTimeout(m.cfg.Timeout),
		gomail.WithTLSConfig(tc),
	}
	switch m.cfg.Security {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case Insecure:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if m.cfg.Username != "" {
		auth := gomail.SMTPAuthPlain
		if m.cfg.Security == Insecure {
			auth = gomail.SMTPAuthPlainNoEnc // loopback only (ParseURL)
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.password))
	}
	return gomail.NewClient(m.cfg.Host, opts...)
}

// sendError turns go-mail's error into a ward.Error whose message says
// which step failed; the cause is kept (for the log) with the password,
// should a server echo it, cut out.
func (m *Mailer) sendError(err error) error {
	text := err.Error()
	if m.cfg.password != "" {
		text = strings.ReplaceAll(text, m.cfg.password, "xxxxx")
	}
	cause := errors.New(text)
	var msg string
	switch {
	case strings.Contains(text, "SMTP AUTH"):
		msg = "the mail server refused ward's credentials"
	case strings.Contains(text, "STARTTLS"), strings.Contains(text, "tls:"), strings.Contains(text, "x509:"):
		msg = "no secure connection to the mail server"
	case strings.HasPrefix(text, "dial failed"):
		msg = "cannot reach the mail server"
	default:
		msg = "the mail server did not accept the message"
	}
	return ward.Wrap(ward.CodeUnavailable, cause, fmt.Sprintf("%s (%s:%d)", msg, m.cfg.Host, m.cfg.Port))
}
