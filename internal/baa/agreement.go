package baa

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wardhealth/ward"
)

// The statuses of an agreement.
const (
	StatusNone       = "none"
	StatusRequested  = "requested"
	StatusSigned     = "signed"
	StatusExpired    = "expired"
	StatusTerminated = "terminated"
)

// Statuses lists them.
var Statuses = []string{StatusNone, StatusRequested, StatusSigned, StatusExpired, StatusTerminated}

// ReminderDays are the days before expiry a reminder goes out.
var ReminderDays = []int{60, 30, 7}

// ExpiringWithin is how near an expiry puts an agreement on the dashboard
// card.
const ExpiringWithin = 60 * 24 * time.Hour

// Agreement is a BAA as the API shows it.
type Agreement struct {
	ID      string `json:"id"`
	Vendor  string `json:"vendor"`
	Service string `json:"service"`
	PHI     string `json:"phi"` // what PHI the vendor touches
	// Status is as set, except that a signed agreement past its expiry
	// shows as expired.
	Status    string     `json:"status"`
	SignedAt  *time.Time `json:"signed_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	DaysLeft  *int       `json:"days_left,omitempty"` // to expiry, for a signed agreement with one
	Document  *Document  `json:"document,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Document is an agreement's stored file.
type Document struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Draft is what registering or changing an agreement gives.
type Draft struct {
	Vendor, Service, PHI, Status string
	SignedAt, ExpiresAt          time.Time
}

const (
	maxVendor = 200
	maxPHI    = 1000
)

func invalid(format string, args ...any) error { return ward.Errorf(ward.CodeInvalid, format, args...) }

func checkText(name, v string, max int, required bool) error {
	if required && v == "" {
		return invalid("%s is required", name)
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max {
		return invalid("%s must be at most %d characters", name, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' {
			return invalid("%s holds a control character", name)
		}
	}
	return nil
}

// validate trims and checks a draft: CodeBAADates when it expires before
// it was signed, or is signed without a date.
func (d *Draft) validate() error {
	d.Vendor, d.Service, d.PHI = strings.TrimSpace(d.Vendor), strings.TrimSpace(d.Service), strings.TrimSpace(d.PHI)
	if d.Status == "" {
		d.Status = StatusNone
	}
	if err := checkText("vendor", d.Vendor, maxVendor, true); err != nil {
		return err
	}
	if err := checkText("service", d.Service, maxVendor, false); err != nil {
		return err
	}
	if err := checkText("phi", d.PHI, maxPHI, false); err != nil {
		return err
	}
	if !slices.Contains(Statuses, d.Status) {
		return invalid("status must be one of %s", strings.Join(Statuses, ", "))
	}
	if d.Status == StatusSigned && d.SignedAt.IsZero() {
		return ward.Errorf(ward.CodeBAADates, "a signed agreement needs its signed date (signed_at)")
	}
	if !d.SignedAt.IsZero() && !d.ExpiresAt.IsZero() && !d.ExpiresAt.After(d.SignedAt) {
		return ward.Errorf(ward.CodeBAADates, "the agreement expires before it was signed")
	}
	d.SignedAt, d.ExpiresAt = d.SignedAt.UTC(), d.ExpiresAt.UTC()
	return nil
}
