package realtime

import (
	"context"
	"encoding/binary"
	"errors"
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
// Events are published in batches: Publish queues the event, and one
// goroutine takes whatever is queued (a group commit's sends arrive
// together) and publishes it as one NATS message, sealed once. Under load a
// NATS message carries tens of events, and the NATS server, the seal and
// every node's subscription handle one message where they would have
// handled each event; alone, an event waits for nothing. A node's events
// reach the others in the order they were queued.
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

	qmu     sync.Mutex
	queued  [][]byte // encoded events (appendWireEvent) not yet published
	closed  bool
	wake    chan struct{} // a publishLoop round is due (capacity 1)
	stopped chan struct{} // publishLoop returned
	maxOut  int           // the largest batch to publish, under the server's max payload
}

// ErrEventTooLarge is what Publish returns for an event larger than a
// NATS message may be.
var ErrEventTooLarge = errors.New("realtime: the event is larger than a NATS message may be")

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
	b := &NATSBroker{nc: nc, subject: subject, wire: wire, subs: map[int]func(Event){},
		wake: make(chan struct{}, 1), stopped: make(chan struct{}), maxOut: int(nc.MaxPayload()) - wire.overhead()}
	b.sub, err = nc.Subscribe(subject, b.deliver)
	if err == nil {
		err = nc.Flush() // the subscription is in place before Publish can be called
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS subscribe %s: %w", subject, err)
	}
	go b.publishLoop()
	return b, nil
}

// deliver hands the events of a batch another node published to this
// node's subscribers.
func (b *NATSBroker) deliver(m *nats.Msg) {
	data, ok := b.wire.open(b.subject, m.Data)
	if !ok {
		return
	}
	eachBatched(data, b.local) // a batch that does not decode is dropped from there on
}

// local hands ev to this node's subscribers.
func (b *NATSBroker) local(ev Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(ev)
	}
}

// Publish hands ev to this node's subscribers and queues it for every
// other node.
func (b *NATSBroker) Publish(_ context.Context, ev Event) error {
	b.local(ev)
	data := appendWireEvent(nil, ev)
	if len(data)+binary.MaxVarintLen64 > b.maxOut {
		return ErrEventTooLarge
	}
	b.qmu.Lock()
	if b.closed {
		b.qmu.Unlock()
		return nats.ErrConnectionClosed
	}
	b.queued = append(b.queued, data)
	select { // under qmu: Close closes wake
	case b.wake <- struct{}{}:
	default: // a round is due already, and will take this event
	}
	b.qmu.Unlock()
	return nil
}

// publishLoop publishes what Publish queues, in batches of at most maxOut
// bytes, until Close, after which it publishes what is left and returns.
func (b *NATSBroker) publishLoop() {
	defer close(b.stopped)
	var batch []byte
	for range b.wake {
		for {
			b.qmu.Lock()
			queued := b.queued
			b.queued = nil
			b.qmu.Unlock()
			if len(queued) == 0 {
				break
			}
			for len(queued) > 0 {
				batch = batch[:0]
				for len(queued) > 0 && (len(batch) == 0 || len(batch)+binary.MaxVarintLen64+len(queued[0]) <= b.maxOut) {
					batch = appendBatched(batch, queued[0])
					queued = queued[1:]
				}
				b.nc.Publish(b.subject, b.wire.seal(b.subject, batch)) // at most once: an error loses the batch, as a dropped socket frame would
			}
		}
	}
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

// Close publishes what is queued, then drains the subscription and closes
// the connection. Publish returns an error after it.
func (b *NATSBroker) Close() error {
	b.qmu.Lock()
	if !b.closed {
		b.closed = true
		close(b.wake) // publishLoop takes what is queued, then returns
	}
	b.qmu.Unlock()
	<-b.stopped
	err := b.nc.Drain()
	b.nc.Close()
	return err
}
