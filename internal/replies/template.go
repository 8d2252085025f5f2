package replies

import (
	"regexp"
	"strings"

	"github.com/wardhealth/ward"
)

// The placeholders a template may use.
const (
	PatientFirstName = "patient.first_name"
	PatientLastName  = "patient.last_name"
	ClinicName       = "clinic.name"
	ClinicPhone      = "clinic.phone"
	StaffName        = "staff.name"
)

// Placeholders is the closed set, in documentation order.
var Placeholders = []string{PatientFirstName, PatientLastName, ClinicName, ClinicPhone, StaffName}

// autoReplyPlaceholders are those an auto-reply may use: it is sent by no
// one and reads no record.
var autoReplyPlaceholders = []string{ClinicName, ClinicPhone}

// placeholder matches anything written as a placeholder: braces around a
// word that may hold dots.
var placeholder = regexp.MustCompile(`\{([A-Za-z0-9_.\-]+)\}`)

// Bounds of a reply.
const (
	maxTitle = 200
	maxBody  = 4000
)

// checkTemplate refuses a template that uses a placeholder outside allowed,
// naming it.
func checkTemplate(field, text string, allowed []string) error {
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !contains(allowed, m[1]) {
			return ward.Errorf(ward.CodeInvalid, "%s uses the unknown placeholder {%s}; the known ones are {%s}",
				field, m[1], strings.Join(allowed, "}, {"))
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Render replaces the placeholders of text that values has (and is not
// empty); the others stay as written, for the sender to fill in, and are
// returned as missing.
func Render(text string, values map[string]string) (out string, missing []string) {
	out = placeholder.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		if v := values[name]; v != "" {
			return v
		}
		if !contains(missing, name) {
			missing = append(missing, name)
		}
		return m
	})
	return out, missing
}
