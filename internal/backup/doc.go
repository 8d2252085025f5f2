// Package backup writes, verifies and restores ward's backups: an online,
// consistent copy of the database (SQLite: VACUUM INTO; PostgreSQL: every
// table of ward's schema read in one REPEATABLE READ transaction) and the
// attachment blobs, as one tar stream encrypted with age to a recipient or
// a passphrase, ending in a manifest (each entry's size and SHA-256) signed
// with the audit signing key. The master key and the shred key file never
// go into a backup (docs/operations.md, docs/keyring.md). Backups are
// written to a Destination (a folder, or an S3 bucket: S3Dest) and can be
// scheduled (Scheduler), keeping the newest N.
package backup
