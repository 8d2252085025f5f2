package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// Checkpoint is a signed chain head: "the chain through Seq ends in Hash",
// signed with Ed25519 by the key KeyID names. N counts checkpoints from 1
// without gaps, so a deleted checkpoint shows.
type Checkpoint struct {
	N     int64
	Seq   int64
	Hash  []byte
	At    time.Time
	KeyID string
	Sig   []byte
}

// KeyID is the fingerprint that names an Ed25519 public key in checkpoints:
// "ed25519:" and the first 16 bytes of SHA-256(key), in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:16])
}

// checkpointDomain separates checkpoint signatures from anything else the
// key might sign.
const checkpointDomain = "ward audit checkpoint v1\x00"

// SignedMessage is the canonical, length-prefixed message the signature
// covers: domain ‖ n ‖ seq ‖ len(hash) ‖ hash ‖ at (Unix µs) ‖ len(key id) ‖ key id.
func (c *Checkpoint) SignedMessage() []byte {
	b := make([]byte, 0, len(checkpointDomain)+8*3+8+len(c.Hash)+len(c.KeyID))
	b = append(b, checkpointDomain...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.N))
	b = binary.BigEndian.AppendUint64(b, uint64(c.Seq))
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.Hash)))
	b = append(b, c.Hash...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.At.UnixMicro()))
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.KeyID)))
	return append(b, c.KeyID...)
}

// sign fills KeyID and Sig.
func (c *Checkpoint) sign(key ed25519.PrivateKey) {
	c.KeyID = KeyID(key.Public().(ed25519.PublicKey))
	c.Sig = ed25519.Sign(key, c.SignedMessage())
}

// VerifySignature checks Sig against the trusted key whose KeyID matches.
func (c *Checkpoint) VerifySignature(trusted []ed25519.PublicKey) error {
	for _, k := range trusted {
		if KeyID(k) == c.KeyID {
			if ed25519.Verify(k, c.SignedMessage(), c.Sig) {
				return nil
			}
			return fmt.Errorf("signature does not verify with key %s", c.KeyID)
		}
	}
	return fmt.Errorf("signed by key %q, which is not trusted", c.KeyID)
}

// checkpointJSON is the JSON form written to sinks, one object a line.
type checkpointJSON struct {
	N     int64  `json:"n"`
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"` // hex
	At    string `json:"at"`   // RFC 3339, microseconds, UTC
	KeyID string `json:"key_id"`
	Sig   string `json:"sig"` // standard base64
}

// MarshalJSON writes the sink form.
func (c Checkpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkpointJSON{
		N: c.N, Seq: c.Seq, Hash: hex.EncodeToString(c.Hash), At: c.At.UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		KeyID: c.KeyID, Sig: base64.StdEncoding.EncodeToString(c.Sig),
	})
}

// UnmarshalJSON reads the sink form.
func (c *Checkpoint) UnmarshalJSON(b []byte) error {
	var j checkpointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	h, err := hex.DecodeString(j.Hash)
	if err != nil {
		return fmt.Errorf("checkpoint hash: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(j.Sig)
	if err != nil {
		return fmt.Errorf("checkpoint sig: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, j.At)
	if err != nil {
		return fmt.Errorf("checkpoint at: %w", err)
	}
	*c = Checkpoint{N: j.N, Seq: j.Seq, Hash: h, At: at.UTC(), KeyID: j.KeyID, Sig: sig}
	return nil
}

func (c *Checkpoint) toStore() store.AuditCheckpoint {
	return store.AuditCheckpoint{N: c.N, Seq: c.Seq, Hash: c.Hash, At: c.At, KeyID: c.KeyID, Sig: c.Sig}
}

func checkpointFromStore(s store.AuditCheckpoint) Checkpoint {
	return Checkpoint{N: s.N, Seq: s.Seq, Hash: s.Hash, At: s.At, KeyID: s.KeyID, Sig: s.Sig}
}
