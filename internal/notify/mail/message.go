package mail

import (
	"fmt"
	"net/url"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/wardhealth/ward"
)

// Message is what ward may email: only this package's kinds implement it
// (the method is unexported), each rendered by its template below from a
// clinic name, a link and an expiry. There is no free-text body.
type Message interface {
	render() (subject, body string, err error)
}

// Invitation asks a patient to open their ward account: it names the clinic
// and holds the single-use link, nothing else.
type Invitation struct {
	Clinic  string    // the org's name
	Link    string    // https:// link to accept the invitation
	Expires time.Time // when the link stops working
}

// SecureMessage tells someone outside ward that a message waits for them
// behind a link; what the message says stays in ward.
type SecureMessage struct {
	Clinic  string
	Link    string
	Expires time.Time
}

// Unread tells a staff member with no push subscription that messages wait
// for them: a count, or that one is urgent, the clinic and a link to the
// app. Never a sender, a title or a body.
type Unread struct {
	Clinic string
	Link   string // https:// link to the app
	Count  int    // unread messages (not for Urgent)
	Urgent bool   // an urgent message waits for acknowledgement
}

// MaxClinicLen bounds a clinic's name in a subject line.
const MaxClinicLen = 200

var (
	invitationTmpl = template.Must(template.New("invitation").Parse(
		`{{.Clinic}} invites you to message them securely through ward.

Open this link to set up your account:

{{.Link}}

The link works once and expires on {{.Expires}}.
If you did not expect this, ignore this email.
`))
	secureMessageTmpl = template.Must(template.New("secure").Parse(
		`{{.Clinic}} sent you a secure message through ward.

Open this link to read it:

{{.Link}}

The link expires on {{.Expires}}.
`))
)

var unreadTmpl = template.Must(template.New("unread").Parse(
	`{{if .Urgent}}You have an urgent message in ward that waits for your acknowledgement.{{else}}You have {{.Count}} unread {{if eq .Count 1}}message{{else}}messages{{end}} in ward.{{end}}

Open ward to read {{if or .Urgent (eq .Count 1)}}it{{else}}them{{end}}:

{{.Link}}

{{.Clinic}} sends this email because you have no push notifications set up on a device.
`))

func (m Unread) render() (string, string, error) {
	if err := checkClinic(m.Clinic); err != nil {
		return "", "", err
	}
	if err := checkLink(m.Link); err != nil {
		return "", "", err
	}
	if !m.Urgent && m.Count < 1 {
		return "", "", ward.Errorf(ward.CodeInvalid, "the message needs a count")
	}
	subject := fmt.Sprintf("%s: %d unread messages in ward", m.Clinic, m.Count)
	switch {
	case m.Urgent:
		subject = m.Clinic + ": an urgent message in ward"
	case m.Count == 1:
		subject = m.Clinic + ": 1 unread message in ward"
	}
	var b strings.Builder
	err := unreadTmpl.Execute(&b, m)
	return subject, b.String(), err
}

// BreakGlass tells a compliance officer that a clinician used emergency
// access and a use waits for review: the clinic and a link to the
// compliance console, never who, which patient or why.
type BreakGlass struct {
	Clinic string
	Link   string // https:// link to the compliance console
}

var breakGlassTmpl = template.Must(template.New("breakglass").Parse(
	`A clinician used emergency access (break-glass) in ward. The use waits for your review.

Open the compliance console to see it and mark it justified or not:

{{.Link}}

{{.Clinic}} sends this email to its compliance officers for every break-glass use.
`))

func (m BreakGlass) render() (string, string, error) {
	if err := checkClinic(m.Clinic); err != nil {
		return "", "", err
	}
	if err := checkLink(m.Link); err != nil {
		return "", "", err
	}
	var b strings.Builder
	err := breakGlassTmpl.Execute(&b, m)
	return m.Clinic + ": a break-glass use waits for review", b.String(), err
}

func (m Invitation) render() (string, string, error) {
	return render(invitationTmpl, m.Clinic+": your invitation", m.Clinic, m.Link, m.Expires)
}

func (m SecureMessage) render() (string, string, error) {
	return render(secureMessageTmpl, m.Clinic+": you have a secure message", m.Clinic, m.Link, m.Expires)
}

func render(t *template.Template, subject, clinic, link string, expires time.Time) (string, string, error) {
	if err := checkClinic(clinic); err != nil {
		return "", "", err
	}
	if err := checkLink(link); err != nil {
		return "", "", err
	}
	if expires.IsZero() {
		return "", "", ward.Errorf(ward.CodeInvalid, "the message needs an expiry")
	}
	var b strings.Builder
	err := t.Execute(&b, struct{ Clinic, Link, Expires string }{clinic, link,
		expires.UTC().Format(expiryLayout)})
	return subject, b.String(), err
}

// expiryLayout is how a message states its expiry.
const expiryLayout = "Monday 2 January 2006, 15:04 UTC"

func checkClinic(s string) error {
	if strings.TrimSpace(s) == "" || len(s) > MaxClinicLen {
		return ward.Errorf(ward.CodeInvalid, "the clinic name must be 1 to %d characters", MaxClinicLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return ward.Errorf(ward.CodeInvalid, "the clinic name holds a control character")
		}
	}
	return nil
}

// checkLink accepts an absolute https:// URL (http:// only to a loopback
// host, for tests) with no user info; it is all the body may point at.
func checkLink(s string) error {
	u, err := url.Parse(s)
	bad := ward.Errorf(ward.CodeInvalid, "the link must be an absolute https:// URL")
	if err != nil || u.Host == "" || u.User != nil || strings.ContainsAny(s, " \t\r\n") {
		return bad
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return bad
		}
	default:
		return bad
	}
	return nil
}

// MonitorAlert tells a compliance officer that activity monitoring raised
// alerts: the clinic, how many, the highest severity (low, medium, high)
// and a link to the compliance console, never who, which patient or what
// was read.
type MonitorAlert struct {
	Clinic   string
	Count    int // 0 or 1: one alert
	Severity string
	Link     string // https:// link to the compliance console
}

var monitorAlertTmpl = template.Must(template.New("monitoralert").Parse(
	`Activity monitoring in ward raised {{if gt .Count 1}}{{.Count}} alerts, the highest of {{.Severity}} severity. They wait{{else}}a {{.Severity}}-severity alert. It waits{{end}} for your review.

Open the compliance console to see its evidence and acknowledge, dismiss or escalate it:

{{.Link}}

{{.Clinic}} sends this email to its compliance officers for every new alert.
`))

func (m MonitorAlert) render() (string, string, error) {
	if err := checkClinic(m.Clinic); err != nil {
		return "", "", err
	}
	if err := checkLink(m.Link); err != nil {
		return "", "", err
	}
	switch m.Severity {
	case "low", "medium", "high":
	default:
		return "", "", fmt.Errorf("mail: unknown alert severity")
	}
	var b strings.Builder
	err := monitorAlertTmpl.Execute(&b, m)
	subject := m.Clinic + ": a new activity alert waits for review"
	if m.Count > 1 {
		subject = fmt.Sprintf("%s: %d new activity alerts wait for review", m.Clinic, m.Count)
	}
	return subject, b.String(), err
}
