package mail

import (
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// Security is how the connection to the SMTP server is protected.
type Security int

const (
	// StartTLS (smtp://, port 587 by default): STARTTLS is required; a server
	// that does not offer it is refused.
	StartTLS Security = iota
	// ImplicitTLS (smtps://, port 465 by default): TLS from the first byte.
	ImplicitTLS
	// Insecure (smtp+insecure://, port 25 by default): no TLS at all. Only
	// for a server on a loopback address (tests, a local relay).
	Insecure
)

func (s Security) String() string {
	switch s {
	case StartTLS:
		return "starttls"
	case ImplicitTLS:
		return "tls"
	default:
		return "insecure"
	}
}

// DefaultTimeout bounds connecting to, and each exchange with, the server.
const DefaultTimeout = 15 * time.Second

// Config is a parsed --smtp URL.
type Config struct {
	Host     string
	Port     int
	Security Security
	Username string // empty: no AUTH
	password string // unexported: never printed by %v or %+v
	From     string // the sender address (?from=)
	CAFile   string // PEM CA bundle trusted for the server's certificate (?ca=); empty: the system's
	Timeout  time.Duration
}

// String is the configuration without the password, for logs.
func (c Config) String() string {
	u := url.URL{Scheme: [...]string{"smtp", "smtps", "smtp+insecure"}[c.Security],
		Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	q := url.Values{"from": {c.From}}
	if c.CAFile != "" {
		q.Set("ca", c.CAFile)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// GoString keeps %#v from printing the password too.
func (c Config) GoString() string { return "mail.Config(" + c.String() + ")" }

// ParseURL parses an --smtp URL:
//
//	smtp://user:pass@host:587?from=ward@clinic.example        STARTTLS required
//	smtps://user:pass@host:465?from=ward@clinic.example       implicit TLS
//	smtp+insecure://127.0.0.1:2525?from=ward@clinic.example   loopback only, no TLS
//
// with ca=/path/to/ca.pem to trust a private CA. Its errors are
// ward.CodeInvalid and never quote the URL (it holds a password).
func ParseURL(raw string) (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, ward.Errorf(ward.CodeInvalid, "--smtp: "+format, args...)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL (smtp://user:pass@host:587?from=ward@clinic.example)")
	}
	var c Config
	switch u.Scheme {
	case "smtp":
		c.Security, c.Port = StartTLS, 587
	case "smtps":
		c.Security, c.Port = ImplicitTLS, 465
	case "smtp+insecure":
		c.Security, c.Port = Insecure, 25
	default:
		return bad("the scheme must be smtp (STARTTLS), smtps (implicit TLS) or smtp+insecure (loopback only)")
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return bad("the URL has a path; the sender goes in ?from=")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return bad("the URL names no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("the port must be 1 to 65535")
		}
		c.Port = n
	}
	if c.Security == Insecure && !isLoopback(c.Host) {
		return bad("smtp+insecure is only for a server on a loopback address; use smtp (STARTTLS) or smtps")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.password, _ = u.User.Password()
		if c.Username == "" {
			return bad("the URL has a password but no user name")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("the query is malformed")
	}
	for k := range q {
		if k != "from" && k != "ca" && k != "timeout" {
			return bad("unknown parameter %q (from, ca, timeout)", k)
		}
	}
	from := q.Get("from")
	addr, err := mail.ParseAddress(from)
	if from == "" || err != nil || addr.Name != "" || addr.Address != from {
		return bad("?from= must be the sender's address (ward@clinic.example)")
	}
	c.From = from
	c.CAFile = q.Get("ca")
	c.Timeout = DefaultTimeout
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return bad("?timeout= must be a duration such as 10s")
		}
		c.Timeout = d
	}
	return c, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
