package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"hash"

	"github.com/wardhealth/ward/internal/store"
)

// Every event gets a MAC when it is appended: HMAC-SHA-256, under the
// keyring's audit MAC key (keyring.AuditMACKey, which the database holds
// only wrapped by the master key), of
//
//	"ward audit event mac v1\x00" ‖ canonical(event with seq 0, no MAC)
//
// The seq is left out because it is assigned later, at sealing. A row
// written straight into the database cannot carry a valid MAC: the sealer
// refuses to chain it, and Verify flags it.

// macDomain separates event MACs from anything else the key might MAC.
const macDomain = "ward audit event mac v1\x00"

// MACSize is the size of an event MAC.
const MACSize = sha256.Size

// macer computes event MACs, reusing its buffers. Not safe for concurrent
// use.
type macer struct {
	h   hash.Hash
	buf []byte
}

func newMACer(key []byte) *macer {
	return &macer{h: hmac.New(sha256.New, key), buf: make([]byte, 0, 512)}
}

// sum returns the MAC of r's content, in a new slice.
func (m *macer) sum(r *store.AuditRow) []byte {
	e := fromRow(r)
	e.Seq, e.MAC = 0, nil
	m.buf = AppendCanonical(append(m.buf[:0], macDomain...), &e)
	m.h.Reset()
	m.h.Write(m.buf)
	return m.h.Sum(make([]byte, 0, MACSize))
}

// valid reports whether r carries the MAC of its content.
func (m *macer) valid(r *store.AuditRow) bool {
	return len(r.MAC) == MACSize && hmac.Equal(r.MAC, m.sum(r))
}

// MACOnInsert makes st give every audit row a MAC under key as it is
// inserted, whichever way it is appended (Append, a Recorder, a group
// commit), on SQLite and PostgreSQL. ward serve and every ward command that
// appends events call it with keyring.AuditMACKey.
func MACOnInsert(st *store.Store, key []byte) {
	key = bytes.Clone(key)
	st.MACAuditOnInsert(func(rows []store.AuditRow) {
		m := newMACer(key)
		for i := range rows {
			rows[i].MAC = m.sum(&rows[i])
		}
	})
}
