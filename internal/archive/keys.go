package archive

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
)

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

// Recipient is what an export encrypts to.
func (k Key) recipient() (age.Recipient, error) {
	switch {
	case k.Recipient != "" && k.Passphrase != "":
		return nil, errors.New("give --recipient or a passphrase (WARD_ARCHIVE_PASSPHRASE), not both")
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
	return nil, errors.New("no key: give --recipient age1… or a passphrase in WARD_ARCHIVE_PASSPHRASE")
}

// Identities is what opens an archive.
func (k Key) Identities() ([]age.Identity, error) {
	switch {
	case k.IdentityFile != "" && k.Passphrase != "":
		return nil, errors.New("give --identity or a passphrase (WARD_ARCHIVE_PASSPHRASE), not both")
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
	return nil, errors.New("no key: give --identity FILE (an age identity) or a passphrase in WARD_ARCHIVE_PASSPHRASE")
}
