// Package archive is the compliance archive export (issue 24): one file
// that holds a selection of conversations for a complaint, a subpoena or
// an investigation, signed and encrypted so that it can leave the server.
//
// The file is an age stream (filippo.io/age: X25519 to a recipient key, or
// scrypt to a passphrase) around a tar stream of entries:
//
//	messages-0001.jsonl …    the messages, unsealed, one JSON object a line
//	transcript-0001.html …   the same, readable: static pages, inline CSS, no script
//	audit-0001.jsonl …       the audit events about the conversations, messages and attachments
//	attachments/ID/NAME      each attachment's content
//	manifest.json            the selection, the counts, and the size and SHA-256 of every entry above
//	manifest.sig             Ed25519 signature of the manifest by the org's audit signing key
//
// Entries are written as they are produced: attachments stream from the
// blob store through the keyring's decryption into the tar writer, and the
// line entries are cut into parts of at most PartSize bytes, so an export
// holds at most one part in memory whatever its size. Verify reads the
// same stream once: it decrypts, hashes each entry, and checks the
// manifest's signature and every entry against it (internal/sealedtar,
// which backups share).
package archive
