package realtime

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// WireKeySize is the size of the key that seals what nodes tell each other.
const WireKeySize = chacha20poly1305.KeySize

// wireVersion is the first byte of every sealed NATS payload. Version 1
// had no replay header; version 2 carried one event a payload, in JSON
// (version 3: batches, wireevent.go). A node drops what it cannot open, so
// nodes of two versions in one cluster do not hear each other (clients
// catch up by sequence): upgrade every node together.
const wireVersion = 3

// wireSeal seals every payload a node publishes on NATS, events and
// presence alike, with XChaCha20-Poly1305 under the cluster's one wire key
// (kept in the database wrapped by the master key, so every node has it and
// the NATS server and whoever reads its traffic do not). The subject is the
// additional data: a payload moved to another subject does not open. The
// nonce is random; at 192 bits it never repeats in any cluster's life.
//
// A payload that does not open (another key, altered, not ward's) is
// dropped: nodes learn nothing from it. So is a replayed one: inside the
// seal every payload carries its publisher's random id (new each time a
// node starts), a counter and the time it was sealed, and open refuses a
// payload sealed more than replayWindow ago or ahead, and a counter it
// has already opened from that publisher on that subject. Counters are
// remembered in a window of the last replaySlots a publisher: a node
// publishes from many goroutines, so its payloads can reach NATS a little
// out of the order they were sealed in.
type wireSeal struct {
	aead cipher.AEAD
	id   [16]byte
	next atomic.Uint64
	now  func() time.Time

	mu   sync.Mutex
	seen map[replayKey]*replayState
}

// replayWindow bounds how old (or, between clocks, how far ahead) a
// payload may be; replaySlots is how many counters a publisher's window
// holds.
const (
	replayWindow = time.Minute
	replaySlots  = 1024
)

// wireHeader is what seal puts before the message, inside the seal: the
// publisher's id, the counter and the time in Unix milliseconds.
const wireHeader = 16 + 8 + 8

type replayKey struct {
	subject string
	from    [16]byte
}

type replayState struct {
	highest uint64
	slots   [replaySlots]uint64 // counter c is remembered at c % replaySlots
	heard   time.Time
}

func newWireSeal(key []byte) (*wireSeal, error) {
	if len(key) != WireKeySize {
		return nil, errors.New("realtime: the NATS wire key must be 32 bytes")
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	s := &wireSeal{aead: aead, now: time.Now, seen: map[replayKey]*replayState{}}
	rand.Read(s.id[:])
	return s, nil
}

// overhead is how many bytes seal adds to a message: the version byte,
// the nonce, the header and the tag.
func (s *wireSeal) overhead() int { return 1 + s.aead.NonceSize() + wireHeader + s.aead.Overhead() }

// seal returns version || nonce || ciphertext of header || msg for
// subject.
func (s *wireSeal) seal(subject string, msg []byte) []byte {
	n := s.aead.NonceSize()
	plain := make([]byte, wireHeader, wireHeader+len(msg))
	copy(plain, s.id[:])
	binary.BigEndian.PutUint64(plain[16:], s.next.Add(1))
	binary.BigEndian.PutUint64(plain[24:], uint64(s.now().UnixMilli()))
	plain = append(plain, msg...)
	out := make([]byte, 1+n, 1+n+len(plain)+s.aead.Overhead())
	out[0] = wireVersion
	rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], plain, []byte(subject))
}

// open reverses seal; ok is false for anything seal did not make with this
// key for this subject, and for what was opened before or sealed too long
// ago.
func (s *wireSeal) open(subject string, data []byte) (msg []byte, ok bool) {
	n := s.aead.NonceSize()
	if len(data) < s.overhead() || data[0] != wireVersion {
		return nil, false
	}
	plain, err := s.aead.Open(nil, data[1:1+n], data[1+n:], []byte(subject))
	if err != nil || len(plain) < wireHeader {
		return nil, false
	}
	key := replayKey{subject: subject, from: [16]byte(plain[:16])}
	counter := binary.BigEndian.Uint64(plain[16:])
	sealedAt := time.UnixMilli(int64(binary.BigEndian.Uint64(plain[24:])))
	if !s.fresh(key, counter, sealedAt) {
		return nil, false
	}
	return plain[wireHeader:], true
}

// fresh reports whether counter from key's publisher, sealed at sealedAt,
// is neither too old nor opened before, and remembers it.
func (s *wireSeal) fresh(key replayKey, counter uint64, sealedAt time.Time) bool {
	now := s.now()
	if counter == 0 || sealedAt.Before(now.Add(-replayWindow)) || sealedAt.After(now.Add(replayWindow)) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.seen[key]
	if st == nil {
		s.forgetSilent(now)
		st = &replayState{}
		s.seen[key] = st
	}
	slot := &st.slots[counter%replaySlots]
	if counter+replaySlots <= st.highest || *slot == counter {
		return false
	}
	*slot = counter
	st.highest = max(st.highest, counter)
	st.heard = now
	return true
}

// forgetSilent drops the windows of publishers not heard from in a
// replayWindow: whatever they sealed is too old to open now anyway.
func (s *wireSeal) forgetSilent(now time.Time) {
	for k, st := range s.seen {
		if now.Sub(st.heard) > replayWindow {
			delete(s.seen, k)
		}
	}
}
