package incidents

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/reminders"
)

// NoticeDays is the time from discovery to the notification deadline
// (45 CFR 164.404(b): without unreasonable delay, at most 60 calendar days).
const NoticeDays = 60

// ReminderDays are the days before the deadline a reminder goes out.
var ReminderDays = []int{30, 14, 7, 1}

// The statuses and outcomes.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"

	OutcomeNone           = ""                // not assessed yet
	OutcomeLowProbability = "low_probability" // a low probability that the PHI was compromised: not a breach
	OutcomeBreach         = "breach"
)

// Ratings of a factor of the risk assessment.
var Ratings = []string{"low", "moderate", "high"}

// BreachTypes are the HHS breach portal's types of breach.
var BreachTypes = []string{"hacking_it_incident", "unauthorized_access_disclosure", "theft", "loss", "improper_disposal", "other"}

// Locations are the HHS breach portal's locations of breached PHI.
var Locations = []string{"desktop_computer", "electronic_medical_record", "email", "laptop", "network_server", "other_portable_device", "paper_films", "other"}

// Incident is a breach incident as the API shows it. Details, Patients
// and Notice are filled by Get only.
type Incident struct {
	ID            string     `json:"id"`
	Status        string     `json:"status"`
	Outcome       string     `json:"outcome"`
	DiscoveredAt  time.Time  `json:"discovered_at"`
	Deadline      time.Time  `json:"deadline"`
	DaysLeft      int        `json:"days_left"` // whole days to the deadline (negative: past)
	WindowFrom    *time.Time `json:"window_from,omitempty"`
	WindowTo      *time.Time `json:"window_to,omitempty"`
	UserIDs       []string   `json:"user_ids"`
	DeviceIDs     []string   `json:"device_ids"`
	AlertIDs      []string   `json:"alert_ids"`
	Details       *Details   `json:"details,omitempty"`
	Patients      []Affected `json:"patients,omitempty"`
	Notice        *Notice    `json:"notice,omitempty"`
	RemindersSent []int      `json:"reminders_sent,omitempty"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	ClosedBy      string     `json:"closed_by,omitempty"`
}

// Details are an incident's free text and portal fields: sealed together.
type Details struct {
	Title string `json:"title"`
	// WhatHappened is the brief description of §164.404(c)(1)(A).
	WhatHappened string   `json:"what_happened"`
	BreachStart  string   `json:"breach_start,omitempty"` // YYYY-MM-DD
	BreachEnd    string   `json:"breach_end,omitempty"`   // YYYY-MM-DD
	BreachType   string   `json:"breach_type,omitempty"`  // one of BreachTypes
	Locations    []string `json:"locations,omitempty"`    // of Locations
	// PHITypes are the types of unsecured PHI involved (§164.404(c)(1)(B)):
	// "name", "date of birth", "diagnosis", ...
	PHITypes   []string `json:"phi_types,omitempty"`
	Safeguards string   `json:"safeguards,omitempty"` // in place before the breach (portal)
	// ActionsTaken is what the entity is doing to investigate, mitigate and
	// protect against further breaches (§164.404(c)(1)(D)).
	ActionsTaken string `json:"actions_taken,omitempty"`
	// Steps individuals should take to protect themselves (§164.404(c)(1)(C)).
	Steps string `json:"steps,omitempty"`
	// Contact is the contact procedures (§164.404(c)(1)(E)): a toll-free
	// number, an email address, a web site or a postal address.
	Contact    string     `json:"contact,omitempty"`
	Assessment Assessment `json:"assessment"`
}

// Factor is one factor of the risk assessment: a rating and notes.
type Factor struct {
	Rating string `json:"rating"` // "" not rated, or one of Ratings
	Notes  string `json:"notes"`
}

// Assessment is the four-factor risk assessment of §164.402(2) and its
// outcome.
type Assessment struct {
	// Nature: the nature and extent of the PHI involved, including the
	// types of identifiers and the likelihood of re-identification.
	Nature           Factor   `json:"nature"`
	Identifiers      []string `json:"identifiers,omitempty"`
	Reidentification string   `json:"reidentification,omitempty"` // one of Ratings
	// Recipient: the unauthorized person who used the PHI or to whom it
	// was disclosed.
	Recipient Factor `json:"recipient"`
	// Acquired: whether the PHI was actually acquired or viewed.
	Acquired Factor `json:"acquired"`
	Viewed   string `json:"viewed,omitempty"` // yes | no | unknown
	// Mitigation: the extent to which the risk to the PHI was mitigated.
	Mitigation Factor `json:"mitigation"`
	Outcome    string `json:"outcome"`
}

// Draft is what opening or changing an incident gives.
type Draft struct {
	DiscoveredAt time.Time
	Deadline     time.Time // zero: NoticeDays after discovery
	WindowFrom   time.Time
	WindowTo     time.Time
	UserIDs      []string
	DeviceIDs    []string
	AlertIDs     []string
	Details      Details
}

// Limits, in characters.
const (
	maxTitle = 200
	maxText  = 4000
	maxItem  = 100
	maxItems = 50
	maxIDs   = 100
)

func invalid(format string, args ...any) error { return ward.Errorf(ward.CodeInvalid, format, args...) }

func checkText(name, v string, max int) error {
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max {
		return invalid("%s must be at most %d characters of text", name, max)
	}
	return nil
}

func checkList(name string, vs []string, allowed []string) error {
	if len(vs) > maxItems {
		return invalid("%s: at most %d items", name, maxItems)
	}
	for _, v := range vs {
		if strings.TrimSpace(v) == "" {
			return invalid("%s: an empty item", name)
		}
		if err := checkText(name, v, maxItem); err != nil {
			return err
		}
		if allowed != nil && !slices.Contains(allowed, v) {
			return invalid("%s: %q is not one of %s", name, v, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func checkDate(name, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return invalid("%s must be a date, YYYY-MM-DD", name)
	}
	return nil
}

func oneOf(name, v string, allowed []string) error {
	if v != "" && !slices.Contains(allowed, v) {
		return invalid("%s must be one of %s", name, strings.Join(allowed, ", "))
	}
	return nil
}

// validate checks the details, the assessment's values included (not that
// it is complete: see complete).
func (d *Details) validate() error {
	d.Title = strings.TrimSpace(d.Title)
	if d.Title == "" {
		return invalid("an incident needs a title")
	}
	for _, c := range []struct {
		name, v string
		max     int
	}{{"title", d.Title, maxTitle}, {"what_happened", d.WhatHappened, maxText}, {"safeguards", d.Safeguards, maxText},
		{"actions_taken", d.ActionsTaken, maxText}, {"steps", d.Steps, maxText}, {"contact", d.Contact, maxText},
		{"assessment.nature.notes", d.Assessment.Nature.Notes, maxText}, {"assessment.recipient.notes", d.Assessment.Recipient.Notes, maxText},
		{"assessment.acquired.notes", d.Assessment.Acquired.Notes, maxText}, {"assessment.mitigation.notes", d.Assessment.Mitigation.Notes, maxText}} {
		if err := checkText(c.name, c.v, c.max); err != nil {
			return err
		}
	}
	if err := checkDate("breach_start", d.BreachStart); err != nil {
		return err
	}
	if err := checkDate("breach_end", d.BreachEnd); err != nil {
		return err
	}
	if d.BreachStart != "" && d.BreachEnd != "" && d.BreachEnd < d.BreachStart {
		return invalid("breach_end is before breach_start")
	}
	if err := oneOf("breach_type", d.BreachType, BreachTypes); err != nil {
		return err
	}
	for _, l := range []struct {
		name    string
		vs      []string
		allowed []string
	}{{"locations", d.Locations, Locations}, {"phi_types", d.PHITypes, nil}, {"assessment.identifiers", d.Assessment.Identifiers, nil}} {
		if err := checkList(l.name, l.vs, l.allowed); err != nil {
			return err
		}
	}
	a := d.Assessment
	for _, f := range []struct{ name, v string }{{"assessment.nature.rating", a.Nature.Rating}, {"assessment.recipient.rating", a.Recipient.Rating},
		{"assessment.acquired.rating", a.Acquired.Rating}, {"assessment.mitigation.rating", a.Mitigation.Rating},
		{"assessment.reidentification", a.Reidentification}} {
		if err := oneOf(f.name, f.v, Ratings); err != nil {
			return err
		}
	}
	if err := oneOf("assessment.viewed", a.Viewed, []string{"yes", "no", "unknown"}); err != nil {
		return err
	}
	return oneOf("assessment.outcome", a.Outcome, []string{OutcomeLowProbability, OutcomeBreach})
}

// complete checks that an assessment with an outcome rates all four
// factors (CodeAssessmentIncomplete).
func (a Assessment) complete() error {
	if a.Outcome == OutcomeNone {
		return nil
	}
	for _, f := range []struct{ name, v string }{{"nature", a.Nature.Rating}, {"recipient", a.Recipient.Rating},
		{"acquired", a.Acquired.Rating}, {"mitigation", a.Mitigation.Rating}} {
		if f.v == "" {
			return ward.Errorf(ward.CodeAssessmentIncomplete, "rate the %s factor before the outcome", f.name)
		}
	}
	return nil
}

// deadline is the notification deadline of a draft: NoticeDays after
// discovery unless set earlier.
func (d *Draft) validate(now time.Time, checkDeadline bool) error {
	if d.DiscoveredAt.IsZero() {
		return ward.Errorf(ward.CodeDiscoveryRequired, "an incident needs the date its breach was discovered (discovered_at)")
	}
	d.DiscoveredAt = d.DiscoveredAt.UTC()
	if d.DiscoveredAt.After(now.Add(24 * time.Hour)) {
		return invalid("discovered_at is in the future")
	}
	latest := d.DiscoveredAt.AddDate(0, 0, NoticeDays)
	if d.Deadline.IsZero() {
		d.Deadline = latest
	} else {
		d.Deadline = d.Deadline.UTC()
		if checkDeadline && d.Deadline.Before(now) {
			return ward.Errorf(ward.CodeDeadlineInPast, "the deadline is in the past")
		}
		if d.Deadline.After(latest) {
			return invalid("the deadline may be at most %d days after discovery", NoticeDays)
		}
		if d.Deadline.Before(d.DiscoveredAt) {
			return invalid("the deadline is before discovery")
		}
	}
	if d.WindowFrom.IsZero() != d.WindowTo.IsZero() {
		return invalid("window_from and window_to go together")
	}
	if !d.WindowFrom.IsZero() && !d.WindowFrom.Before(d.WindowTo) {
		return invalid("window_from must be before window_to")
	}
	for _, l := range []struct {
		name string
		ids  []string
	}{{"user_ids", d.UserIDs}, {"device_ids", d.DeviceIDs}, {"alert_ids", d.AlertIDs}} {
		if len(l.ids) > maxIDs {
			return invalid("%s: at most %d", l.name, maxIDs)
		}
		for _, id := range l.ids {
			if id == "" || len(id) > 64 || strings.ContainsAny(id, ", \t\r\n") {
				return invalid("%s: %q is not an id", l.name, id)
			}
		}
	}
	d.UserIDs, d.DeviceIDs, d.AlertIDs = dedupe(d.UserIDs), dedupe(d.DeviceIDs), dedupe(d.AlertIDs)
	return d.Details.validate()
}

func dedupe(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func daysLeft(now, t time.Time) int { return reminders.DaysLeft(now, t) }
