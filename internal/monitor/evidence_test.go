package monitor

import (
	"slices"
	"testing"
)

// TestEvidenceSeqs: seqs older than the last range (from another window
// joining the alert) land where they belong and count once; an event's
// attempts count once however many findings name it.
func TestEvidenceSeqs(t *testing.T) {
	var ev Evidence
	for _, s := range []int64{10, 11, 20, 5, 12, 19, 7, 6, 11, 30} {
		ev.addSeq(s)
	}
	want := [][2]int64{{5, 7}, {10, 12}, {19, 20}, {30, 30}}
	if !slices.Equal(ev.SeqRanges, want) || ev.Events != 9 {
		t.Fatalf("ranges %v, %d events; want %v, 9", ev.SeqRanges, ev.Events, want)
	}
	ev.addAttempts(40, 72)
	ev.addAttempts(40, 72) // the same event from the account's finding
	ev.addAttempts(8, 3)
	if ev.Attempts != 75 || ev.Events != 11 {
		t.Fatalf("%d attempts, %d events; want 75, 11", ev.Attempts, ev.Events)
	}
}
