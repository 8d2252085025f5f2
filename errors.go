package ward

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error code. Clients and scripts match on
// it, so a code, once shipped, never changes meaning. The HTTP status for each
// code lives in one table in internal/httpapi.
type Code string

// The error codes. Add new ones at the end of their group.
const (
	CodeInvalid     Code = "invalid_input"     // the request is malformed or a field fails validation
	CodeTooLarge    Code = "too_large"         // a body or a field is over its limit
	CodeUnauth      Code = "unauthenticated"   // no valid session
	CodeForbidden   Code = "forbidden"         // authenticated, but not allowed
	CodeNotFound    Code = "not_found"         // no such resource (or not visible to the caller)
	CodeConflict    Code = "conflict"          // the change clashes with what is stored
	CodeRateLimited Code = "rate_limited"      // too many attempts; retry later
	CodeUnavailable Code = "unavailable"       // a dependency (database) is not answering
	CodeInternal    Code = "internal"          // a bug or an unexpected failure; details are logged, not returned
	CodeUnsupported Code = "unsupported_media" // wrong Content-Type
	CodeMethod      Code = "method_not_allowed"
	CodeIntegrity   Code = "integrity" // stored data failed an integrity check

	CodeMFARequired    Code = "mfa_required"            // a second factor (totp, webauthn or recovery_code) is needed
	CodeMFAEnrollment  Code = "mfa_enrollment_required" // the session may only enrol a second factor
	CodeDevicePending  Code = "device_pending"          // the device waits for an admin's approval
	CodeDeviceLocked   Code = "device_locked"           // an admin locked the device
	CodeDeviceWiped    Code = "device_wiped"            // wipe order: erase local data, then confirm
	CodeReauthRequired Code = "reauth_required"         // the change needs a recent password or second factor

	CodeAccountExists     Code = "account_exists"      // the patient (record or email) already has an account in the org
	CodeInvitationExpired Code = "invitation_expired"  // the invitation link expired
	CodeInvitationUsed    Code = "invitation_used"     // the invitation link was accepted, revoked or replaced by a resend
	CodeCodeRequired      Code = "email_code_required" // the email one-time code is missing, wrong or expired
	CodeLinkExpired       Code = "link_expired"        // a one-time link (a secure message to an outside address) expired
	CodeLinkUsed          Code = "link_used"           // a one-time link was already used
	CodeMergeAccounts     Code = "merge_two_accounts"  // both patient records of a merge have a patient account
	CodePatientMerged     Code = "patient_merged"      // the patient record was merged into another: use the surviving record
	// On-call schedules (internal/oncall).
	CodeScheduleGap     Code = "schedule_gap"              // a schedule leaves a time with no one on call (the detail says when)
	CodeScheduleOverlap Code = "schedule_overlap"          // two overrides cover the same time, or a shift is in two swaps (the detail says where)
	CodeNotInRotation   Code = "override_outside_rotation" // an override or swap names someone who is not one of the rotation's people
	CodeNoOneOnCall     Code = "no_one_on_call"            // a message to a role that no one holds now

	// Legal hold and retention (internal/holds).
	CodeHoldScopeEmpty    Code = "hold_scope_empty"    // a legal hold names no user, patient, conversation or date range
	CodeRetentionTooShort Code = "retention_too_short" // audit_retention under 6 years (HIPAA §164.316)
	// Compliance review and break-glass (internal/compliance).
	CodeReasonRequired Code = "reason_required"   // a review or break-glass without a stated reason
	CodeTimeBoxTooLong Code = "time_box_too_long" // a requested time box beyond the org's policy
	CodeAccessExpired  Code = "access_expired"    // the review's or break-glass's time box has ended
	// Breach incidents (internal/incidents) and the BAA registry (internal/baa).
	CodeIncidentClosed       Code = "incident_closed"         // a closed incident is read-only
	CodeDiscoveryRequired    Code = "discovery_date_required" // an incident without the date its breach was discovered
	CodeDeadlineInPast       Code = "deadline_in_past"        // an incident's notification deadline set in the past
	CodeAssessmentIncomplete Code = "assessment_incomplete"   // an outcome without all four factors of §164.402(2) rated
	CodeBAADates             Code = "baa_dates_invalid"       // a BAA that expires before it was signed, or signed without a date
	CodeOnCareTeam           Code = "already_on_care_team"    // a break-glass by a clinician on the patient's care team, who has access
	// Accounting of disclosures (internal/accounting).
	CodeUnknownPatient Code = "unknown_patient" // an accounting asked for a patient (MRN or record id) the org does not have
	// Single sign-on (internal/sso).
	CodeSSONotConfigured Code = "sso_not_configured" // the org has no enabled OpenID Connect provider
	CodeSSOState         Code = "sso_state_invalid"  // an IdP sign-in's state or ticket is missing, expired, used or from another browser
	CodeSSOToken         Code = "sso_token_invalid"  // the IdP's answer failed: code exchange, ID token signature, issuer, audience, expiry, nonce, unverified email
	CodeSSONoRole        Code = "sso_no_role"        // none of the user's IdP groups maps to a ward role, and the org set no default role
	CodeAccountDisabled  Code = "account_disabled"   // the IdP vouched for the person, but their ward account is disabled
)

// Error is the one error type of ward. Message is safe to show to the caller:
// it never carries PHI or secrets.
type Error struct {
	Code    Code
	Message string
	Err     error // optional cause; never shown to the caller
	// RetryAfter, with CodeRateLimited, says when to try again.
	RetryAfter time.Duration
	// Factors, with CodeMFARequired, lists the second factors the account
	// has enrolled ("totp", "webauthn"), so a client knows what to ask for.
	Factors []string
	// DeviceSecret, with CodeDevicePending, is the secret issued to the new
	// device that now waits for approval: shown once; the client keeps it
	// and signs in with it once an admin approved the device.
	DeviceSecret string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and message that wraps err.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the Code of the first *Error in err's chain, CodeInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the caller-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
