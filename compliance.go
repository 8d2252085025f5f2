package ward

import (
	"strings"
	"time"
	"unicode/utf8"
)

// GrantKind says what opened a time-boxed read of conversations outside
// membership (internal/compliance).
type GrantKind string

const (
	// GrantReview: a compliance officer reviews one conversation.
	GrantReview GrantKind = "review"
	// GrantBreakGlass: a clinician outside a patient's care team opens that
	// patient's conversations in an emergency (HIPAA §164.312(a)(2)(ii)).
	GrantBreakGlass GrantKind = "breakglass"
)

// ReasonCategory is why a review or a break-glass was opened.
type ReasonCategory string

// The reason categories.
const (
	ReasonComplaint     ReasonCategory = "complaint"
	ReasonLegalRequest  ReasonCategory = "legal_request"
	ReasonIncident      ReasonCategory = "incident"
	ReasonQualityReview ReasonCategory = "quality_review"
	ReasonEmergency     ReasonCategory = "emergency" // break-glass only
	ReasonOther         ReasonCategory = "other"
)

// MaxReasonLen bounds a stated reason and a verdict's note (characters).
const MaxReasonLen = 1000

// Reason is the stated reason of a review or a break-glass: a category and
// free text. The text may name a patient or a complaint's details, so it
// is PHI: it is sealed at rest and never written to the audit trail (the
// trail carries the grant's id and category).
type Reason struct {
	Category ReasonCategory `json:"category"`
	Text     string         `json:"text"`
}

// CheckReason validates r for a grant of kind k: a known category (a
// review does not take "emergency"; a break-glass takes "emergency" or
// "other") and non-empty text of at most MaxReasonLen characters. Missing
// text or category is CodeReasonRequired.
func CheckReason(k GrantKind, r Reason) (Reason, error) {
	r.Text = strings.TrimSpace(r.Text)
	if r.Category == "" || r.Text == "" {
		return r, Errorf(CodeReasonRequired, "state a reason: a category and a few words of explanation")
	}
	if utf8.RuneCountInString(r.Text) > MaxReasonLen || !utf8.ValidString(r.Text) {
		return r, Errorf(CodeInvalid, "the reason is at most %d characters of text", MaxReasonLen)
	}
	ok := false
	switch k {
	case GrantReview:
		switch r.Category {
		case ReasonComplaint, ReasonLegalRequest, ReasonIncident, ReasonQualityReview, ReasonOther:
			ok = true
		}
	case GrantBreakGlass:
		ok = r.Category == ReasonEmergency || r.Category == ReasonOther
	}
	if !ok {
		return r, Errorf(CodeInvalid, "unknown reason category %q", string(r.Category))
	}
	return r, nil
}

// DefaultGrantAccess is how long a review or a break-glass reads by default.
const DefaultGrantAccess = 60 * time.Minute

// Bounds of the review_access and break_glass_access policy fields.
const (
	MinGrantAccess = 5 * time.Minute
	MaxGrantAccess = 8 * time.Hour
)

// GrantAccess is how long a grant of kind k may last under p: the policy's
// field, or DefaultGrantAccess when unset.
func (p Policy) GrantAccess(k GrantKind) time.Duration {
	d := p.ReviewAccess
	if k == GrantBreakGlass {
		d = p.BreakGlassAccess
	}
	if d == 0 {
		return DefaultGrantAccess
	}
	return d.D()
}

// Grant is a time-boxed read outside membership: a compliance review of a
// conversation or a clinician's break-glass on a patient.
type Grant struct {
	ID             string    `json:"id"`
	Kind           GrantKind `json:"kind"`
	UserID         string    `json:"user_id"`                   // who reads
	ConversationID string    `json:"conversation_id,omitempty"` // a review's conversation
	PatientID      string    `json:"patient_id,omitempty"`      // the break-glass patient, or the reviewed conversation's
	Reason         Reason    `json:"reason"`
	OpenedAt       time.Time `json:"opened_at"`
	ExpiresAt      time.Time `json:"expires_at"`
	// Verdict: a break-glass use as compliance judged it: "" (waits in the
	// queue), "justified" or "unjustified", with a note (sealed), by whom
	// and when.
	Verdict   string    `json:"verdict,omitempty"`
	Note      string    `json:"note,omitempty"`
	VerdictBy string    `json:"verdict_by,omitempty"`
	VerdictAt time.Time `json:"verdict_at,omitzero"`
}

// Live reports whether g still grants reading at t.
func (g Grant) Live(t time.Time) bool { return t.Before(g.ExpiresAt) }

// The verdicts of a break-glass use.
const (
	VerdictJustified   = "justified"
	VerdictUnjustified = "unjustified"
)
