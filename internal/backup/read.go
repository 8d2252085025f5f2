package backup

import (
	"crypto/ed25519"
	"errors"
	"io"

	"filippo.io/age"

	"github.com/wardhealth/ward/internal/sealedtar"
)

// Problem is what is wrong with a backup, naming the entry when there is one.
type Problem = sealedtar.Problem

// ErrWrongKey is the answer when the key does not open the backup.
var ErrWrongKey = errors.New("wrong key: the backup is not encrypted to this identity or passphrase")

// read decrypts a backup from src and walks its entries: handle (nil:
// discard) reads each entry but the manifest and signature, as stored;
// every entry is hashed as it passes. At the end the manifest's signature
// (by trusted when not nil, else by the key it names) and every entry's
// size and hash are checked. A handler's error ends the walk as is.
func read(src io.Reader, ids []age.Identity, trusted ed25519.PublicKey, handle func(name string, r io.Reader) error,
	progress func(int64)) (Manifest, error) {
	var m Manifest
	if err := sealedtar.Read(src, ids, trusted, kind, &m, handle, progress); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// seal writes m, with the entries written and key's public half, and its
// signature by key, then ends the tar and age streams.
func seal(w *sealedtar.Writer, m *Manifest, key ed25519.PrivateKey) error {
	m.Format, m.Entries = Format, w.Entries()
	m.SigningKey = sealedtar.PublicKeyOf(key.Public().(ed25519.PublicKey))
	return w.Close(m, key)
}

// Verify checks a backup offline: it decrypts it with ids and checks the
// manifest's signature (by trusted when not nil) and every entry against
// it. Anything wrong is a *Problem naming the entry, or ErrWrongKey.
func Verify(src io.Reader, ids []age.Identity, trusted ed25519.PublicKey, progress func(int64)) (Manifest, error) {
	return read(src, ids, trusted, nil, progress)
}
