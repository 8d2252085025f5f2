package ward

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Org is one clinic or hospital: the unit of tenancy. Nothing crosses orgs.
type Org struct {
	ID        string
	Slug      string // NAME lower-cased, spaces to dashes; unique
	Name      string
	CreatedAt time.Time
}

// Slugify turns an org name into its slug: lower case, spaces to dashes.
func Slugify(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), " ", "-")
}

// Validate reports whether o can be stored.
func (o Org) Validate() error {
	if err := validText("org name", o.Name, 1, 200); err != nil {
		return err
	}
	if o.Slug == "" || len(o.Slug) > 100 {
		return Errorf(CodeInvalid, "org slug must be 1 to 100 characters")
	}
	for _, r := range o.Slug {
		if !(r == '-' || r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return Errorf(CodeInvalid, "org slug may hold only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// validText checks that s is valid UTF-8 with no control characters and a
// length (in characters) within [min, max].
func validText(field, s string, min, max int) error {
	if !utf8.ValidString(s) {
		return Errorf(CodeInvalid, "%s is not valid UTF-8", field)
	}
	n := utf8.RuneCountInString(s)
	if n < min || n > max {
		return Errorf(CodeInvalid, "%s must be %d to %d characters", field, min, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Errorf(CodeInvalid, "%s must not contain control characters", field)
		}
	}
	return nil
}
