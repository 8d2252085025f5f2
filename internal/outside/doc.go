// Package outside holds secure messages to outside addresses (issue 22,
// Paubox's job, for chat): staff write to an email address with no account
// in the org (a referring physician, a patient not yet invited); the email
// holds only the clinic's name and a one-time link; the recipient proves the
// address with a code mailed to it and gets a session of the role guest,
// for the org policy's outside_access, in which they read and answer that
// thread and nothing else. The thread is an ordinary direct conversation
// between the sender and the guest, sealed and audited like any other;
// the guest reads and replies through the ordinary message routes, which
// authz and conversation membership confine to it.
//
// The package is built beside internal/app (DESIGN.md, "Growing the
// house"): it uses the store, the audit trail, access.Principal and the
// one-time primitives of internal/onetime, and reaches app only through
// the small Messaging interface (making the guest and the thread, opening
// the guest's sealed email, sending a message), which *app.App satisfies.
// Every link, one per message sent, is stored as its hash with the hash of
// its code, and opens one session: sent, opened (the code verified) and
// replied (the guest wrote after it) are what the sender sees.
// docs/outside.md describes it.
package outside
