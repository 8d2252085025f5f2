package realtime_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/realtime/natstest"
)

// userSet is a node's users with a socket, as its hub would report them.
type userSet struct {
	mu    sync.Mutex
	users []string
}

func (s *userSet) list() []string { s.mu.Lock(); defer s.mu.Unlock(); return slices.Clone(s.users) }
func (s *userSet) set(users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = users
}

// A NATS server that dies and comes back (an upgrade, a crash): the nodes
// reconnect by themselves, learn again who is online on the others,
// including what changed while NATS was away, and carry events again.
func TestPresenceAndEventsSurviveANATSRestart(t *testing.T) {
	srv := natstest.Start(t)
	subject := uniqueSubject()
	const beat = 100 * time.Millisecond
	var users1, users2 userSet
	users1.set("ann")
	users2.set("cat")
	b1, b2 := node(t, srv.URL(), subject, testWireKey), node(t, srv.URL(), subject, testWireKey)
	p1, err := b1.StartPresence("n1", users1.list, beat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p1.Close)
	p2, err := b2.StartPresence("n2", users2.list, beat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p2.Close)
	got1, got2 := make(chan realtime.Event, 16), make(chan realtime.Event, 16)
	b1.Subscribe(func(ev realtime.Event) { got1 <- ev })
	b2.Subscribe(func(ev realtime.Event) { got2 <- ev })
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 15 s", what)
			}
		}
	}
	// arrives publishes an event on from and waits for it on the other node.
	arrives := func(what string, from *realtime.NATSBroker, own, other chan realtime.Event, id string) {
		t.Helper()
		ev := realtime.Event{Type: "test.ping", OrgID: "o1", ConversationID: id, Users: []string{"ann", "cat"}}
		if err := from.Publish(context.Background(), ev); err != nil {
			t.Fatalf("%s: publish: %v", what, err)
		}
		<-own // its own subscribers have it at once
		timeout := time.After(15 * time.Second)
		for {
			select {
			case got := <-other:
				if got.ConversationID == id {
					return
				}
			case <-timeout:
				t.Fatalf("%s: event %s not on the other node within 15 s", what, id)
			}
		}
	}
	eventually("each node learns the other's users", func() bool { return p2.Online("ann") && p1.Online("cat") })
	arrives("before the restart", b1, got1, got2, "before")

	srv.Kill()
	// While NATS is away ann leaves n1 and dan arrives on it; n2 hears of
	// neither, and after three beats without n1 forgets its users.
	users1.set("dan")
	p1.Changed("ann", false)
	p1.Changed("dan", true)
	eventually("n2 forgets n1 while NATS is away", func() bool { return !p2.Online("ann") })
	srv.Restart()

	eventually("after NATS is back, n2 knows n1's users as they are now", func() bool {
		return p2.Online("dan") && !p2.Online("ann")
	})
	eventually("and n1 knows n2's again", func() bool { return p1.Online("cat") })
	arrives("after the restart, n1 to n2", b1, got1, got2, "after-1")
	arrives("after the restart, n2 to n1", b2, got2, got1, "after-2")
}
