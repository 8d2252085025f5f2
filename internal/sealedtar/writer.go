package sealedtar

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
)

// Writer writes entries into a tar stream inside an age stream, hashing
// each as it passes, then the signed manifest.
type Writer struct {
	kind    Kind
	enc     io.WriteCloser
	tw      *tar.Writer
	modTime time.Time
	entries []Entry
	written int64
	buf     []byte
}

// NewWriter starts a sealed tar of kind on dst, encrypted to r; its
// entries are dated at.
func NewWriter(dst io.Writer, r age.Recipient, at time.Time, kind Kind) (*Writer, error) {
	enc, err := age.Encrypt(dst, r)
	if err != nil {
		return nil, err
	}
	return &Writer{kind: kind, enc: enc, tw: tar.NewWriter(enc), modTime: at.UTC().Truncate(time.Second), buf: make([]byte, 1<<20)}, nil
}

// Add writes an entry of exactly size bytes read from r (no more are
// read); progress, when not nil, hears the bytes as they go.
func (w *Writer) Add(name string, size int64, r io.Reader, progress func(int64)) error {
	if err := w.header(name, size); err != nil {
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
			return fmt.Errorf("%s: entry %s: %w", w.kind.Noun, name, err)
		}
	}
	if n != size {
		return fmt.Errorf("%s: entry %s has %d bytes, %d expected (it changed while being read)", w.kind.Noun, name, n, size)
	}
	w.entries = append(w.entries, Entry{Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// Entries are the entries written so far.
func (w *Writer) Entries() []Entry { return w.entries }

// Written counts the entry bytes written so far (the plaintext).
func (w *Writer) Written() int64 { return w.written }

func (w *Writer) header(name string, size int64) error {
	return w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: w.modTime,
		Format: tar.FormatPAX})
}

// Close writes manifest (as indented JSON: the caller has set its format,
// entries and signing key) and its signature by key, then ends the tar and
// age streams. The destination is not closed.
func (w *Writer) Close(manifest any, key ed25519.PrivateKey) error {
	body, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return err
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, w.kind.signedMessage(body)))
	for _, e := range []struct {
		name string
		b    []byte
	}{{ManifestName, body}, {SignatureName, []byte(sig + "\n")}} {
		if err := w.header(e.name, int64(len(e.b))); err != nil {
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
