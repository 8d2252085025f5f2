package realtime

import (
	"bytes"
	"testing"
)

// BenchmarkWireSeal is what sealing costs a node per event it sends and
// opens per event it receives: one message.created of a typical size.
func BenchmarkWireSeal(b *testing.B) {
	s, err := newWireSeal(bytes.Repeat([]byte{7}, WireKeySize))
	if err != nil {
		b.Fatal(err)
	}
	msg := bytes.Repeat([]byte("x"), 600)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		sealed := s.seal("ward.events", msg)
		if _, ok := s.open("ward.events", sealed); !ok {
			b.Fatal("does not open")
		}
	}
}
