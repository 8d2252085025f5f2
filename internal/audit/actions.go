package audit

// Action is what happened. The list is closed: Valid rejects anything else,
// and docs/audit.md lists every action with its meaning. Add new actions at
// the end of their group and to docs/audit.md; never rename one.
type Action string

// Authentication and sessions.
const (
	LoginSucceeded  Action = "login.succeeded"
	LoginFailed     Action = "login.failed"
	Logout          Action = "logout"
	SessionRevoked  Action = "session.revoked"
	SessionExpired  Action = "session.expired"
	MFAEnrolled     Action = "mfa.enrolled"
	MFAFailed       Action = "mfa.failed"
	PasswordChanged Action = "password.changed"
	// PasswordChangeFailed is a password change refused because the
	// current password was wrong.
	PasswordChangeFailed Action = "password.change_failed"
	// SessionReauthenticated is a re-authentication of a session (outcome
	// success, or failure for a wrong password or code).
	SessionReauthenticated Action = "session.reauthenticated"
	// LoginThrottled counts sign-in attempts a throttle refused, at most
	// one event per key (account or address) per minute; the reason starts
	// with how many were refused since the last event.
	LoginThrottled Action = "login.throttled"
)

// Users and teams.
const (
	UserCreated  Action = "user.created"
	UserUpdated  Action = "user.updated"
	UserDisabled Action = "user.disabled"
	UserEnabled  Action = "user.enabled"
)

// Care teams (workforce data; resource "team", reason names the member).
const (
	TeamCreated           Action = "team.created"
	TeamUpdated           Action = "team.updated"
	TeamDeleted           Action = "team.deleted"
	TeamMemberAdded       Action = "team.member_added"
	TeamMemberRemoved     Action = "team.member_removed"
	TeamPatientAssigned   Action = "team.patient_assigned"   // a patient record is assigned to a team (patient_id set)
	TeamPatientUnassigned Action = "team.patient_unassigned" // a patient record is taken off a team
	TeamHoursUpdated      Action = "team.hours_updated"      // a team's open hours or auto-reply changed (no text in the trail)
	ReplyCreated          Action = "reply.created"           // a saved reply is created (no title or body in the trail)
	ReplyUpdated          Action = "reply.updated"
	ReplyDeleted          Action = "reply.deleted"
	InboxClaimed          Action = "inbox.claimed"        // a team member takes an inbox thread for themselves
	InboxAssigned         Action = "inbox.assigned"       // a team member gives an inbox thread to a member (reason: assignee)
	InboxStatusChanged    Action = "inbox.status_changed" // an inbox thread is set open, waiting or closed (reason: the status)
)

// On-call roles (internal/oncall; resource "oncall_role"; the reason holds
// role names, user ids and times, never PHI).
const (
	OnCallRoleCreated     Action = "oncall.role_created"
	OnCallRoleRenamed     Action = "oncall.role_renamed"
	OnCallRoleDeleted     Action = "oncall.role_deleted"
	OnCallScheduleChanged Action = "oncall.schedule_changed" // the whole schedule is replaced
	OnCallOverrideAdded   Action = "oncall.override_added"
	OnCallOverrideRemoved Action = "oncall.override_removed"
	OnCallSwapAdded       Action = "oncall.swap_added"
	OnCallSwapRemoved     Action = "oncall.swap_removed"
	OnCallRoleAddressed   Action = "oncall.role_addressed" // a conversation or message to a role reached the person on call (reason: who, where)
	OnCallChainChanged    Action = "oncall.chain_changed"  // a role's escalation chain (secondary, lead) is set
	OnCallEscalated       Action = "oncall.escalated"      // an unacknowledged page went to the next step of its role's chain (reason: step, user ids)
	OnCallRerouted        Action = "oncall.rerouted"       // an unacknowledged page went to the incoming person at a hand-over (reason: from, to)
)

// Devices.
const (
	DeviceApproved      Action = "device.approved"
	DeviceLocked        Action = "device.locked"
	DeviceUnlocked      Action = "device.unlocked"
	DeviceWipeRequested Action = "device.wipe_requested"
	DeviceWipeDelivered Action = "device.wipe_delivered"
	DeviceWipeConfirmed Action = "device.wipe_confirmed"
	PushSubscribed      Action = "device.push_subscribed"   // a device gave ward its Web Push subscription (internal/notify/push)
	PushUnsubscribed    Action = "device.push_unsubscribed" // a device withdrew it
	// A user changed their own notification preferences or presence
	// (internal/notify/prefs); the reason names the settings (no PHI).
	NotificationsUpdated Action = "settings.notifications_updated"
	PresenceChanged      Action = "settings.presence_changed"
)

// Conversations, messages and attachments (PHI).
const (
	ConversationCreated  Action = "conversation.created"
	ConversationRead     Action = "conversation.read"
	MessageSent          Action = "message.sent"
	MessageRead          Action = "message.read"
	MessageRecalled      Action = "message.recalled"
	MessagePurged        Action = "message.purged"
	AttachmentUploaded   Action = "attachment.uploaded"
	AttachmentDownloaded Action = "attachment.downloaded"
	PatientRecordRead    Action = "patient.read"
	BreakGlassOpened     Action = "breakglass.opened"
	ComplianceReview     Action = "compliance.review"           // a compliance officer opened a review of a conversation (reason: the review id, category and time box; the free text is sealed in the review)
	ComplianceReviewRead Action = "compliance.review_read"      // a page of a reviewed conversation's messages, or one of its attachments, was read under a review (reason: the review id and category)
	BreakGlassRead       Action = "breakglass.read"             // a page of a patient's conversation was read under a break-glass (reason: the break-glass id)
	ComplianceSearched   Action = "compliance.searched"         // the compliance search for conversations (reason: the filters, ids and dates only, and the count)
	BreakGlassJudged     Action = "breakglass.judged"           // compliance marked a break-glass use justified or not (reason: the verdict; the note is sealed)
	MemberAdded          Action = "conversation.member_added"   // an urgent escalation adds its backup
	MessageAcknowledged  Action = "message.acknowledged"        // a recipient acknowledges an urgent message
	MemberRemoved        Action = "conversation.member_removed" // a role change ends a membership the new role may not hold
	MessageDelivered     Action = "message.delivered"           // message bodies pushed to a user's WebSocket (batched per socket per second)
	AccessDenied         Action = "access.denied"               // authorization refused a request on PHI (outcome denied; rate-limited per user)
	PatientCreated       Action = "patient.created"             // a patient record is created (internal/patients)
	PatientUpdated       Action = "patient.updated"             // a record is edited; reason names the changed fields, never their values
	PatientDeactivated   Action = "patient.deactivated"         // a record is deactivated
	PatientInvited       Action = "patient.invited"             // a patient is invited (or re-sent an invitation) to open their account; reason names the channel
	InvitationRevoked    Action = "invitation.revoked"          // staff revoked a pending invitation
	InvitationAccepted   Action = "invitation.accepted"         // a patient accepted an invitation: their user is made and linked to the record
	PatientMerged        Action = "patient.merged"              // a duplicate record is merged into another (reversible); reason names the survivor's id
	PatientUnmerged      Action = "patient.unmerged"            // a merge is reversed
	PatientShredded      Action = "patient.shredded"            // retention shredded a deactivated record's data key (and its patient user's identity key)
	OutsideSent          Action = "outside.sent"                // staff sent a secure message to an outside address: a link mailed (resource the link; reason names the conversation and message)
	OutsideCodeSent      Action = "outside.code_sent"           // the one-time code of a secure message's link was mailed to the guest's address
	OutsideOpened        Action = "outside.opened"              // the guest proved the address: the link is used and a session opened
	PatientEmailed       Action = "notify.patient_emailed"      // the email fallback mailed a patient its PHI-free digest at their sealed address (opened in memory only)
)

// Administration, keys and the audit trail itself.
const (
	PolicyUpdated Action = "policy.updated"
	KeysRotated   Action = "keys.rotated"
	KeyShredded   Action = "keys.shredded"
	AuditExported Action = "audit.exported"
	AuditPurged   Action = "audit.purged"
	AuditSearched Action = "audit.searched" // the audit viewer: reason holds the filters (ids only)
	// ArchiveExported: a compliance archive was written (ward archive
	// export); resource the archive's id, reason the selection (ids only)
	// and the counts. Each conversation in it is also a conversation.read.
	ArchiveExported Action = "archive.exported"
	// Archive exports run from the console as background jobs
	// (internal/archive/jobs): resource the job ("archive_job"), reason the
	// selection (ids and dates) and, when it ended, what happened; the
	// finished archive is recorded as archive.exported.
	ArchiveExportStarted   Action = "archive.export_started"
	ArchiveExportCancelled Action = "archive.export_cancelled"
	ArchiveExportFailed    Action = "archive.export_failed"
	ArchiveDownloaded      Action = "archive.downloaded" // the finished archive's file was downloaded
	// BackupCreated: a backup ran (ward backup, or ward serve
	// --backup-to); resource "backup" and the file's name, reason the
	// counts (tables, rows, blobs, bytes) or, with outcome failure, what
	// went wrong (never a secret). It is no org's: org_id is empty.
	BackupCreated Action = "backup.created"
)

// Legal hold and retention (internal/holds, docs/retention.md).
const (
	HoldPlaced      Action = "hold.placed"      // reason: the matter and the scope (ids and dates)
	HoldChanged     Action = "hold.changed"     // reason: the matter and the new scope
	HoldReleased    Action = "hold.released"    // reason: the matter and the scope released
	RetentionPurged Action = "retention.purged" // the retention job, per org: what it destroyed and what holds kept (counts)
)

// Breach incidents (internal/incidents) and business associate agreements
// (internal/baa), docs/compliance.md. Reasons hold ids, dates, ratings and
// counts, never the sealed free text.
const (
	IncidentOpened           Action = "incident.opened"            // an incident opened by hand or from alerts (reason: discovery date, deadline, alert ids)
	IncidentUpdated          Action = "incident.updated"           // its details, dates, window, users or devices changed (reason: the fields named)
	IncidentAssessed         Action = "incident.assessed"          // the four-factor risk assessment saved (reason: the ratings and the outcome)
	IncidentRead             Action = "incident.read"              // its sealed details opened for a compliance officer
	IncidentPatientsComputed Action = "incident.patients_computed" // the affected patients computed from the audit trail (reason: the counts)
	IncidentPatientAdded     Action = "incident.patient_added"     // a patient added or their state set by hand (the reason's text is sealed)
	IncidentPatientRemoved   Action = "incident.patient_removed"   // a patient removed by hand (the reason's text is sealed)
	IncidentLetter           Action = "incident.letter"            // a patient's notification letter rendered (patient: the record)
	IncidentExported         Action = "incident.exported"          // the HHS breach portal fields or the annual log exported
	IncidentClosed           Action = "incident.closed"            // the incident closed: read-only from then on
	IncidentReminded         Action = "incident.reminded"          // a deadline reminder mailed to compliance officers (reason: days left, count)
	BAACreated               Action = "baa.created"                // a business associate agreement registered
	BAAUpdated               Action = "baa.updated"                // its vendor, status or dates changed (reason: status and dates)
	BAADocumentStored        Action = "baa.document_stored"        // its signed document uploaded (sealed)
	BAADocumentRead          Action = "baa.document_read"          // its document downloaded
	BAAReminded              Action = "baa.reminded"               // an expiry reminder mailed (reason: days left, count)
)

// Activity monitoring (internal/monitor, docs/compliance.md).
const (
	AlertRaised       Action = "alert.raised"       // a monitoring rule raised an alert (actor system; resource the alert; reason: the rule, severity and evidence as counts and seq range)
	AlertAcknowledged Action = "alert.acknowledged" // a compliance officer acknowledged an alert
	AlertDismissed    Action = "alert.dismissed"    // a compliance officer dismissed an alert (the reason's text is sealed in the alert)
	AlertEscalated    Action = "alert.escalated"    // a compliance officer escalated an alert to an incident (reason: the incident id)
)

// Accounting of disclosures and the conformance report (internal/accounting,
// internal/conformance).
const (
	AccountingRequested Action = "accounting.requested" // a patient's request for an accounting was logged (resource the request; reason: the period and the deadline)
	AccountingProduced  Action = "accounting.produced"  // an accounting of disclosures was produced for a patient (resource the request; reason: the period, format and count)
	ConformanceReported Action = "conformance.reported" // a conformance report was made (reason: the format and the pass/warn/fail counts)
)

// Single sign-on and provisioning (internal/sso, docs/sso.md). The
// accounts SCIM makes and changes are audited as user.created, user.updated,
// user.disabled and user.enabled with the actor role "scim"; a role an
// IdP sign-in syncs from its groups, with the actor role "sso".
const (
	SSOConfigured    Action = "sso.configured"     // an admin set or changed the org's OpenID Connect provider (reason: issuer, client id, what changed; never the secret)
	SCIMTokenIssued  Action = "scim.token_issued"  // an admin created or rotated the org's SCIM bearer token (the old one stops working)
	SCIMTokenRevoked Action = "scim.token_revoked" // an admin revoked the org's SCIM token
	SCIMRefused      Action = "scim.refused"       // a SCIM request with a missing or unknown bearer token (outcome failure)
	SCIMUserDeleted  Action = "scim.user_deleted"  // a SCIM DELETE: the account is disabled (sessions ended) and leaves SCIM's view
)

// Actions lists every action, in documentation order.
func Actions() []Action {
	return []Action{
		LoginSucceeded, LoginFailed, Logout, SessionRevoked, SessionExpired, MFAEnrolled, MFAFailed, PasswordChanged,
		PasswordChangeFailed, SessionReauthenticated, LoginThrottled,
		UserCreated, UserUpdated, UserDisabled, UserEnabled,
		TeamCreated, TeamUpdated, TeamDeleted, TeamMemberAdded, TeamMemberRemoved, TeamPatientAssigned, TeamPatientUnassigned,
		TeamHoursUpdated, ReplyCreated, ReplyUpdated, ReplyDeleted, InboxClaimed, InboxAssigned, InboxStatusChanged,
		OnCallRoleCreated, OnCallRoleRenamed, OnCallRoleDeleted, OnCallScheduleChanged, OnCallOverrideAdded, OnCallOverrideRemoved,
		OnCallSwapAdded, OnCallSwapRemoved, OnCallRoleAddressed, OnCallChainChanged, OnCallEscalated, OnCallRerouted,
		DeviceApproved, DeviceLocked, DeviceUnlocked, DeviceWipeRequested, DeviceWipeDelivered, DeviceWipeConfirmed, PushSubscribed, PushUnsubscribed,
		NotificationsUpdated, PresenceChanged,
		ConversationCreated, ConversationRead, MessageSent, MessageRead, MessageRecalled, MessagePurged,
		AttachmentUploaded, AttachmentDownloaded, PatientRecordRead, BreakGlassOpened, ComplianceReview, ComplianceReviewRead, ComplianceSearched, BreakGlassRead, BreakGlassJudged,
		MemberAdded, MessageAcknowledged, MemberRemoved, MessageDelivered, AccessDenied,
		PatientCreated, PatientUpdated, PatientDeactivated, PatientInvited, InvitationRevoked, InvitationAccepted, PatientMerged, PatientUnmerged, PatientShredded,
		OutsideSent, OutsideCodeSent, OutsideOpened, PatientEmailed,
		PolicyUpdated, KeysRotated, KeyShredded, AuditExported, AuditPurged, AuditSearched, ArchiveExported, BackupCreated,
		ArchiveExportStarted, ArchiveExportCancelled, ArchiveExportFailed, ArchiveDownloaded,
		HoldPlaced, HoldChanged, HoldReleased, RetentionPurged,
		IncidentOpened, IncidentUpdated, IncidentAssessed, IncidentRead, IncidentPatientsComputed, IncidentPatientAdded, IncidentPatientRemoved,
		IncidentLetter, IncidentExported, IncidentClosed, IncidentReminded, BAACreated, BAAUpdated, BAADocumentStored, BAADocumentRead, BAAReminded,
		AlertRaised, AlertAcknowledged, AlertDismissed, AlertEscalated,
		AccountingRequested, AccountingProduced, ConformanceReported,
		SSOConfigured, SCIMTokenIssued, SCIMTokenRevoked, SCIMRefused, SCIMUserDeleted,
	}
}

// Valid reports whether a is one of the documented actions.
func (a Action) Valid() bool {
	switch a {
	case LoginSucceeded, LoginFailed, Logout, SessionRevoked, SessionExpired, MFAEnrolled, MFAFailed, PasswordChanged,
		PasswordChangeFailed, SessionReauthenticated, LoginThrottled,
		UserCreated, UserUpdated, UserDisabled, UserEnabled,
		TeamCreated, TeamUpdated, TeamDeleted, TeamMemberAdded, TeamMemberRemoved, TeamPatientAssigned, TeamPatientUnassigned,
		TeamHoursUpdated, ReplyCreated, ReplyUpdated, ReplyDeleted, InboxClaimed, InboxAssigned, InboxStatusChanged,
		OnCallRoleCreated, OnCallRoleRenamed, OnCallRoleDeleted, OnCallScheduleChanged, OnCallOverrideAdded, OnCallOverrideRemoved,
		OnCallSwapAdded, OnCallSwapRemoved, OnCallRoleAddressed, OnCallChainChanged, OnCallEscalated, OnCallRerouted,
		DeviceApproved, DeviceLocked, DeviceUnlocked, DeviceWipeRequested, DeviceWipeDelivered, DeviceWipeConfirmed, PushSubscribed, PushUnsubscribed,
		NotificationsUpdated, PresenceChanged,
		ConversationCreated, ConversationRead, MessageSent, MessageRead, MessageRecalled, MessagePurged,
		AttachmentUploaded, AttachmentDownloaded, PatientRecordRead, BreakGlassOpened, ComplianceReview, ComplianceReviewRead, ComplianceSearched, BreakGlassRead, BreakGlassJudged,
		MemberAdded, MessageAcknowledged, MemberRemoved, MessageDelivered, AccessDenied,
		PatientCreated, PatientUpdated, PatientDeactivated, PatientInvited, InvitationRevoked, InvitationAccepted, PatientMerged, PatientUnmerged, PatientShredded,
		OutsideSent, OutsideCodeSent, OutsideOpened, PatientEmailed,
		PolicyUpdated, KeysRotated, KeyShredded, AuditExported, AuditPurged, AuditSearched, ArchiveExported, BackupCreated,
		ArchiveExportStarted, ArchiveExportCancelled, ArchiveExportFailed, ArchiveDownloaded,
		HoldPlaced, HoldChanged, HoldReleased, RetentionPurged,
		IncidentOpened, IncidentUpdated, IncidentAssessed, IncidentRead, IncidentPatientsComputed, IncidentPatientAdded, IncidentPatientRemoved,
		IncidentLetter, IncidentExported, IncidentClosed, IncidentReminded, BAACreated, BAAUpdated, BAADocumentStored, BAADocumentRead, BAAReminded,
		AlertRaised, AlertAcknowledged, AlertDismissed, AlertEscalated,
		AccountingRequested, AccountingProduced, ConformanceReported,
		SSOConfigured, SCIMTokenIssued, SCIMTokenRevoked, SCIMRefused, SCIMUserDeleted:
		return true
	}
	return false
}
