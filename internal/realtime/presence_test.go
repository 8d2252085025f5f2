package realtime_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/realtime"
)

// The nodes of a cluster learn who is online on the others over NATS: the
// users a node had when another joined, those who come and go after, and
// none of a node that left (bye) or went silent (killed: three beats).
// A node's own users are not "online elsewhere".
func TestPresenceAcrossNodes(t *testing.T) {
	url, subject := natsURL(t), uniqueSubject()
	const beat = 50 * time.Millisecond
	join := func(id string, users ...string) (*realtime.NATSBroker, *realtime.Presence) {
		t.Helper()
		b := node(t, url, subject, testWireKey)
		p, err := b.StartPresence(id, func() []string { return slices.Clone(users) }, beat)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close) // before the broker's Close (cleanups run last first)
		return b, p
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s", what)
			}
		}
	}
	_, p1 := join("n1", "ann", "ben")
	_, p2 := join("n2", "cat")
	eventually("n2 learns n1's users", func() bool { return p2.Online("ann") && p2.Online("ben") })
	eventually("n1 learns n2's users", func() bool { return p1.Online("cat") })
	if p1.Online("ann") || p2.Online("cat") {
		t.Error("a node counts its own users as online elsewhere")
	}

	p1.Changed("dan", true)
	eventually("dan online on n1, seen by n2", func() bool { return p2.Online("dan") })
	p1.Changed("ann", false)
	eventually("ann offline", func() bool { return !p2.Online("ann") })
	if !p2.Online("ben") || !p2.Online("dan") {
		t.Error("n2 forgot n1's other users")
	}

	_, p3 := join("n3", "eve")
	eventually("a node joining later learns the others' users", func() bool { return p3.Online("ben") && p3.Online("cat") })
	eventually("and they learn its", func() bool { return p1.Online("eve") && p2.Online("eve") })

	p2.Close() // leaves: says bye
	eventually("n2's users gone at its bye", func() bool { return !p1.Online("cat") && !p3.Online("cat") })

	p3.Close()
	_, p4 := join("n4", "fay")
	eventually("n1 learns n4", func() bool { return p1.Online("fay") })
	realtime.SilencePresence(p4) // no beats, no bye: killed with -9
	eventually("a silent node is forgotten after three beats", func() bool { return !p1.Online("fay") })
}
