package backup

import (
	"archive/tar"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward/internal/archive"
)

// writer writes entries into a tar stream inside an age stream, hashing
// each as it passes, then the signed manifest.
type writer struct {
	enc     io.WriteCloser
	tw      *tar.Writer
	modTime time.Time
	entries []Entry
	written int64 // entry bytes so far
	buf     []byte
}

func newWriter(dst io.Writer, r age.Recipient, at time.Time) (*writer, error) {
	enc, err := age.Encrypt(dst, r)
	if err != nil {
		return nil, err
	}
	return &writer{enc: enc, tw: tar.NewWriter(enc), modTime: at.UTC().Truncate(time.Second), buf: make([]byte, 1<<20)}, nil
}

// add writes an entry of exactly size bytes from r; progress, when not
// nil, hears the bytes as they go.
func (w *writer) add(name string, size int64, r io.Reader, progress func(int64)) error {
	if err := w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: w.modTime,
		Format: tar.FormatPAX}); err != nil {
		return err
	}
	h := sha256.New()
	var n int64
	for n < size {
		k, err := r.Read(w.buf[:min(int64(len(w.buf)), size-n)])
		if k > 0 {
			h.Write(w.buf[:k])
			if _, werr := w.tw.Write(w.buf[:k]); werr != nil {
				return werr
			}
			n += int64(k)
			w.written += int64(k)
			if progress != nil {
				progress(int64(k))
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("backup: entry %s: %w", name, err)
		}
	}
	if n != size {
		return fmt.Errorf("backup: entry %s has %d bytes, %d expected (it changed while being read)", name, n, size)
	}
	w.entries = append(w.entries, Entry{Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// close writes the manifest with the entries and its signature by key,
// then ends the tar and age streams.
func (w *writer) close(m *Manifest, key ed25519.PrivateKey) error {
	m.Format, m.Entries = Format, w.entries
	pub := key.Public().(ed25519.PublicKey)
	m.SigningKey = archive.PublicKey{KeyID: archive.KeyID(pub), PublicKey: base64.StdEncoding.EncodeToString(pub)}
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

func signedMessage(manifest []byte) []byte {
	return append([]byte(signatureDomain), manifest...)
}
