package backup

import (
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward/internal/sealedtar"
)

// Format names this backup layout in the manifest.
const Format = "ward-backup-v1"

// Entry names. A backup holds, in this order, the database (SQLiteEntry,
// or one TablePrefix entry per PostgreSQL table), the blobs (BlobPrefix
// and the blob's key), then the manifest and its signature.
const (
	SQLiteEntry   = "db/ward.db.gz"
	TablePrefix   = "db/tables/"
	BlobPrefix    = "blobs/"
	ManifestName  = sealedtar.ManifestName
	SignatureName = sealedtar.SignatureName
)

// kind is the backup's sealed tar: its signature domain separates backup
// signatures from anything else the audit signing key signs (checkpoints,
// archives).
var kind = sealedtar.Kind{Noun: "backup", Format: Format, Domain: "ward backup manifest v1\x00", WrongKey: ErrWrongKey}

// FileSuffix ends the name of every backup file.
const FileSuffix = ".wardbackup"

// Manifest describes a backup: what it holds (ids, counts, hashes: no PHI)
// and which master key versions a restore needs (their ids, never the keys).
type Manifest struct {
	Format        string              `json:"format"`
	CreatedAt     time.Time           `json:"created_at"`
	Dialect       string              `json:"dialect"` // "sqlite" or "postgres"
	SchemaVersion int                 `json:"schema_version"`
	MasterKeyIDs  []string            `json:"master_key_ids"` // the master key versions that wrap its org keys and secrets
	Counts        Counts              `json:"counts"`
	Entries       []Entry             `json:"entries"`
	SigningKey    sealedtar.PublicKey `json:"signing_key"`
}

// Counts are what a backup holds.
type Counts struct {
	Tables    int   `json:"tables,omitempty"` // PostgreSQL
	Rows      int64 `json:"rows,omitempty"`   // PostgreSQL
	DBBytes   int64 `json:"db_bytes"`         // the database before compression
	Blobs     int   `json:"blobs"`
	BlobBytes int64 `json:"blob_bytes"`
}

// Entry is one file of a backup as stored (compressed when its name ends
// in .gz): its name, size and SHA-256 (hex).
type Entry = sealedtar.Entry

// PassphraseEnv holds a backup's passphrase (never a flag: flags show in ps).
const PassphraseEnv = "WARD_BACKUP_PASSPHRASE"

// Key is how a backup is encrypted: to an age recipient ("age1…") or a
// passphrase (scrypt). To open one: an age identity file or the passphrase.
type Key struct {
	Recipient    string
	IdentityFile string
	Passphrase   string
	// WorkFactor is scrypt's log2 N for a passphrase; 0 is age's default.
	WorkFactor int
}

func (k Key) recipient() (age.Recipient, error) {
	return sealedtar.Recipient(k.Recipient, k.Passphrase, k.WorkFactor, PassphraseEnv)
}

// Identities is what opens a backup.
func (k Key) Identities() ([]age.Identity, error) {
	return sealedtar.Identities(k.IdentityFile, k.Passphrase, PassphraseEnv)
}
