package backup

import (
	"archive/tar"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"

	"github.com/wardhealth/ward/internal/archive"
)

// Problem is what is wrong with a backup, naming the entry when there is one.
type Problem struct {
	Entry string // the entry at fault, "" when the fault is the file's
	What  string
}

func (p *Problem) Error() string {
	if p.Entry == "" {
		return p.What
	}
	return "entry " + p.Entry + ": " + p.What
}

// ErrWrongKey is the answer when the key does not open the backup.
var ErrWrongKey = errors.New("wrong key: the backup is not encrypted to this identity or passphrase")

// maxManifest bounds the manifest read into memory.
const maxManifest = 256 << 20

// read decrypts a backup from src and walks its entries: handle (nil:
// discard) reads each entry but the manifest and signature, as stored;
// every entry is hashed as it passes. At the end the manifest's signature
// (by trusted when not nil, else by the key it names) and every entry's
// size and hash are checked. A handler's error ends the walk as is.
func read(src io.Reader, ids []age.Identity, trusted ed25519.PublicKey, handle func(name string, r io.Reader) error,
	progress func(int64)) (Manifest, error) {
	in := &eofReader{r: src}
	dec, err := age.Decrypt(in, ids...)
	if err != nil {
		if errors.As(err, new(*age.NoIdentityMatchError)) {
			return Manifest{}, ErrWrongKey
		}
		return Manifest{}, &Problem{What: "not a readable age file (header damaged or not a ward backup): " + err.Error()}
	}
	tr := tar.NewReader(dec)
	seen := map[string]Entry{}
	var order []string
	var manifest, sig []byte
	current := ""
	fail := func(err error) (Manifest, error) {
		what := "the file is truncated or was altered"
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			what = "the file is truncated"
		case strings.Contains(err.Error(), "authenticate") && in.eof:
			what = "the file is truncated, or its end altered: its final chunk fails authentication"
		case strings.Contains(err.Error(), "authenticate"):
			what = "the encrypted file was altered (a chunk fails authentication)"
		}
		if current != "" {
			what += " while reading this entry"
		}
		return Manifest{}, &Problem{Entry: current, What: what + " (" + err.Error() + ")"}
	}
	buf := make([]byte, 1<<20)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		current = hdr.Name
		if _, dup := seen[hdr.Name]; dup {
			return Manifest{}, &Problem{Entry: hdr.Name, What: "appears twice"}
		}
		if sig != nil {
			return Manifest{}, &Problem{Entry: hdr.Name, What: "was added after the signed manifest"}
		}
		h := sha256.New()
		cr := &countReader{r: io.TeeReader(tr, h), progress: progress}
		if hdr.Name == ManifestName || hdr.Name == SignatureName {
			if hdr.Size > maxManifest {
				return Manifest{}, &Problem{Entry: hdr.Name, What: "is too large"}
			}
			b, err := io.ReadAll(cr)
			if err != nil {
				return fail(err)
			}
			if hdr.Name == ManifestName {
				manifest = b
			} else {
				sig = b
			}
		} else {
			if handle != nil {
				if err := handle(hdr.Name, cr); err != nil {
					if cr.err != nil { // the backup failed, not the handler
						return fail(cr.err)
					}
					return Manifest{}, err
				}
			}
			if _, err := io.CopyBuffer(io.Discard, cr, buf); err != nil {
				return fail(err)
			}
		}
		seen[hdr.Name] = Entry{Name: hdr.Name, Size: cr.n, SHA256: hex.EncodeToString(h.Sum(nil))}
		order = append(order, hdr.Name)
	}
	current = ""
	if _, err := io.Copy(io.Discard, dec); err != nil { // the age reader reports a missing final chunk at its end
		return fail(err)
	}
	if manifest == nil {
		return Manifest{}, &Problem{Entry: ManifestName, What: "is missing: the file is truncated or not a ward backup"}
	}
	if sig == nil {
		return Manifest{}, &Problem{Entry: SignatureName, What: "is missing: the file is truncated or the manifest is unsigned"}
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return Manifest{}, &Problem{Entry: ManifestName, What: "does not decode: " + err.Error()}
	}
	if m.Format != Format {
		return Manifest{}, &Problem{Entry: ManifestName, What: fmt.Sprintf("format %q, want %q", m.Format, Format)}
	}
	if err := checkSignature(&m, manifest, sig, trusted); err != nil {
		return Manifest{}, err
	}
	listed := map[string]bool{}
	for _, e := range m.Entries {
		listed[e.Name] = true
		got, ok := seen[e.Name]
		switch {
		case !ok:
			return Manifest{}, &Problem{Entry: e.Name, What: "is listed in the signed manifest but missing from the backup (dropped)"}
		case got.Size != e.Size:
			return Manifest{}, &Problem{Entry: e.Name, What: fmt.Sprintf("has %d bytes, the signed manifest says %d (changed)", got.Size, e.Size)}
		case got.SHA256 != e.SHA256:
			return Manifest{}, &Problem{Entry: e.Name, What: "its SHA-256 differs from the signed manifest (changed)"}
		}
	}
	for _, name := range order {
		if !listed[name] && name != ManifestName && name != SignatureName {
			return Manifest{}, &Problem{Entry: name, What: "is not in the signed manifest (added)"}
		}
	}
	if len(order) < 2 || order[len(order)-1] != SignatureName || order[len(order)-2] != ManifestName {
		return Manifest{}, &Problem{Entry: ManifestName, What: "is not followed by its signature at the end of the backup"}
	}
	return m, nil
}

func checkSignature(m *Manifest, manifest, sig []byte, trusted ed25519.PublicKey) error {
	pub, err := base64.StdEncoding.DecodeString(m.SigningKey.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return &Problem{Entry: ManifestName, What: "names no valid Ed25519 public key"}
	}
	if archive.KeyID(pub) != m.SigningKey.KeyID {
		return &Problem{Entry: ManifestName, What: "its key id does not match its public key"}
	}
	if trusted != nil && !ed25519.PublicKey(pub).Equal(trusted) {
		return &Problem{Entry: ManifestName, What: fmt.Sprintf("is signed by key %s, not by the trusted key %s",
			archive.KeyID(pub), archive.KeyID(trusted))}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
	if err != nil || !ed25519.Verify(pub, signedMessage(manifest), raw) {
		return &Problem{Entry: ManifestName, What: fmt.Sprintf("its signature does not verify with key %s (the manifest or signature was changed)",
			archive.KeyID(pub))}
	}
	return nil
}

// countReader counts what passes and remembers the source's error.
type countReader struct {
	r        io.Reader
	n        int64
	err      error
	progress func(int64)
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(int64(n))
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// eofReader notes when its reader has reached the end.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}

// Verify checks a backup offline: it decrypts it with ids and checks the
// manifest's signature (by trusted when not nil) and every entry against
// it. Anything wrong is a *Problem naming the entry, or ErrWrongKey.
func Verify(src io.Reader, ids []age.Identity, trusted ed25519.PublicKey, progress func(int64)) (Manifest, error) {
	return read(src, ids, trusted, nil, progress)
}
