// Package retention is the retention job: for every org, the message
// lifespan purge (the shorter of the org's message_lifespan and the
// conversation's own), the attachment retention, the patient retention
// (crypto-shredding of records deactivated longer ago than
// patient_retention, and of their patient users' identities) and the
// dropping of held copies whose hold was released, each skipping what an
// active legal hold covers (internal/holds, docs/retention.md). The server
// runs it every few minutes on the leader, at the store's clock. Audit
// retention is not here: `ward audit purge` removes old audit events.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from
// the store, the keyring and the audit trail, and never imports app. What
// only app can do for it (clearing the session caches after an access
// change, erasing an account's sealed identity, the live events of a
// purged conversation, deleting attachment blobs) it asks through Core,
// which app satisfies; app builds the Service (App.Retention).
package retention
