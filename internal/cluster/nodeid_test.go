package cluster

import (
	"strings"
	"testing"
)

// A given node id is kept when it is a plain name and refused otherwise;
// without one, each call makes a new id from the host name.
func TestNodeID(t *testing.T) {
	if id, err := NodeID("ward-east.2"); err != nil || id != "ward-east.2" {
		t.Errorf("given id: %q %v", id, err)
	}
	for _, bad := range []string{"-x", "a b", "a\nb", strings.Repeat("x", 64), "nœud"} {
		if _, err := NodeID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	a, err := NodeID("")
	b, _ := NodeID("")
	if err != nil || a == b || !validNodeID.MatchString(a) {
		t.Errorf("made ids %q and %q: %v", a, b, err)
	}
}
