package ward

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxMatterLen bounds a legal hold's matter name, in characters.
const MaxMatterLen = 200

// LegalHold keeps everything in its scope from being destroyed while it is
// active (internal/holds, docs/retention.md). The scope is the conjunction
// of the fields that are set: messages a user sent or of conversations the
// user is a member of, conversations about a patient (and the patient's
// record), one conversation, and a range of message times [From, To). At
// least one is set. The matter names the case (a reference, not PHI).
type LegalHold struct {
	ID             string    `json:"id"`
	OrgID          string    `json:"-"`
	Matter         string    `json:"matter"`
	UserID         string    `json:"user_id,omitempty"`
	PatientID      string    `json:"patient_id,omitempty"`
	ConversationID string    `json:"conversation_id,omitempty"`
	From           time.Time `json:"from,omitzero"`
	To             time.Time `json:"to,omitzero"`
	PlacedBy       string    `json:"placed_by"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	ReleasedAt     time.Time `json:"released_at,omitzero"`
	ReleasedBy     string    `json:"released_by,omitempty"`
}

// Active reports whether h still holds.
func (h LegalHold) Active() bool { return h.ReleasedAt.IsZero() }

// EmptyScope reports whether h names nothing to hold.
func (h LegalHold) EmptyScope() bool {
	return h.UserID == "" && h.PatientID == "" && h.ConversationID == "" && h.From.IsZero() && h.To.IsZero()
}

// Scope describes h's scope in ids and dates, for audit reasons.
func (h LegalHold) Scope() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("user", h.UserID)
	add("patient", h.PatientID)
	add("conversation", h.ConversationID)
	if !h.From.IsZero() {
		add("from", h.From.UTC().Format(time.RFC3339))
	}
	if !h.To.IsZero() {
		add("to", h.To.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, " ")
}

// Validate checks a hold as placed or changed: a matter name of 1 to
// MaxMatterLen printable characters, a scope (CodeHoldScopeEmpty when it
// names nothing), and From before To when both are set.
func (h *LegalHold) Validate() error {
	h.Matter = strings.TrimSpace(h.Matter)
	switch n := utf8.RuneCountInString(h.Matter); {
	case !utf8.ValidString(h.Matter) || n == 0:
		return Errorf(CodeInvalid, "matter must name the case")
	case n > MaxMatterLen:
		return Errorf(CodeInvalid, "matter must be at most %d characters", MaxMatterLen)
	case strings.IndexFunc(h.Matter, unicode.IsControl) >= 0:
		return Errorf(CodeInvalid, "matter must not contain control characters")
	case h.EmptyScope():
		return Errorf(CodeHoldScopeEmpty, "a hold needs a scope: a user, a patient, a conversation or a date range")
	case !h.From.IsZero() && !h.To.IsZero() && !h.From.Before(h.To):
		return Errorf(CodeInvalid, "from must be before to")
	}
	for _, id := range []string{h.UserID, h.PatientID, h.ConversationID} {
		if len(id) > 64 || strings.IndexFunc(id, unicode.IsSpace) >= 0 {
			return Errorf(CodeInvalid, "ids in a hold's scope must be ids")
		}
	}
	return nil
}
