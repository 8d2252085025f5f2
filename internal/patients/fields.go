package patients

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wardhealth/ward"
)

// Fields are a record's PHI: all of them are sealed together.
type Fields struct {
	MRN               string `json:"mrn"`
	GivenName         string `json:"given_name"`
	FamilyName        string `json:"family_name"`
	BirthDate         string `json:"birth_date"` // YYYY-MM-DD
	Sex               string `json:"sex,omitempty"`
	Phone             string `json:"phone,omitempty"`
	Email             string `json:"email,omitempty"`
	PreferredLanguage string `json:"preferred_language,omitempty"`
	Guardian          string `json:"guardian,omitempty"` // guardian or proxy, by name
}

// Field limits, in characters.
const (
	maxMRN      = 64
	maxName     = 200
	maxPhone    = 32
	maxEmail    = 254
	maxLanguage = 35 // a BCP 47 tag
)

// Sexes are the values Fields.Sex may hold ("" for not stated).
var Sexes = []string{"female", "male", "other", "unknown"}

// Record is a patient record as the API shows it.
type Record struct {
	ID     string
	OrgID  string
	Fields Fields
	Status Status
	// Erased: the record's data key was shredded; Fields are empty.
	Erased bool
	// Teams: the ids of the care teams the record is assigned to (Get and
	// TeamPatients fill it).
	Teams []string
	// HasAccount: a patient user is linked to the record (an accepted
	// invitation). Which user is not shown: the link holds no PHI.
	HasAccount bool
	// AccountUserID is that patient user's id ("" none).
	AccountUserID string
	// MergedInto: the record this duplicate was merged into; "" none.
	MergedInto string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Status is active or deactivated.
type Status string

// The statuses.
const (
	Active      Status = "active"
	Deactivated Status = "deactivated"
)

// normalize trims every field and checks it; the first problem is an
// invalid_input error naming the field, never its value.
func (f *Fields) normalize(now time.Time) error {
	for _, p := range []*string{&f.MRN, &f.GivenName, &f.FamilyName, &f.BirthDate, &f.Sex, &f.Phone, &f.Email,
		&f.PreferredLanguage, &f.Guardian} {
		*p = strings.TrimSpace(*p)
	}
	f.Sex = strings.ToLower(f.Sex)
	checks := []struct {
		name     string
		v        string
		max      int
		required bool
	}{
		{"mrn", f.MRN, maxMRN, true}, {"given_name", f.GivenName, maxName, true}, {"family_name", f.FamilyName, maxName, true},
		{"birth_date", f.BirthDate, 10, true}, {"sex", f.Sex, 16, false}, {"phone", f.Phone, maxPhone, false},
		{"email", f.Email, maxEmail, false}, {"preferred_language", f.PreferredLanguage, maxLanguage, false},
		{"guardian", f.Guardian, maxName, false},
	}
	for _, c := range checks {
		switch {
		case c.v == "" && c.required:
			return ward.Errorf(ward.CodeInvalid, "%s is required", c.name)
		case utf8.RuneCountInString(c.v) > c.max:
			return ward.Errorf(ward.CodeInvalid, "%s is over %d characters", c.name, c.max)
		case strings.ContainsFunc(c.v, unicode.IsControl):
			return ward.Errorf(ward.CodeInvalid, "%s holds a control character", c.name)
		}
	}
	d, err := time.Parse(time.DateOnly, f.BirthDate)
	if err != nil || d.Format(time.DateOnly) != f.BirthDate {
		return ward.Errorf(ward.CodeInvalid, "birth_date must be a date YYYY-MM-DD")
	}
	if d.After(now) || d.Year() < 1850 {
		return ward.Errorf(ward.CodeInvalid, "birth_date must be a past date after 1850")
	}
	if f.Sex != "" && !contains(Sexes, f.Sex) {
		return ward.Errorf(ward.CodeInvalid, "sex must be one of %s", strings.Join(Sexes, ", "))
	}
	if f.Phone != "" && strings.Trim(f.Phone, "+0123456789 -().") != "" {
		return ward.Errorf(ward.CodeInvalid, "phone may hold only digits, spaces and + - ( ) .")
	}
	if f.Email != "" {
		at := strings.LastIndexByte(f.Email, '@')
		if at < 1 || at == len(f.Email)-1 || strings.ContainsFunc(f.Email, unicode.IsSpace) {
			return ward.Errorf(ward.CodeInvalid, "email is not an email address")
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// normalMRN is the MRN as its blind index sees it: upper case, without
// spaces, hyphens or dots, so "ab-123 45" and "AB12345" are one MRN.
func normalMRN(mrn string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '.' {
			return -1
		}
		return unicode.ToUpper(r)
	}, mrn)
}

// normalName is a family name as its blind index sees it: lower case, runs
// of spaces as one.
func normalName(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// changed names the fields that differ between f and g.
func changed(f, g Fields) []string {
	var out []string
	add := func(name, a, b string) {
		if a != b {
			out = append(out, name)
		}
	}
	add("mrn", f.MRN, g.MRN)
	add("given_name", f.GivenName, g.GivenName)
	add("family_name", f.FamilyName, g.FamilyName)
	add("birth_date", f.BirthDate, g.BirthDate)
	add("sex", f.Sex, g.Sex)
	add("phone", f.Phone, g.Phone)
	add("email", f.Email, g.Email)
	add("preferred_language", f.PreferredLanguage, g.PreferredLanguage)
	add("guardian", f.Guardian, g.Guardian)
	return out
}
