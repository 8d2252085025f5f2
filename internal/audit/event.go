package audit

import (
	"time"
	"unicode/utf8"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Actor is who did something. Every field may be empty when unknown (a
// failed login has no user id; a background job has no device or IP).
type Actor struct {
	UserID   string
	Role     string
	DeviceID string
	IP       string
}

// Event is one audit record. Reason is short free text for humans and
// investigators ("login.failed: bad password"); it must never hold a
// password, a token or PHI content (message text, names, diagnoses).
type Event struct {
	Seq          int64     // chain sequence, 0 until the sealer reaches the event
	Time         time.Time // stored to the microsecond; zero: the transaction's time
	OrgID        string
	Actor        Actor
	Action       Action
	ResourceType string
	ResourceID   string
	PatientID    string // the patient whose PHI was touched, when known
	Outcome      Outcome
	Reason       string
	// MAC is the HMAC the store gave the event when it was appended
	// (MACOnInsert); nil for events made before MACs. Callers never set it:
	// Append and Record ignore it. The chain hash covers it (canonical
	// version 2).
	MAC []byte
}

// Outcome says how the attempt ended.
type Outcome string

// The outcomes.
const (
	Success Outcome = "success"
	Failure Outcome = "failure" // it went wrong (bad password, missing resource)
	Denied  Outcome = "denied"  // authorization refused it
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool { return o == Success || o == Failure || o == Denied }

// Limits on field sizes, in bytes.
const (
	MaxFieldLen  = 256
	MaxReasonLen = 1024
)

// Validate checks an event before it is stored.
func (e *Event) Validate() error {
	if !e.Action.Valid() {
		return ward.Errorf(ward.CodeInvalid, "audit: unknown action %q", e.Action)
	}
	if !e.Outcome.Valid() {
		return ward.Errorf(ward.CodeInvalid, "audit: unknown outcome %q", e.Outcome)
	}
	fields := [...]struct{ name, v string }{
		{"org id", e.OrgID}, {"actor user id", e.Actor.UserID}, {"actor role", e.Actor.Role},
		{"actor device id", e.Actor.DeviceID}, {"actor ip", e.Actor.IP}, {"resource type", e.ResourceType},
		{"resource id", e.ResourceID}, {"patient id", e.PatientID},
	}
	for _, f := range fields {
		if len(f.v) > MaxFieldLen || !utf8.ValidString(f.v) {
			return ward.Errorf(ward.CodeInvalid, "audit: %s is longer than %d bytes or not UTF-8", f.name, MaxFieldLen)
		}
	}
	if len(e.Reason) > MaxReasonLen || !utf8.ValidString(e.Reason) {
		return ward.Errorf(ward.CodeInvalid, "audit: reason is longer than %d bytes or not UTF-8", MaxReasonLen)
	}
	return nil
}

// toRow turns an event into its store row, stamping now when Time is zero.
func (e *Event) toRow(now time.Time) store.AuditRow {
	at := e.Time
	if at.IsZero() {
		at = now
	}
	return store.AuditRow{
		Seq: e.Seq, At: at.UTC().Truncate(time.Microsecond), OrgID: e.OrgID,
		ActorUserID: e.Actor.UserID, ActorRole: e.Actor.Role, ActorDeviceID: e.Actor.DeviceID, ActorIP: e.Actor.IP,
		Action: string(e.Action), ResourceType: e.ResourceType, ResourceID: e.ResourceID, PatientID: e.PatientID,
		Outcome: string(e.Outcome), Reason: e.Reason,
	}
}

// fromRow turns a stored row into an event.
func fromRow(r *store.AuditRow) Event {
	return Event{
		Seq: r.Seq, Time: r.At, OrgID: r.OrgID,
		Actor:  Actor{UserID: r.ActorUserID, Role: r.ActorRole, DeviceID: r.ActorDeviceID, IP: r.ActorIP},
		Action: Action(r.Action), ResourceType: r.ResourceType, ResourceID: r.ResourceID, PatientID: r.PatientID,
		Outcome: Outcome(r.Outcome), Reason: r.Reason, MAC: r.MAC,
	}
}
