package realtime

import (
	"bytes"
	"testing"
	"time"
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

// TestWireSealRefusesReplays: a payload opens once; counters a little out
// of order open; one from before the window, one sealed too long ago or
// ahead, and one moved to another subject do not; two publishers' counters
// are their own.
func TestWireSealRefusesReplays(t *testing.T) {
	key := bytes.Repeat([]byte{7}, WireKeySize)
	newSeal := func(now time.Time) *wireSeal {
		s, err := newWireSeal(key)
		if err != nil {
			t.Fatal(err)
		}
		s.now = func() time.Time { return now }
		return s
	}
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	pub, sub := newSeal(now), newSeal(now)
	opens := func(sealed []byte) bool { _, ok := sub.open("ward.events", sealed); return ok }

	first := pub.seal("ward.events", []byte("one"))
	if msg, ok := sub.open("ward.events", first); !ok || string(msg) != "one" {
		t.Fatalf("open: %q %v", msg, ok)
	}
	if opens(first) {
		t.Error("the same payload opened twice")
	}
	var batch [][]byte
	for range 5 {
		batch = append(batch, pub.seal("ward.events", []byte("x")))
	}
	for _, i := range []int{4, 2, 0, 1, 3} {
		if !opens(batch[i]) {
			t.Errorf("payload %d of 5, opened out of order, was refused", i)
		}
	}
	if opens(batch[2]) {
		t.Error("a payload opened out of order opened again")
	}
	if _, ok := sub.open("ward.events.presence", pub.seal("ward.events", []byte("x"))); ok {
		t.Error("a payload moved to another subject opened")
	}
	early := pub.seal("ward.events", []byte("early"))
	for range replaySlots {
		if !opens(pub.seal("ward.events", []byte("x"))) {
			t.Fatal("a fresh payload was refused")
		}
	}
	if opens(early) {
		t.Errorf("a payload %d counters behind opened", replaySlots)
	}
	if opens(newSeal(now.Add(-replayWindow-time.Second)).seal("ward.events", []byte("old"))) {
		t.Error("a payload sealed more than the window ago opened")
	}
	if opens(newSeal(now.Add(replayWindow+time.Second)).seal("ward.events", []byte("ahead"))) {
		t.Error("a payload sealed more than the window ahead opened")
	}
	other := newSeal(now) // another node: its counters start at 1 too
	if !opens(other.seal("ward.events", []byte("x"))) {
		t.Error("another publisher's first payload was refused")
	}
}
