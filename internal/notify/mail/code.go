package mail

import (
	"strings"
	"text/template"
	"time"

	"github.com/wardhealth/ward"
)

// EmailCode carries the one-time code that proves a patient reads the
// address an invitation was mailed to: the clinic, six digits and an
// expiry, nothing else.
type EmailCode struct {
	Clinic  string
	Code    string // six digits
	Expires time.Time
}

var emailCodeTmpl = template.Must(template.New("code").Parse(
	`Your code to set up your {{.Clinic}} account in ward:

{{.Code}}

It expires on {{.Expires}}. Do not share it with anyone.
If you did not ask for it, ignore this email.
`))

func (m EmailCode) render() (string, string, error) {
	return renderCode(emailCodeTmpl, m.Clinic, m.Code, m.Expires)
}

// AccessCode carries the one-time code that proves someone outside the org
// reads the address a secure message was sent to: the clinic, six digits
// and an expiry, nothing else.
type AccessCode struct {
	Clinic  string
	Code    string // six digits
	Expires time.Time
}

var accessCodeTmpl = template.Must(template.New("access").Parse(
	`Your code to read your secure message from {{.Clinic}} in ward:

{{.Code}}

It expires on {{.Expires}}. Do not share it with anyone.
If you did not ask for it, ignore this email.
`))

func (m AccessCode) render() (string, string, error) {
	return renderCode(accessCodeTmpl, m.Clinic, m.Code, m.Expires)
}

// renderCode renders a code message (EmailCode, AccessCode) with tmpl:
// the clinic, six digits and an expiry are checked, nothing else is said.
func renderCode(tmpl *template.Template, clinic, code string, expires time.Time) (string, string, error) {
	if err := checkClinic(clinic); err != nil {
		return "", "", err
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return "", "", ward.Errorf(ward.CodeInvalid, "the code must be six digits")
	}
	if expires.IsZero() {
		return "", "", ward.Errorf(ward.CodeInvalid, "the message needs an expiry")
	}
	var b strings.Builder
	err := tmpl.Execute(&b, struct{ Clinic, Code, Expires string }{clinic, code,
		expires.UTC().Format(expiryLayout)})
	return clinic + ": your code", b.String(), err
}
