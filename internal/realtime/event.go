package realtime

import (
	"context"
	"encoding/json"
	"sync"
)

// Event types sent to clients.
const (
	MessageCreated      = "message.created"
	MessageRecalled     = "message.recalled"
	Receipt             = "receipt"
	ConversationUpdated = "conversation.updated"
	DeviceWipe          = "device.wipe"
	Typing              = "typing"
)

// Event is one thing to tell clients. Users and Devices say who gets it;
// they are never sent. Seq is the conversation's sequence number, so a
// client that reconnects knows what it missed.
type Event struct {
	Type           string          `json:"type"`
	OrgID          string          `json:"-"`
	ConversationID string          `json:"conversation_id,omitempty"`
	Seq            int64           `json:"seq,omitempty"`
	Data           json.RawMessage `json:"data,omitempty"`
	Users          []string        `json:"-"` // deliver to every socket of these users
	Devices        []string        `json:"-"` // and to every socket of these devices
	// Except names one socket (Conn.Key) that does not get the event: the
	// socket a message was sent over gets the answer to its send instead.
	Except string `json:"-"`
	// PHI says that Data holds PHI (a message's body, attachment names):
	// each socket the event is queued for tells its DeliveryAudit, so that
	// the delivery is audited. PatientID is the patient the conversation is
	// about, if any, for that record. Neither is sent to clients.
	PHI       bool   `json:"-"`
	PatientID string `json:"-"`
}

// Broker moves events to every node's subscribers. Publish must not block
// on slow subscribers.
type Broker interface {
	Publish(ctx context.Context, ev Event) error
	// Subscribe calls fn for every event published from now on, until
	// cancel is called. fn must not block.
	Subscribe(fn func(Event)) (cancel func())
}

// LocalBroker is the in-process Broker of a single node.
type LocalBroker struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

// NewLocalBroker returns an in-process broker.
func NewLocalBroker() *LocalBroker { return &LocalBroker{subs: map[int]func(Event){}} }

// Publish hands ev to every subscriber.
func (b *LocalBroker) Publish(_ context.Context, ev Event) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(ev)
	}
	return nil
}

// Subscribe registers fn.
func (b *LocalBroker) Subscribe(fn func(Event)) func() {
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
