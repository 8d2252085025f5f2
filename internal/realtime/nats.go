package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// NATSBroker carries events between the nodes of a cluster over core NATS
// publish/subscribe on one subject. Every node subscribes. A node hands its
// own events to its subscribers at once, as the LocalBroker does, and
// publishes them for the other nodes only: its connection asks the NATS
// server not to echo them back (NoEcho), so no node decodes its own events.
// Delivery is at most once, as it is over a socket: a client that misses an
// event catches up by sequence number.
//
// Events carry PHI as clients see it (a new message's body), so every
// payload is sealed under the cluster's wire key (wireSeal): the NATS
// server, and anyone who reads its traffic or subscribes with its
// credentials, sees ciphertext and subject names only.
type NATSBroker struct {
	nc      *nats.Conn
	sub     *nats.Subscription
	subject string
	wire    *wireSeal

	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

// wireEvent is an Event as it travels between nodes: with its recipients.
type wireEvent struct {
	Event
	OrgID   string   `json:"org_id"`
	Users   []string `json:"users,omitempty"`
	Devices []string `json:"devices,omitempty"`
	Except  string   `json:"except,omitempty"`
	PHI     bool     `json:"phi,omitempty"`
	Patient string   `json:"patient_id,omitempty"`
}

// NewNATSBroker connects to the NATS server at url (nats://host:4222) and
// subscribes to subject ("ward.events" when empty). key is the cluster's
// wire key (WireKeySize bytes, the same on every node).
func NewNATSBroker(url, subject string, key []byte) (*NATSBroker, error) {
	if subject == "" {
		subject = "ward.events"
	}
	wire, err := newWireSeal(key)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(url, nats.Name("ward"), nats.Timeout(5*time.Second), nats.MaxReconnects(-1), nats.NoEcho())
	if err != nil {
		return nil, fmt.Errorf("NATS at %s: %w", url, err)
	}
	b := &NATSBroker{nc: nc, subject: subject, wire: wire, subs: map[int]func(Event){}}
	b.sub, err = nc.Subscribe(subject, b.deliver)
	if err == nil {
		err = nc.Flush() // the subscription is in place before Publish can be called
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS subscribe %s: %w", subject, err)
	}
	return b, nil
}

func (b *NATSBroker) deliver(m *nats.Msg) {
	data, ok := b.wire.open(b.subject, m.Data)
	if !ok {
		return
	}
	var w wireEvent
	if json.Unmarshal(data, &w) != nil {
		return
	}
	ev := w.Event
	ev.OrgID, ev.Users, ev.Devices, ev.Except = w.OrgID, w.Users, w.Devices, w.Except
	ev.PHI, ev.PatientID = w.PHI, w.Patient
	b.local(ev)
}

// local hands ev to this node's subscribers.
func (b *NATSBroker) local(ev Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(ev)
	}
}

// Publish hands ev to this node's subscribers and sends it to every other
// node.
func (b *NATSBroker) Publish(_ context.Context, ev Event) error {
	b.local(ev)
	data, err := json.Marshal(wireEvent{Event: ev, OrgID: ev.OrgID, Users: ev.Users, Devices: ev.Devices, Except: ev.Except,
		PHI: ev.PHI, Patient: ev.PatientID})
	if err != nil {
		return err
	}
	return b.nc.Publish(b.subject, b.wire.seal(b.subject, data))
}

// Subscribe registers fn for the events of every node.
func (b *NATSBroker) Subscribe(fn func(Event)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// Close drains the subscription and closes the connection.
func (b *NATSBroker) Close() error {
	err := b.nc.Drain()
	b.nc.Close()
	return err
}
