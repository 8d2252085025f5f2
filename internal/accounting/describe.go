package accounting

import "github.com/wardhealth/ward/internal/audit"

// Kinds of entries: a use or access inside the org, or a disclosure to
// someone outside it (an archive that leaves the server, a secure message
// to an outside address, an email to the patient).
const (
	KindAccess     = "access"
	KindDisclosure = "disclosure"
)

// described says what an audit action means in an accounting.
var described = map[audit.Action]struct{ what, kind string }{
	audit.PatientRecordRead:    {"viewed the patient's record", KindAccess},
	audit.PatientCreated:       {"created the patient's record", KindAccess},
	audit.PatientUpdated:       {"edited the patient's record", KindAccess},
	audit.PatientDeactivated:   {"deactivated the patient's record", KindAccess},
	audit.PatientMerged:        {"merged a duplicate record", KindAccess},
	audit.PatientUnmerged:      {"reversed a merge of records", KindAccess},
	audit.PatientShredded:      {"shredded the record's data key (retention)", KindAccess},
	audit.PatientInvited:       {"invited the patient to open an account", KindAccess},
	audit.InvitationAccepted:   {"accepted the invitation", KindAccess},
	audit.InvitationRevoked:    {"revoked the patient's invitation", KindAccess},
	audit.UserCreated:          {"opened the patient's account", KindAccess},
	audit.UserUpdated:          {"changed the patient's account", KindAccess},
	audit.ConversationCreated:  {"started a conversation about the patient", KindAccess},
	audit.ConversationRead:     {"opened a conversation about the patient", KindAccess},
	audit.MessageSent:          {"sent a message about the patient", KindAccess},
	audit.MessageRead:          {"read messages about the patient", KindAccess},
	audit.MessageDelivered:     {"was shown new messages about the patient", KindAccess},
	audit.AttachmentDownloaded: {"opened an attachment about the patient", KindAccess},
	audit.AttachmentUploaded:   {"attached a file about the patient", KindAccess},
	audit.MessageAcknowledged:  {"acknowledged an urgent message about the patient", KindAccess},
	audit.MemberAdded:          {"was added to a conversation about the patient", KindAccess},
	audit.ComplianceReview:     {"opened a compliance review of a conversation", KindAccess},
	audit.ComplianceReviewRead: {"read messages under a compliance review", KindAccess},
	audit.BreakGlassOpened:     {"broke the glass (emergency access)", KindAccess},
	audit.BreakGlassRead:       {"read messages under break-glass", KindAccess},
	audit.InboxClaimed:         {"took the patient's team inbox thread", KindAccess},
	audit.TeamPatientAssigned:  {"assigned the patient to a care team", KindAccess},
	audit.ArchiveExported:      {"exported a compliance archive", KindDisclosure},
	audit.OutsideSent:          {"sent a secure message to an outside address", KindDisclosure},
	audit.PatientEmailed:       {"emailed the patient a notice", KindDisclosure},
	audit.AccountingProduced:   {"produced an accounting of disclosures", KindAccess},
	audit.AccountingRequested:  {"logged a request for an accounting of disclosures", KindAccess},
}

// describe is what and kind of action a; an action without a description
// is named as recorded.
func describe(a string) (what, kind string) {
	if d, ok := described[audit.Action(a)]; ok {
		return d.what, d.kind
	}
	return a, KindAccess
}
