// Package compliance holds the oversight of conversations (issue 24): the
// compliance review, in which a compliance officer finds conversations by
// id, member, patient and date (titles and bodies stay sealed; the search
// runs over the clear columns only) and reads one for a time box after
// stating a reason; and break-glass (HIPAA §164.312(a)(2)(ii)), in which a
// clinician outside a patient's care team opens that patient's
// conversations in an emergency, compliance is alerted live, and each use
// waits in a queue until compliance marks it justified or not.
//
// Both are grants (ward.Grant, store table access_grants): time-boxed
// reads outside membership. The stated reason's free text and a verdict's
// note may name a patient, so they are sealed; the audit trail carries the
// grant's id and category. Every page read is audited through app's
// member-free reader (Transcripts), recorded before the answer.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from the
// store, the keyring, the broker and access.Principal, and never imports app.
package compliance
