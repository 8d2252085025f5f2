package archive

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"filippo.io/age"
)

// Writer writes an archive: entries into a tar stream inside an age
// stream, each hashed as it passes, then the signed manifest. Nothing is
// held back but the current line part (parts.go).
type Writer struct {
	enc     io.WriteCloser
	tw      *tar.Writer
	modTime time.Time
	entries []Entry
	names   map[string]bool
	// Plain counts the entry bytes written so far (the plaintext).
	Plain int64
}

// NewWriter starts an archive on dst, encrypted to r.
func NewWriter(dst io.Writer, r age.Recipient, at time.Time) (*Writer, error) {
	enc, err := age.Encrypt(dst, r)
	if err != nil {
		return nil, err
	}
	return &Writer{enc: enc, tw: tar.NewWriter(enc), modTime: at.UTC().Truncate(time.Second), names: map[string]bool{}}, nil
}

// Add writes an entry of exactly size bytes read from r.
func (w *Writer) Add(name string, size int64, r io.Reader) error {
	if w.names[name] || name == ManifestName || name == SignatureName {
		return fmt.Errorf("archive: entry %s twice", name)
	}
	w.names[name] = true
	if err := w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: w.modTime,
		Format: tar.FormatPAX}); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w.tw, h), io.LimitReader(r, size+1))
	w.Plain += n
	if err != nil {
		return fmt.Errorf("archive: entry %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("archive: entry %s has %d bytes, %d expected", name, n, size)
	}
	w.entries = append(w.entries, Entry{Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
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
	m.Format, m.Entries = Format, w.entries
	m.SigningKey = publicKey(key.Public().(ed25519.PublicKey))
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, signedMessage(body)))
	for _, e := range []struct {
		name string
		b    []byte
	}{{ManifestName, body}, {SignatureName, []byte(sig + "\n")}} {
		if err := w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Size: int64(len(e.b)), Mode: 0o600,
			ModTime: w.modTime, Format: tar.FormatPAX}); err != nil {
			return err
		}
		if _, err := w.tw.Write(e.b); err != nil {
			return err
		}
	}
	if err := w.tw.Close(); err != nil {
		return err
	}
	return w.enc.Close()
}
