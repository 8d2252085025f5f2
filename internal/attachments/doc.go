// Package attachments holds the files sent with messages. A member
// uploads a file to a conversation (Upload: streamed, sealed chunk by
// chunk into the blob store, its type sniffed from the content and its
// name sanitised and sealed; JPEG, PNG, WebP and GIF images lose their
// metadata first), then sends it with a message (internal/app,
// SendRequest.AttachmentIDs). Members download the attachments of sent
// messages (Open, audited durably before it returns); an unsent one is
// visible to its uploader only, and a backup an urgent message escalated
// to sees only those from that message on. Recalling or purging a message
// deletes its attachments (their blobs go after the commit,
// DropBlobsAfter); unsent ones are deleted after ward.StaleAttachmentAge
// (Sweep). The content is sealed under the conversation's key, so
// shredding the conversation destroys its files.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from
// the store, the keyring, the audit trail and the blob store, and never
// imports app. Who is a member of a conversation it asks through
// Conversations, which app satisfies; app builds the Service
// (App.Attachments).
package attachments
