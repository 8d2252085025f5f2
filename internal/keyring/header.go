package keyring

import (
	"encoding/binary"
	"encoding/hex"

	"github.com/wardhealth/ward"
)

// The ciphertext formats. The first byte names the format, so a future
// format can be read beside this one.
//
// A sealed field:
//
//	0x01 | key id (16) | nonce (12) | AES-256-GCM ciphertext and tag (16)
//
// An attachment stream:
//
//	0x02 | key id (16) | nonce prefix (8) | chunk … chunk
//
// where every chunk but the last holds exactly ChunkSize bytes of plaintext
// plus a 16-byte tag, and the last (flagged as final in its associated data)
// holds 0 to ChunkSize bytes plus its tag.
const (
	formatField  byte = 0x01
	formatStream byte = 0x02

	keyIDSize    = 16
	nonceSize    = 12
	tagSize      = 16
	prefixSize   = 8
	fieldHdrSize = 1 + keyIDSize + nonceSize  // 29
	streamHdrLen = 1 + keyIDSize + prefixSize // 25
	// FieldOverhead is how many bytes Seal adds to a plaintext.
	FieldOverhead = fieldHdrSize + tagSize
)

// keyID is a data key's id as written in headers; it is stored as hex.
type keyID [keyIDSize]byte

func (k keyID) String() string { return hex.EncodeToString(k[:]) }

func parseKeyID(s string) (keyID, bool) {
	var k keyID
	if hex.DecodedLen(len(s)) != keyIDSize {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(s))
	return k, err == nil
}

// fieldHeader is the parsed header of a sealed field.
type fieldHeader struct {
	key   keyID
	nonce [nonceSize]byte
}

// parseFieldHeader splits a sealed field into its header and the
// ciphertext with its tag. It never panics, whatever b holds.
func parseFieldHeader(b []byte) (fieldHeader, []byte, error) {
	var h fieldHeader
	if len(b) == 0 {
		return h, nil, errCorrupt("empty ciphertext")
	}
	if b[0] != formatField {
		return h, nil, errCorrupt("unknown ciphertext format")
	}
	if len(b) < fieldHdrSize+tagSize {
		return h, nil, errCorrupt("ciphertext is truncated")
	}
	copy(h.key[:], b[1:1+keyIDSize])
	copy(h.nonce[:], b[1+keyIDSize:fieldHdrSize])
	return h, b[fieldHdrSize:], nil
}

// streamHeader is the parsed header of an attachment stream.
type streamHeader struct {
	key    keyID
	prefix [prefixSize]byte
}

func (h streamHeader) bytes() []byte {
	b := make([]byte, streamHdrLen)
	b[0] = formatStream
	copy(b[1:], h.key[:])
	copy(b[1+keyIDSize:], h.prefix[:])
	return b
}

// parseStreamHeader reads the header at the start of an attachment stream.
func parseStreamHeader(b []byte) (streamHeader, error) {
	var h streamHeader
	if len(b) < streamHdrLen {
		return h, errCorrupt("attachment header is truncated")
	}
	if b[0] != formatStream {
		return h, errCorrupt("unknown attachment format")
	}
	copy(h.key[:], b[1:1+keyIDSize])
	copy(h.prefix[:], b[1+keyIDSize:streamHdrLen])
	return h, nil
}

// appendAD appends the associated data that binds a ciphertext to where it
// belongs: each of org, scope, record and field, length-prefixed (4 bytes,
// big-endian), so no two distinct refs encode alike.
func appendAD(dst []byte, r Ref) []byte {
	for _, s := range [...]string{r.Org, r.Scope, r.Record, r.Field} {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

func adLen(r Ref) int { return 16 + len(r.Org) + len(r.Scope) + len(r.Record) + len(r.Field) }

// errCorrupt is the error for a ciphertext that does not open.
func errCorrupt(msg string) error {
	return ward.Errorf(ward.CodeIntegrity, "stored data failed its integrity check: %s", msg)
}
