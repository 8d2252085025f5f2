package backup

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward/internal/archive"
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
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// signatureDomain separates backup signatures from anything else the audit
// signing key signs (checkpoints, archives).
const signatureDomain = "ward backup manifest v1\x00"

// FileSuffix ends the name of every backup file.
const FileSuffix = ".wardbackup"

// Manifest describes a backup: what it holds (ids, counts, hashes: no PHI)
// and which master key versions a restore needs (their ids, never the keys).
type Manifest struct {
	Format        string            `json:"format"`
	CreatedAt     time.Time         `json:"created_at"`
	Dialect       string            `json:"dialect"` // "sqlite" or "postgres"
	SchemaVersion int               `json:"schema_version"`
	MasterKeyIDs  []string          `json:"master_key_ids"` // the master key versions that wrap its org keys and secrets
	Counts        Counts            `json:"counts"`
	Entries       []Entry           `json:"entries"`
	SigningKey    archive.PublicKey `json:"signing_key"`
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
type Entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

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
	switch {
	case k.Recipient != "" && k.Passphrase != "":
		return nil, errors.New("give --recipient or a passphrase (" + PassphraseEnv + "), not both")
	case k.Recipient != "":
		r, err := age.ParseX25519Recipient(strings.TrimSpace(k.Recipient))
		if err != nil {
			return nil, fmt.Errorf("--recipient: %v", err)
		}
		return r, nil
	case k.Passphrase != "":
		r, err := age.NewScryptRecipient(k.Passphrase)
		if err != nil {
			return nil, err
		}
		if k.WorkFactor > 0 {
			r.SetWorkFactor(k.WorkFactor)
		}
		return r, nil
	}
	return nil, errors.New("no key: give --recipient age1… or a passphrase in " + PassphraseEnv)
}

// Identities is what opens a backup.
func (k Key) Identities() ([]age.Identity, error) {
	switch {
	case k.IdentityFile != "" && k.Passphrase != "":
		return nil, errors.New("give --identity or a passphrase (" + PassphraseEnv + "), not both")
	case k.IdentityFile != "":
		f, err := os.Open(k.IdentityFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		ids, err := age.ParseIdentities(f)
		if err != nil {
			return nil, fmt.Errorf("--identity %s: %v", k.IdentityFile, err)
		}
		return ids, nil
	case k.Passphrase != "":
		id, err := age.NewScryptIdentity(k.Passphrase)
		if err != nil {
			return nil, err
		}
		return []age.Identity{id}, nil
	}
	return nil, errors.New("no key: give --identity FILE (an age identity) or a passphrase in " + PassphraseEnv)
}
