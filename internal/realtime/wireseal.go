package realtime

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// WireKeySize is the size of the key that seals what nodes tell each other.
const WireKeySize = chacha20poly1305.KeySize

// wireVersion is the first byte of every sealed NATS payload.
const wireVersion = 1

// wireSeal seals every payload a node publishes on NATS, events and
// presence alike, with XChaCha20-Poly1305 under the cluster's one wire key
// (kept in the database wrapped by the master key, so every node has it and
// the NATS server and whoever reads its traffic do not). The subject is the
// additional data: a payload moved to another subject does not open. The
// nonce is random; at 192 bits it never repeats in any cluster's life.
//
// A payload that does not open (another key, altered, not ward's) is
// dropped: nodes learn nothing from it.
type wireSeal struct{ aead cipher.AEAD }

func newWireSeal(key []byte) (*wireSeal, error) {
	if len(key) != WireKeySize {
		return nil, errors.New("realtime: the NATS wire key must be 32 bytes")
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return &wireSeal{aead: aead}, nil
}

// seal returns version || nonce || ciphertext of msg for subject.
func (s *wireSeal) seal(subject string, msg []byte) []byte {
	n := s.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(msg)+s.aead.Overhead())
	out[0] = wireVersion
	rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], msg, []byte(subject))
}

// open reverses seal; ok is false for anything seal did not make with this
// key for this subject.
func (s *wireSeal) open(subject string, data []byte) (msg []byte, ok bool) {
	n := s.aead.NonceSize()
	if len(data) < 1+n+s.aead.Overhead() || data[0] != wireVersion {
		return nil, false
	}
	msg, err := s.aead.Open(nil, data[1:1+n], data[1+n:], []byte(subject))
	return msg, err == nil
}
