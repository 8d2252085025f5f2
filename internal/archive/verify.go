package archive

import (
	"crypto/ed25519"
	"errors"
	"io"

	"filippo.io/age"

	"github.com/wardhealth/ward/internal/sealedtar"
)

// Problem is what Verify found wrong, naming the entry when there is one.
type Problem = sealedtar.Problem

// ErrWrongKey is Verify's answer when the key does not open the file.
var ErrWrongKey = errors.New("wrong key: the archive is not encrypted to this identity or passphrase")

// Report is what an intact archive holds.
type Report struct {
	Manifest Manifest
	Bytes    int64 // entry bytes read and hashed (the plaintext)
}

// Verify reads an archive from src, decrypting it with ids, and checks it:
// the manifest's signature (by trusted when it is not nil; otherwise by
// the key the manifest names, which the caller should compare with the
// org's), and every entry's size and SHA-256 against the manifest. Any
// entry missing, added, changed or repeated, a truncated or altered file
// and a wrong key are a *Problem (or ErrWrongKey) naming what is wrong.
// progress, when not nil, hears the plaintext bytes read so far.
func Verify(src io.Reader, ids []age.Identity, trusted ed25519.PublicKey, progress func(plain int64)) (Report, error) {
	var rep Report
	err := sealedtar.Read(src, ids, trusted, kind, &rep.Manifest, nil, func(n int64) {
		rep.Bytes += n
		if progress != nil {
			progress(rep.Bytes)
		}
	})
	return rep, err
}
