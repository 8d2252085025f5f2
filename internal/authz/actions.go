package authz

import "strings"

// Action is something a caller asks to do, named resource.verb (or
// resource.verb.scope). Every Action has a row in the table.
type Action string

// Sessions and the caller's own account.
const (
	SessionCreate Action = "session.create" // sign in (the role is that of the account signing in)
	SessionDelete Action = "session.delete" // sign out, or revoke one of one's own sessions
	SessionList   Action = "session.list"   // one's own sessions
	SessionRevoke Action = "session.revoke" // revoke anyone's sessions in the org
	AccountRead   Action = "account.read"   // one's own profile
	AccountUpdate Action = "account.update" // one's own name, password
	MFAEnroll     Action = "mfa.enroll"     // enrol or reset one's own TOTP, passkeys, recovery codes
)

// People and teams.
const (
	UserList      Action = "user.list"      // the org's staff directory
	UserRead      Action = "user.read"      // one person's directory entry
	UserCreate    Action = "user.create"    // add staff to the org
	UserUpdate    Action = "user.update"    // change someone's name, email or role
	UserDisable   Action = "user.disable"   // disable or re-enable an account
	UserMFAReset  Action = "user.mfa.reset" // clear someone's second factors (lost phone)
	PatientInvite Action = "patient.invite" // invite a patient to the portal by link
	OutsideSend   Action = "outside.send"   // write to an email address with no account (a guest), list what one sent
	// Patient records are PHI: those who care for patients create, read and
	// edit them; admins, who never read PHI, may deactivate one by id.
	PatientCreate     Action = "patient.create"      // register a patient record
	PatientRead       Action = "patient.read"        // read a record, look one up by MRN or by date of birth and name
	PatientUpdate     Action = "patient.update"      // edit a record's fields
	PatientDeactivate Action = "patient.deactivate"  // deactivate a record (it answers no PHI)
	TeamList          Action = "team.list"           // teams and on-call roles, for addressing
	TeamManage        Action = "team.manage"         // create, rename, change members of teams
	TeamAssignPatient Action = "team.assign_patient" // assign a patient record to a care team (ids only, no PHI)
	ReplyUse          Action = "reply.use"           // saved replies: list, render, manage (team replies: members and admins; personal: the owner)
	TeamHoursManage   Action = "team.hours"          // set a team's open hours and after-hours auto-reply (members and admins)
	// The team inbox: clinicians and staff of a care team (internal/app checks membership).
	InboxWrite  Action = "inbox.write"  // a patient: list their care teams, write to one's inbox
	InboxRead   Action = "inbox.read"   // list a team inbox's threads (status, assignee, waiting time)
	InboxManage Action = "inbox.manage" // claim, assign, set the status of a team inbox thread
)

// On-call roles (internal/oncall): the workforce sees who is on call;
// owners and admins build the schedules; those who message address a role.
const (
	OnCallList    Action = "oncall.list"    // roles, their schedules, who is on call now or at a time
	OnCallManage  Action = "oncall.manage"  // create, rename, delete roles; set schedules, overrides, swaps
	OnCallAddress Action = "oncall.address" // start a conversation with, or page, whoever is on call for a role
)

// Legal hold and retention (internal/holds): compliance places, changes
// and releases holds; owners read them; owners, admins and compliance see
// the retention overview.
const (
	HoldManage    Action = "hold.manage"    // place, change, release a legal hold
	HoldRead      Action = "hold.read"      // list and read legal holds
	RetentionRead Action = "retention.read" // the retention overview: policies, what each would purge now, when next
)

// Devices.
const (
	DeviceListOwn Action = "device.list.own" // one's own devices
	DeviceList    Action = "device.list"     // every device in the org
	DeviceApprove Action = "device.approve"  // approve a new device where policy asks for it
	DeviceLock    Action = "device.lock"     // revoke a device's sessions at once
	DeviceUnlock  Action = "device.unlock"   // let a locked device sign in again
	DeviceWipe    Action = "device.wipe"     // order a device to erase what it holds
	// Web Push (internal/notify/push): the server's public VAPID key, and
	// the signed-in device's own subscription (never another device's).
	PushKeyRead     Action = "push.key.read"
	PushSubscribe   Action = "push.subscribe"   // those who get messages: a push only says one waits
	PushUnsubscribe Action = "push.unsubscribe" // anyone may drop their own device's subscription
	// Notification preferences and presence (internal/notify/prefs): one's
	// own only; presence is the workforce's, and only staff see it.
	NotificationsManage Action = "notifications.manage" // read and set one's own notification preferences
	PresenceSet         Action = "presence.set"         // read and set one's own presence
	PresenceRead        Action = "presence.read"        // colleagues' presence, next to their names
)

// The org and its policies.
const (
	OrgRead      Action = "org.read"      // the org's name and public settings
	OrgUpdate    Action = "org.update"    // rename the org, transfer ownership
	PolicyRead   Action = "policy.read"   // MFA, idle timeout, retention, device approval
	PolicyUpdate Action = "policy.update" // change them
	// SSOManage: read and set the org's OpenID Connect provider, create,
	// rotate and revoke its SCIM token (internal/sso).
	SSOManage Action = "sso.manage"
	StatsRead Action = "stats.read" // the admin dashboard: counts only, no content
)

// Messaging. These show or change message content: the caller must also be
// a member of the conversation, which internal/app checks.
const (
	ConversationCreate Action = "conversation.create"
	ConversationList   Action = "conversation.list" // one's own conversations
	ConversationRead   Action = "conversation.read" // title, members, history
	ConversationUpdate Action = "conversation.update"
	MessageSend        Action = "message.send"
	MessageRead        Action = "message.read"
	MessageRecall      Action = "message.recall" // withdraw one's own message
	ReceiptWrite       Action = "receipt.write"  // read receipts, urgent acknowledgements
	AttachmentUpload   Action = "attachment.upload"
	AttachmentDownload Action = "attachment.download"
)

// Compliance and emergency access.
const (
	AuditRead        Action = "audit.read"        // search the audit trail
	AuditExport      Action = "audit.export"      // export it, with checkpoints
	ComplianceReview Action = "compliance.review" // read a conversation's content, with a stated reason; audited
	ComplianceExport Action = "compliance.export" // export conversation archives, with a reason; audited
	DisclosureReport Action = "disclosure.report" // a patient's accounting of disclosures
	IncidentManage   Action = "incident.manage"   // breach incidents and their 60-day clock
	BAAManage        Action = "baa.manage"        // business associate agreements
	BreakGlassOpen   Action = "breakglass.open"   // emergency access to a patient's conversations, with a reason; alerts compliance
	ComplianceLog    Action = "compliance.log"    // the log of reviews and the break-glass counts (no content)
	BreakGlassReview Action = "breakglass.review" // the break-glass queue: see each use and mark it justified or not
	AlertManage      Action = "alert.manage"      // activity-monitoring alerts (they name users and patients): list, acknowledge, dismiss, escalate
	// ConformanceRead: the HIPAA conformance report (settings, key ages,
	// counts; no PHI), for those who answer for the org's safeguards.
	ConformanceRead Action = "conformance.read"
)

// Resource is the part of a's name before the first dot: "message" for
// message.send.
func (a Action) Resource() string {
	r, _, _ := strings.Cut(string(a), ".")
	return r
}

// Valid reports whether a has a row in the table.
func (a Action) Valid() bool {
	_, ok := index()[a]
	return ok
}
