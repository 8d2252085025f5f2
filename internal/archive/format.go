package archive

import (
	"crypto/ed25519"
	"time"

	"github.com/wardhealth/ward/internal/sealedtar"
)

// Format names this archive layout in the manifest.
const Format = "ward-archive-v1"

// The last two entries of every archive.
const (
	ManifestName  = sealedtar.ManifestName
	SignatureName = sealedtar.SignatureName
)

// PartSize is the most bytes of a line entry (messages, transcript, audit)
// before the next part begins.
const PartSize = 4 << 20

// kind is the archive's sealed tar: its signature domain separates archive
// signatures from anything else the audit signing key signs (checkpoints
// sign "ward audit checkpoint v1").
var kind = sealedtar.Kind{Noun: "archive", Format: Format, Domain: "ward archive manifest v1\x00", WrongKey: ErrWrongKey}

// Manifest describes an archive. It holds ids, counts and hashes, never
// PHI: it says what was selected, not what it says.
type Manifest struct {
	Format     string    `json:"format"`
	ID         string    `json:"id"` // the export's id, as in the audit trail
	CreatedAt  time.Time `json:"created_at"`
	OrgID      string    `json:"org_id"`
	Selection  Selection `json:"selection"`
	Counts     Counts    `json:"counts"`
	Entries    []Entry   `json:"entries"`
	SigningKey PublicKey `json:"signing_key"`
}

// Selection is what an export covers: the org's conversations that match
// every non-empty id, with messages created in [From, To).
type Selection struct {
	ConversationID string `json:"conversation_id,omitempty"`
	PatientID      string `json:"patient_id,omitempty"` // the patient record's id (never the MRN)
	// PatientIDs are the records an MRN named when it named several (their
	// conversations, together); PatientID is then empty.
	PatientIDs []string  `json:"patient_ids,omitempty"`
	UserID     string    `json:"user_id,omitempty"` // a member's id (never the email)
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
}

// Counts are how many of each thing an archive holds.
type Counts struct {
	Conversations   int   `json:"conversations"`
	Messages        int   `json:"messages"`
	Attachments     int   `json:"attachments"`
	AttachmentBytes int64 `json:"attachment_bytes"`
	AuditEvents     int   `json:"audit_events"`
}

// Entry is one file of the archive: its name, size and SHA-256 (hex).
type Entry = sealedtar.Entry

// PublicKey names the key that signed the manifest.
type PublicKey = sealedtar.PublicKey

// KeyID is the fingerprint of an Ed25519 public key, the same as the audit
// checkpoints' (audit.KeyID).
func KeyID(pub ed25519.PublicKey) string { return sealedtar.KeyID(pub) }
