package sealedtar

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
)

// maxManifest bounds the manifest and signature read into memory.
const maxManifest = 256 << 20

// header is the part of every manifest that Read checks.
type header struct {
	Format     string    `json:"format"`
	Entries    []Entry   `json:"entries"`
	SigningKey PublicKey `json:"signing_key"`
}

// Read decrypts a sealed tar of kind from src with ids and walks its
// entries: handle (nil: discard) reads each entry but the manifest and
// signature, as stored; progress (nil: none) hears the bytes of every
// entry as they pass. At the end the manifest is decoded into manifest,
// its signature checked (by trusted when not nil; otherwise by the key the
// manifest names, which the caller should compare with the org's), and
// every entry's size and SHA-256 against it. Any entry missing, added,
// changed or repeated, a truncated or altered file are a *Problem naming
// what is wrong; a wrong key is kind.WrongKey; a handler's error ends the
// walk as is.
func Read(src io.Reader, ids []age.Identity, trusted ed25519.PublicKey, kind Kind, manifest any,
	handle func(name string, r io.Reader) error, progress func(int64)) error {
	in := &eofReader{r: src}
	dec, err := age.Decrypt(in, ids...)
	if err != nil {
		if errors.As(err, new(*age.NoIdentityMatchError)) {
			return kind.WrongKey
		}
		return &Problem{What: "not a readable age file (header damaged or not a ward " + kind.Noun + "): " + err.Error()}
	}
	tr := tar.NewReader(dec)
	seen := map[string]Entry{}
	var order []string
	var body, sig []byte
	current := ""
	fail := func(err error) error {
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
		return &Problem{Entry: current, What: what + " (" + err.Error() + ")"}
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
			return &Problem{Entry: hdr.Name, What: "appears twice"}
		}
		if sig != nil {
			return &Problem{Entry: hdr.Name, What: "was added after the signed manifest"}
		}
		h := sha256.New()
		cr := &countReader{r: io.TeeReader(tr, h), progress: progress}
		if hdr.Name == ManifestName || hdr.Name == SignatureName {
			if hdr.Size > maxManifest {
				return &Problem{Entry: hdr.Name, What: "is too large"}
			}
			b, err := io.ReadAll(cr)
			if err != nil {
				return fail(err)
			}
			if hdr.Name == ManifestName {
				body = b
			} else {
				sig = b
			}
		} else {
			if handle != nil {
				if err := handle(hdr.Name, cr); err != nil {
					if cr.err != nil { // the file failed, not the handler
						return fail(cr.err)
					}
					return err
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
	if body == nil {
		return &Problem{Entry: ManifestName, What: "is missing: the file is truncated or not a ward " + kind.Noun}
	}
	if sig == nil {
		return &Problem{Entry: SignatureName, What: "is missing: the file is truncated or the manifest is unsigned"}
	}
	var m header
	if err := json.Unmarshal(body, &m); err != nil {
		return &Problem{Entry: ManifestName, What: "does not decode: " + err.Error()}
	}
	if err := json.Unmarshal(body, manifest); err != nil {
		return &Problem{Entry: ManifestName, What: "does not decode: " + err.Error()}
	}
	if m.Format != kind.Format {
		return &Problem{Entry: ManifestName, What: fmt.Sprintf("format %q, want %q", m.Format, kind.Format)}
	}
	if err := kind.checkSignature(m.SigningKey, body, sig, trusted); err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, e := range m.Entries {
		listed[e.Name] = true
		got, ok := seen[e.Name]
		switch {
		case !ok:
			return &Problem{Entry: e.Name, What: "is listed in the signed manifest but missing from the " + kind.Noun + " (dropped)"}
		case got.Size != e.Size:
			return &Problem{Entry: e.Name, What: fmt.Sprintf("has %d bytes, the signed manifest says %d (changed)", got.Size, e.Size)}
		case got.SHA256 != e.SHA256:
			return &Problem{Entry: e.Name, What: "its SHA-256 differs from the signed manifest (changed)"}
		}
	}
	for _, name := range order {
		if !listed[name] && name != ManifestName && name != SignatureName {
			return &Problem{Entry: name, What: "is not in the signed manifest (added)"}
		}
	}
	if len(order) < 2 || order[len(order)-1] != SignatureName || order[len(order)-2] != ManifestName {
		return &Problem{Entry: ManifestName, What: "is not followed by its signature at the end of the " + kind.Noun}
	}
	return nil
}

func (k Kind) checkSignature(signer PublicKey, manifest, sig []byte, trusted ed25519.PublicKey) error {
	pub, err := base64.StdEncoding.DecodeString(signer.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return &Problem{Entry: ManifestName, What: "names no valid Ed25519 public key"}
	}
	if KeyID(pub) != signer.KeyID {
		return &Problem{Entry: ManifestName, What: "its key id does not match its public key"}
	}
	if trusted != nil && !ed25519.PublicKey(pub).Equal(trusted) {
		return &Problem{Entry: ManifestName, What: fmt.Sprintf("is signed by key %s, not by the trusted key %s", KeyID(pub), KeyID(trusted))}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
	if err != nil || !ed25519.Verify(pub, k.signedMessage(manifest), raw) {
		return &Problem{Entry: ManifestName, What: fmt.Sprintf("its signature does not verify with key %s (the manifest or signature was changed)", KeyID(pub))}
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

// eofReader notes when its reader has reached the end: a chunk that fails
// authentication there is the last one, so the file was cut short.
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
