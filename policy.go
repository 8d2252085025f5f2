package ward

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Policy is an org's security and messaging policy. Admins change it; the
// server enforces it. Durations are whole seconds in JSON.
type Policy struct {
	MFARequired     bool     `json:"mfa_required"`     // staff roles must have a second factor
	IdleTimeout     Duration `json:"idle_timeout"`     // automatic logoff after this long without a request
	SessionLifetime Duration `json:"session_lifetime"` // absolute session lifetime
	DeviceApproval  bool     `json:"device_approval"`  // new devices wait for an admin
	UrgentRenotify  Duration `json:"urgent_renotify"`  // re-notify unacknowledged urgent messages this often
	UrgentEscalate  Duration `json:"urgent_escalate"`  // escalate to the backup after this long
	MessageLifespan Duration `json:"message_lifespan"` // 0: messages are kept
	RecallWindow    Duration `json:"recall_window"`    // how long a sender may recall a message
	AuditRetention  Duration `json:"audit_retention"`  // audit records are kept at least this long
	// EscalationOpensHistory lets the backup an urgent message escalates to
	// read the conversation's earlier messages; false: only from the urgent
	// message on.
	EscalationOpensHistory bool `json:"escalation_opens_history"`
	// InvitationTTL is how long a patient invitation's link works; 0 (a
	// policy stored before it existed) means DefaultInvitationTTL.
	InvitationTTL Duration `json:"invitation_ttl"`
	// ClinicPhone is the number saved replies and auto-replies give for
	// {clinic.phone} ("" none). Contact data of the clinic, not PHI.
	ClinicPhone string `json:"clinic_phone,omitempty"`
	// PatientRetention is how long a deactivated patient record is kept
	// before its data key (and its patient user's identity key) is
	// shredded; 0 keeps it forever.
	PatientRetention Duration `json:"patient_retention"`
	// AttachmentRetention is how long a sent attachment is kept before its
	// content and name are destroyed (the message stays); 0 keeps it as
	// long as its message. A legal hold keeps what it covers.
	AttachmentRetention Duration `json:"attachment_retention"`
	// OutsideAccess is how long someone outside the org has to read and
	// answer a secure message (internal/outside): the life of its link and
	// of the session the link opens. 0 (a policy stored before it existed)
	// means DefaultOutsideAccess.
	OutsideAccess Duration `json:"outside_access"`
	// EmailUnreadAfter is how long a message waits unread before a staff
	// user with no push subscription is emailed about it (PHI-free, at
	// most one an hour; internal/notify/digest); 0 turns the email off.
	// A policy stored before it existed has the default.
	EmailUnreadAfter Duration `json:"email_unread_after"`
	// ReviewAccess and BreakGlassAccess are the longest a compliance review
	// or a break-glass reads (internal/compliance); 0 (a policy stored
	// before they existed) means DefaultGrantAccess.
	ReviewAccess     Duration `json:"review_access"`
	BreakGlassAccess Duration `json:"break_glass_access"`
	// Activity monitoring (internal/monitor, docs/compliance.md); each 0 or
	// "" is its default (monitorpolicy.go). WorkHours ("HH:MM-HH:MM"),
	// WorkDays (day names, comma-separated: "mon,tue"; "": every day) and TimeZone (IANA; "": UTC)
	// are the org's working hours for the off-hours rule.
	MonitorBulkPatients   int      `json:"monitor_bulk_patients"`
	MonitorBulkWindow     Duration `json:"monitor_bulk_window"`
	WorkHours             string   `json:"work_hours"`
	WorkDays              string   `json:"work_days"`
	TimeZone              string   `json:"time_zone"`
	MonitorSignInFailures int      `json:"monitor_signin_failures"`
	MonitorSprayAccounts  int      `json:"monitor_spray_accounts"`
	MonitorSignInWindow   Duration `json:"monitor_signin_window"`
	MonitorExports        int      `json:"monitor_exports"`
	MonitorExportWindow   Duration `json:"monitor_export_window"`
}

// DefaultEmailUnreadAfter is the default EmailUnreadAfter.
const DefaultEmailUnreadAfter = 15 * time.Minute

// DefaultOutsideAccess is how long an outside recipient may read and answer
// a secure message by default.
const DefaultOutsideAccess = 72 * time.Hour

// OutsideAccessTime is p's OutsideAccess, or the default when unset.
func (p Policy) OutsideAccessTime() time.Duration {
	if p.OutsideAccess == 0 {
		return DefaultOutsideAccess
	}
	return p.OutsideAccess.D()
}

// MinPatientRetention is the shortest patient_retention other than 0.
const MinPatientRetention = 24 * time.Hour

// DefaultInvitationTTL is how long an invitation link works by default.
const DefaultInvitationTTL = 72 * time.Hour

// InvitationLifetime is p's InvitationTTL, or the default when unset.
func (p Policy) InvitationLifetime() time.Duration {
	if p.InvitationTTL == 0 {
		return DefaultInvitationTTL
	}
	return p.InvitationTTL.D()
}

// DefaultPolicy is the policy of a new org.
func DefaultPolicy() Policy {
	return Policy{
		MFARequired:     true,
		IdleTimeout:     Duration(15 * time.Minute),
		SessionLifetime: Duration(12 * time.Hour),
		UrgentRenotify:  Duration(5 * time.Minute),
		UrgentEscalate:  Duration(15 * time.Minute),
		RecallWindow:    Duration(10 * time.Minute),
		AuditRetention:  Duration(6 * 365 * 24 * time.Hour),
		InvitationTTL:   Duration(DefaultInvitationTTL),
		OutsideAccess:   Duration(DefaultOutsideAccess),

		EmailUnreadAfter: Duration(DefaultEmailUnreadAfter),
		ReviewAccess:     Duration(DefaultGrantAccess),
		BreakGlassAccess: Duration(DefaultGrantAccess),

		MonitorBulkPatients:   DefaultMonitorBulkPatients,
		MonitorBulkWindow:     Duration(DefaultMonitorBulkWindow),
		WorkHours:             DefaultMonitorWorkHours,
		TimeZone:              "UTC",
		MonitorSignInFailures: DefaultMonitorSignInFailures,
		MonitorSprayAccounts:  DefaultMonitorSprayAccounts,
		MonitorSignInWindow:   Duration(DefaultMonitorSignInWindow),
		MonitorExports:        DefaultMonitorExports,
		MonitorExportWindow:   Duration(DefaultMonitorExportWindow),
	}
}

// Validate reports whether p is a policy ward can enforce.
func (p Policy) Validate() error {
	switch {
	case p.IdleTimeout.D() < 30*time.Second || p.IdleTimeout.D() > 24*time.Hour:
		return Errorf(CodeInvalid, "idle_timeout must be between 30 seconds and 24 hours")
	case p.SessionLifetime.D() < p.IdleTimeout.D() || p.SessionLifetime.D() > 30*24*time.Hour:
		return Errorf(CodeInvalid, "session_lifetime must be at least idle_timeout and at most 30 days")
	case p.InvitationTTL != 0 && (p.InvitationTTL.D() < time.Hour || p.InvitationTTL.D() > 30*24*time.Hour):
		return Errorf(CodeInvalid, "invitation_ttl must be between 1 hour and 30 days")
	case p.OutsideAccess != 0 && (p.OutsideAccess.D() < time.Hour || p.OutsideAccess.D() > 30*24*time.Hour):
		return Errorf(CodeInvalid, "outside_access must be between 1 hour and 30 days")
	case p.EmailUnreadAfter != 0 && (p.EmailUnreadAfter.D() < time.Minute || p.EmailUnreadAfter.D() > 24*time.Hour):
		return Errorf(CodeInvalid, "email_unread_after must be 0 (off) or between 1 minute and 24 hours")
	case p.ReviewAccess != 0 && (p.ReviewAccess.D() < MinGrantAccess || p.ReviewAccess.D() > MaxGrantAccess):
		return Errorf(CodeInvalid, "review_access must be between 5 minutes and 8 hours")
	case p.BreakGlassAccess != 0 && (p.BreakGlassAccess.D() < MinGrantAccess || p.BreakGlassAccess.D() > MaxGrantAccess):
		return Errorf(CodeInvalid, "break_glass_access must be between 5 minutes and 8 hours")
	case p.UrgentRenotify.D() < 10*time.Second:
		return Errorf(CodeInvalid, "urgent_renotify must be at least 10 seconds")
	case p.UrgentEscalate.D() < p.UrgentRenotify.D():
		return Errorf(CodeInvalid, "urgent_escalate must be at least urgent_renotify")
	case p.MessageLifespan.D() < 0 || (p.MessageLifespan != 0 && p.MessageLifespan.D() < time.Hour):
		return Errorf(CodeInvalid, "message_lifespan must be 0 (keep) or at least one hour")
	case p.RecallWindow.D() < 0 || p.RecallWindow.D() > 7*24*time.Hour:
		return Errorf(CodeInvalid, "recall_window must be between 0 and 7 days")
	case !validPhone(p.ClinicPhone):
		return Errorf(CodeInvalid, "clinic_phone must be at most 40 digits, spaces and + - ( ) . characters")
	case p.PatientRetention != 0 && p.PatientRetention.D() < MinPatientRetention:
		return Errorf(CodeInvalid, "patient_retention must be 0 (keep) or at least one day")
	case p.AttachmentRetention != 0 && p.AttachmentRetention.D() < MinPatientRetention:
		return Errorf(CodeInvalid, "attachment_retention must be 0 (keep) or at least one day")
	case p.AuditRetention.D() < 6*365*24*time.Hour:
		return Errorf(CodeRetentionTooShort, "audit_retention must be at least 6 years (HIPAA §164.316)")
	}
	return p.validateMonitor()
}

// Duration is a time.Duration that is whole seconds in JSON.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes whole seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(time.Duration(d)/time.Second), 10), nil
}

// UnmarshalJSON reads whole seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err != nil || n > math.MaxInt64/int64(time.Second) || n < 0 {
		return Errorf(CodeInvalid, "a duration is a whole, non-negative number of seconds")
	}
	*d = Duration(time.Duration(n) * time.Second)
	return nil
}

// validPhone reports whether s is "" or a phone number as people write one.
func validPhone(s string) bool {
	if len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || strings.ContainsRune(" +-().", c)) {
			return false
		}
	}
	return true
}
