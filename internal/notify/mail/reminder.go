package mail

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/wardhealth/ward"
)

// DeadlineReminder tells a compliance officer that a breach incident's
// notification deadline (45 CFR 164.404(b)) or a business associate
// agreement's expiry is near: the clinic, what kind of item, the days
// left, the date and a link to the console, never a patient, a vendor or
// what happened.
type DeadlineReminder struct {
	Clinic string
	Kind   ReminderKind
	Days   int       // days left
	Due    time.Time // the deadline or the expiry
	Link   string    // https:// link to the console page
}

// ReminderKind is what a DeadlineReminder is about.
type ReminderKind string

// The reminder kinds.
const (
	ReminderIncident ReminderKind = "incident" // a breach incident's 60-day notification deadline
	ReminderBAA      ReminderKind = "baa"      // a business associate agreement's expiry
)

var reminderTmpl = template.Must(template.New("reminder").Parse(
	`{{.What}} in ward is due in {{.Days}} day{{if ne .Days 1}}s{{end}}, on {{.Due}}.

Open the compliance console to see it:

{{.Link}}

{{.Clinic}} sends this reminder to its compliance officers.
`))

func (m DeadlineReminder) render() (string, string, error) {
	if err := checkClinic(m.Clinic); err != nil {
		return "", "", err
	}
	if err := checkLink(m.Link); err != nil {
		return "", "", err
	}
	var what, subject string
	switch m.Kind {
	case ReminderIncident:
		what, subject = "The notification deadline of a breach incident", "a breach notification deadline"
	case ReminderBAA:
		what, subject = "The expiry of a business associate agreement", "a business associate agreement expires"
	default:
		return "", "", ward.Errorf(ward.CodeInvalid, "unknown reminder kind")
	}
	if m.Due.IsZero() || m.Days < 0 {
		return "", "", ward.Errorf(ward.CodeInvalid, "the reminder needs a due date")
	}
	var b strings.Builder
	err := reminderTmpl.Execute(&b, struct {
		What, Due, Link, Clinic string
		Days                    int
	}{what, m.Due.UTC().Format("Monday 2 January 2006"), m.Link, m.Clinic, m.Days})
	return fmt.Sprintf("%s: %s in %d days", m.Clinic, subject, m.Days), b.String(), err
}
