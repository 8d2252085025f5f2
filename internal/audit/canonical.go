package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"time"
)

// The canonical encoding of an event is what the chain hashes. It is
// deterministic and length-prefixed, so every field counts and no two
// different events encode alike:
//
//	version  1 byte (1)
//	seq      8 bytes, big-endian
//	time     8 bytes, big-endian two's complement Unix microseconds
//	11 strings, each a 4-byte big-endian length then UTF-8 bytes, in order:
//	org, actor user, actor role, actor device, actor IP, action,
//	resource type, resource id, patient id, outcome, reason
//
// An event with a MAC (every event appended since migration 0016) is
// version 2: the same, then a 12th length-prefixed string, the MAC, so the
// chain covers the MAC and stripping it breaks the chain.
//
// Changing it is a new version byte, never an edit.
const (
	canonicalVersion    = 1
	canonicalVersionMAC = 2
)

// HashSize is the size of a chain hash (SHA-256).
const HashSize = sha256.Size

// errCanonical is returned for bytes that are not a canonical encoding.
var errCanonical = errors.New("audit: not a canonical event encoding")

// AppendCanonical appends the canonical encoding of e to b.
func AppendCanonical(b []byte, e *Event) []byte {
	if len(e.MAC) > 0 {
		b = append(b, canonicalVersionMAC)
	} else {
		b = append(b, canonicalVersion)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixMicro()))
	for _, s := range [...]string{e.OrgID, e.Actor.UserID, e.Actor.Role, e.Actor.DeviceID, e.Actor.IP,
		string(e.Action), e.ResourceType, e.ResourceID, e.PatientID, string(e.Outcome), e.Reason} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	if len(e.MAC) > 0 {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.MAC)))
		b = append(b, e.MAC...)
	}
	return b
}

// DecodeCanonical parses a canonical encoding. Times come back in UTC.
func DecodeCanonical(b []byte) (Event, error) {
	var e Event
	if len(b) < 17 || b[0] != canonicalVersion && b[0] != canonicalVersionMAC {
		return e, errCanonical
	}
	n := 11
	if b[0] == canonicalVersionMAC {
		n = 12
	}
	e.Seq = int64(binary.BigEndian.Uint64(b[1:]))
	e.Time = time.UnixMicro(int64(binary.BigEndian.Uint64(b[9:]))).UTC()
	b = b[17:]
	var strs [12]string
	for i := range n {
		if len(b) < 4 {
			return Event{}, errCanonical
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return Event{}, errCanonical
		}
		strs[i], b = string(b[:n]), b[n:]
	}
	if len(b) != 0 || n == 12 && strs[11] == "" {
		return Event{}, errCanonical
	}
	if n == 12 {
		e.MAC = []byte(strs[11])
	}
	e.OrgID, e.Actor.UserID, e.Actor.Role, e.Actor.DeviceID, e.Actor.IP = strs[0], strs[1], strs[2], strs[3], strs[4]
	e.Action, e.ResourceType, e.ResourceID, e.PatientID = Action(strs[5]), strs[6], strs[7], strs[8]
	e.Outcome, e.Reason = Outcome(strs[9]), strs[10]
	return e, nil
}

// chainer computes chain hashes without allocating per event.
type chainer struct {
	h   hash.Hash
	buf []byte
	sum [HashSize]byte
}

func newChainer() *chainer { return &chainer{h: sha256.New(), buf: make([]byte, 0, 512)} }

// next returns SHA-256(prev ‖ canonical(e)). The result is valid until the
// next call.
func (c *chainer) next(prev []byte, e *Event) []byte {
	c.buf = AppendCanonical(c.buf[:0], e)
	c.h.Reset()
	c.h.Write(prev)
	c.h.Write(c.buf)
	return c.h.Sum(c.sum[:0])
}

// ChainHash returns SHA-256(prev ‖ canonical(e)): the hash the sealer
// stores for e, given the hash of the event before it (32 zero bytes for
// the first event).
func ChainHash(prev []byte, e *Event) []byte {
	return append([]byte(nil), newChainer().next(prev, e)...)
}

// genesis returns the "previous hash" of seq 1: 32 zero bytes.
func genesis() []byte { return make([]byte, HashSize) }
