package authz

import "github.com/wardhealth/ward"

// Role shorthands for the table.
const (
	owner      = ward.RoleOwner
	admin      = ward.RoleAdmin
	compliance = ward.RoleCompliance
	clinician  = ward.RoleClinician
	staff      = ward.RoleStaff
	patient    = ward.RolePatient
	guest      = ward.RoleGuest
)

type rule struct {
	action Action
	roles  []ward.Role
}

// rules is the table: every action and the roles allowed it. An action is
// allowed to no one else. Change it here and in authz_test.go's golden table
// together, and say why in the commit.
func rules() []rule {
	everyone := []ward.Role{owner, admin, compliance, clinician, staff, patient}
	workforce := []ward.Role{owner, admin, compliance, clinician, staff} // not patients
	managers := []ward.Role{owner, admin}
	carers := []ward.Role{clinician, staff}
	messaging := []ward.Role{clinician, staff, patient} // never owner, admin or compliance
	// A guest (internal/outside) reads and answers the threads they were
	// written to, in the session their one-time link opened, and nothing
	// else: no directory, no conversation of their own making, no uploads,
	// no password, second factor or devices.
	withGuests := func(rs []ward.Role) []ward.Role { return append(append([]ward.Role(nil), rs...), guest) }
	return []rule{
		{SessionCreate, everyone},
		{SessionDelete, withGuests(everyone)},
		{SessionList, withGuests(everyone)},
		{SessionRevoke, managers},
		{AccountRead, withGuests(everyone)},
		{AccountUpdate, everyone},
		{MFAEnroll, everyone},

		{UserList, workforce},
		{UserRead, workforce},
		{UserCreate, managers},
		{UserUpdate, managers},
		{UserDisable, managers},
		{UserMFAReset, managers},
		{PatientInvite, []ward.Role{owner, admin, clinician, staff}},
		// Secure messages to outside addresses: those who message (internal/outside).
		{OutsideSend, carers},
		{PatientCreate, carers},
		{PatientRead, carers},
		{PatientUpdate, carers},
		{PatientDeactivate, []ward.Role{owner, admin, clinician, staff}},
		{TeamList, workforce},
		{TeamManage, managers},
		// Owners and admins assign to any team; clinicians and staff only to
		// the teams they are in (checked by internal/patients).
		{TeamAssignPatient, []ward.Role{owner, admin, clinician, staff}},
		// Saved replies and team hours: team members and admins (checked by
		// internal/replies); compliance neither writes to patients nor edits teams.
		{ReplyUse, []ward.Role{owner, admin, clinician, staff}},
		{TeamHoursManage, []ward.Role{owner, admin, clinician, staff}},
		// Only the care team's own clinicians and staff (checked by internal/app).
		{InboxWrite, []ward.Role{patient}},
		{InboxRead, carers},
		{InboxManage, carers},
		// On-call roles: patients and guests see none of it.
		{OnCallList, workforce},
		{OnCallManage, managers},
		{OnCallAddress, carers},

		{DeviceListOwn, everyone},
		{DeviceList, managers},
		{DeviceApprove, managers},
		{DeviceLock, managers},
		{DeviceUnlock, managers},
		{DeviceWipe, managers},
		{PushKeyRead, everyone},
		// Compliance officers too: break-glass alerts reach them by push.
		{PushSubscribe, []ward.Role{compliance, clinician, staff, patient}},
		{PushUnsubscribe, everyone},
		{NotificationsManage, everyone},
		{PresenceSet, workforce},
		{PresenceRead, workforce},

		{OrgRead, everyone},
		{OrgUpdate, []ward.Role{owner}},
		{PolicyRead, []ward.Role{owner, admin, compliance}},
		{PolicyUpdate, managers},
		{SSOManage, managers},
		{StatsRead, []ward.Role{owner, admin, compliance}},

		{ConversationCreate, messaging},
		{ConversationList, withGuests(messaging)},
		{ConversationRead, withGuests(messaging)},
		{ConversationUpdate, carers},
		{MessageSend, withGuests(messaging)},
		{MessageRead, withGuests(messaging)},
		{MessageRecall, carers},
		{ReceiptWrite, withGuests(messaging)},
		{AttachmentUpload, messaging},
		{AttachmentDownload, withGuests(messaging)},

		{AuditRead, []ward.Role{compliance}},
		{AuditExport, []ward.Role{compliance}},
		{ComplianceReview, []ward.Role{compliance}},
		{ComplianceExport, []ward.Role{compliance}},
		{DisclosureReport, []ward.Role{compliance}},
		{IncidentManage, []ward.Role{compliance}},
		// BAAs are not PHI: admins and compliance manage them, the owner too.
		{BAAManage, []ward.Role{owner, admin, compliance}},
		{BreakGlassOpen, []ward.Role{clinician}},
		// Legal holds: compliance manages them; the owner may see them.
		{HoldManage, []ward.Role{compliance}},
		{HoldRead, []ward.Role{owner, compliance}},
		{RetentionRead, []ward.Role{owner, admin, compliance}},
		// The org owner oversees compliance: the log of reviews and the
		// counts, never the content (internal/compliance).
		{ComplianceLog, []ward.Role{owner, compliance}},
		{BreakGlassReview, []ward.Role{compliance}},
		// Activity-monitoring alerts name users and patient ids: compliance only.
		{AlertManage, []ward.Role{compliance}},
		// The conformance report holds settings and counts, no PHI: the
		// owner, admins (who set the policy it judges) and compliance.
		{ConformanceRead, []ward.Role{owner, admin, compliance}},
	}
}
