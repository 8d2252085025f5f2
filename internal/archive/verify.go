package archive

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

// Problem is what Verify found wrong, naming the entry when there is one.
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

// ErrWrongKey is Verify's answer when the key does not open the file.
var ErrWrongKey = errors.New("wrong key: the archive is not encrypted to this identity or passphrase")

// Report is what an intact archive holds.
type Report struct {
	Manifest Manifest
	Bytes    int64 // entry bytes read and hashed (the plaintext)
}

// maxManifest bounds the manifest and signature read into memory.
const maxManifest = 256 << 20

// Verify reads an archive from src, decrypting it with ids, and checks it:
// the manifest's signature (by trusted when it is not nil; otherwise by
// the key the manifest names, which the caller should compare with the
// org's), and every entry's size and SHA-256 against the manifest. Any
// entry missing, added, changed or repeated, a truncated or altered file
// and a wrong key are a *Problem (or ErrWrongKey) naming what is wrong.
func Verify(src io.Reader, ids []age.Identity, trusted ed25519.PublicKey, progress func(plain int64)) (Report, error) {
	in := &eofReader{r: src}
	dec, err := age.Decrypt(in, ids...)
	if err != nil {
		if errors.As(err, new(*age.NoIdentityMatchError)) {
			return Report{}, ErrWrongKey
		}
		return Report{}, &Problem{What: "not a readable age file (header damaged or not an archive): " + err.Error()}
	}
	var rep Report
	tr := tar.NewReader(dec)
	seen := map[string]Entry{}
	var order []string
	var manifest, sig []byte
	current := ""
	fail := func(err error) (Report, error) {
		what := "the file is truncated or was altered"
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			what = "the file is truncated"
		case strings.Contains(err.Error(), "authenticate") && in.eof:
			what = "the file is truncated, or its last 64 KiB altered: its final chunk fails authentication"
		case strings.Contains(err.Error(), "authenticate"):
			what = "the encrypted file was altered (a chunk fails authentication)"
		}
		if current != "" {
			what += " while reading this entry"
		}
		return rep, &Problem{Entry: current, What: what + " (" + err.Error() + ")"}
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
			return rep, &Problem{Entry: hdr.Name, What: "appears twice"}
		}
		if sig != nil {
			return rep, &Problem{Entry: hdr.Name, What: "was added after the signed manifest"}
		}
		h := sha256.New()
		var dst io.Writer = h
		var keep *[]byte
		if hdr.Name == ManifestName || hdr.Name == SignatureName {
			if hdr.Size > maxManifest {
				return rep, &Problem{Entry: hdr.Name, What: "is too large"}
			}
			b := make([]byte, 0, hdr.Size)
			if hdr.Name == ManifestName {
				keep = &manifest
			} else {
				keep = &sig
			}
			*keep = b
			dst = io.MultiWriter(h, appender{keep})
		}
		n, err := io.CopyBuffer(dst, tr, buf)
		rep.Bytes += n
		if progress != nil {
			progress(rep.Bytes)
		}
		if err != nil {
			return fail(err)
		}
		seen[hdr.Name] = Entry{Name: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		order = append(order, hdr.Name)
	}
	current = ""
	// The age reader reports a missing final chunk at its end: read it out.
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return fail(err)
	}
	if manifest == nil {
		return rep, &Problem{Entry: ManifestName, What: "is missing: the file is truncated or not a ward archive"}
	}
	if sig == nil {
		return rep, &Problem{Entry: SignatureName, What: "is missing: the file is truncated or the manifest is unsigned"}
	}
	if err := json.Unmarshal(manifest, &rep.Manifest); err != nil {
		return rep, &Problem{Entry: ManifestName, What: "does not decode: " + err.Error()}
	}
	m := &rep.Manifest
	if m.Format != Format {
		return rep, &Problem{Entry: ManifestName, What: fmt.Sprintf("format %q, want %q", m.Format, Format)}
	}
	if err := checkSignature(m, manifest, sig, trusted); err != nil {
		return rep, err
	}
	listed := map[string]bool{}
	for _, e := range m.Entries {
		listed[e.Name] = true
		got, ok := seen[e.Name]
		switch {
		case !ok:
			return rep, &Problem{Entry: e.Name, What: "is listed in the signed manifest but missing from the archive (dropped)"}
		case got.Size != e.Size:
			return rep, &Problem{Entry: e.Name, What: fmt.Sprintf("has %d bytes, the signed manifest says %d (changed)", got.Size, e.Size)}
		case got.SHA256 != e.SHA256:
			return rep, &Problem{Entry: e.Name, What: "its SHA-256 differs from the signed manifest (changed)"}
		}
	}
	for _, name := range order {
		if !listed[name] && name != ManifestName && name != SignatureName {
			return rep, &Problem{Entry: name, What: "is not in the signed manifest (added)"}
		}
	}
	if order[len(order)-1] != SignatureName || order[len(order)-2] != ManifestName {
		return rep, &Problem{Entry: ManifestName, What: "is not followed by its signature at the end of the archive"}
	}
	return rep, nil
}

func checkSignature(m *Manifest, manifest, sig []byte, trusted ed25519.PublicKey) error {
	pub, err := base64.StdEncoding.DecodeString(m.SigningKey.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return &Problem{Entry: ManifestName, What: "names no valid Ed25519 public key"}
	}
	if KeyID(pub) != m.SigningKey.KeyID {
		return &Problem{Entry: ManifestName, What: "its key id does not match its public key"}
	}
	if trusted != nil && !ed25519.PublicKey(pub).Equal(trusted) {
		return &Problem{Entry: ManifestName, What: fmt.Sprintf("is signed by key %s, not by the trusted key %s", KeyID(pub), KeyID(trusted))}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
	if err != nil || !ed25519.Verify(pub, signedMessage(manifest), raw) {
		return &Problem{Entry: ManifestName, What: fmt.Sprintf("its signature does not verify with key %s (the manifest or signature was changed)", KeyID(pub))}
	}
	return nil
}

// appender is an io.Writer that appends to a byte slice.
type appender struct{ b *[]byte }

func (a appender) Write(p []byte) (int, error) {
	*a.b = append(*a.b, p...)
	return len(p), nil
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
