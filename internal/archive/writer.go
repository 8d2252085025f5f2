package archive

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"io"
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward/internal/sealedtar"
)

// Writer writes an archive: entries into a tar stream inside an age
// stream, each hashed as it passes, then the signed manifest. Nothing is
// held back but the current line part (parts.go).
type Writer struct {
	w     *sealedtar.Writer
	names map[string]bool
	// Plain counts the entry bytes written so far (the plaintext).
	Plain int64
}

// NewWriter starts an archive on dst, encrypted to r.
func NewWriter(dst io.Writer, r age.Recipient, at time.Time) (*Writer, error) {
	w, err := sealedtar.NewWriter(dst, r, at, kind)
	if err != nil {
		return nil, err
	}
	return &Writer{w: w, names: map[string]bool{}}, nil
}

// Add writes an entry of exactly size bytes read from r.
func (w *Writer) Add(name string, size int64, r io.Reader) error {
	if w.names[name] || name == ManifestName || name == SignatureName {
		return fmt.Errorf("archive: entry %s twice", name)
	}
	w.names[name] = true
	err := w.w.Add(name, size, r, nil)
	w.Plain = w.w.Written()
	if err != nil {
		return err
	}
	if k, _ := io.ReadFull(r, make([]byte, 1)); k > 0 {
		return fmt.Errorf("archive: entry %s has more than the %d bytes expected", name, size)
	}
	return nil
}

// AddBytes writes an entry holding b.
func (w *Writer) AddBytes(name string, b []byte) error {
	return w.Add(name, int64(len(b)), bytes.NewReader(b))
}

// Close writes the manifest, with the entries so far and key's public half,
// and its signature by key, then ends the tar and age streams. The
// destination is not closed.
func (w *Writer) Close(m *Manifest, key ed25519.PrivateKey) error {
	m.Format, m.Entries = Format, w.w.Entries()
	m.SigningKey = sealedtar.PublicKeyOf(key.Public().(ed25519.PublicKey))
	return w.w.Close(m, key)
}
