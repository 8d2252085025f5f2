package archive

import (
	"filippo.io/age"

	"github.com/wardhealth/ward/internal/sealedtar"
)

// PassphraseEnv holds an archive's passphrase (never a flag: flags show in ps).
const PassphraseEnv = "WARD_ARCHIVE_PASSPHRASE"

// Key is how an archive is encrypted: to an age recipient ("age1…"), or
// to a passphrase (scrypt). Exactly one of Recipient and Passphrase is set
// to export; to verify, IdentityFile (an age identity file, as age-keygen
// writes it) or Passphrase.
type Key struct {
	Recipient    string
	IdentityFile string
	Passphrase   string
	// WorkFactor is scrypt's log2 N for a passphrase; 0 is age's default
	// (18). It slows guessing the passphrase, not the archive's throughput.
	WorkFactor int
}

// Check says whether k names exactly one valid way to encrypt an export:
// a well-formed age recipient or a passphrase.
func (k Key) Check() error {
	_, err := k.recipient()
	return err
}

// recipient is what an export encrypts to.
func (k Key) recipient() (age.Recipient, error) {
	return sealedtar.Recipient(k.Recipient, k.Passphrase, k.WorkFactor, PassphraseEnv)
}

// Identities is what opens an archive.
func (k Key) Identities() ([]age.Identity, error) {
	return sealedtar.Identities(k.IdentityFile, k.Passphrase, PassphraseEnv)
}
