package liveaudit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wardhealth/ward/internal/audit"
)

// deliveryFlushEvery is how often pending delivery records are written.
const deliveryFlushEvery = time.Second

// DeliveryAudit records the PHI pushed to one socket: it is the socket's
// realtime.DeliveryAudit. Make one with Flusher.Socket.
type DeliveryAudit struct {
	f      *Flusher
	org    string
	actor  audit.Actor
	onFail func() // closes the socket when its records cannot be written

	mu      sync.Mutex
	pending map[string]delivered // by conversation; nil when nothing is pending
	round   *flushRound          // the last shared flush that took this socket's records
	closed  bool
}

// delivered is what one socket was sent of one conversation since its
// records were last taken.
type delivered struct {
	patient     string
	first, last int64
	n           int
}

// Flusher writes the sockets' pending records through one recorder: it
// holds the sockets with pending records, and the timer of the next shared
// flush (armed only while one is pending). One serves a node.
type Flusher struct {
	rec *audit.Recorder
	log *slog.Logger

	mu    sync.Mutex
	dirty []*DeliveryAudit
	timer *time.Timer
}

// New builds the Flusher that writes delivery records through rec and
// logs the ones it loses to log.
func New(rec *audit.Recorder, log *slog.Logger) *Flusher { return &Flusher{rec: rec, log: log} }

// flushRound is one shared flush; done is closed when its Record returns.
type flushRound struct{ done chan struct{} }

// Socket starts the delivery record of a socket signed in as actor in
// org. onFail, if not nil, is called (outside any lock) when a record
// could not be written: it should close the socket.
func (f *Flusher) Socket(org string, actor audit.Actor, onFail func()) *DeliveryAudit {
	return &DeliveryAudit{f: f, org: org, actor: actor, onFail: onFail}
}

// Queued notes that the frame of message seq of conversation conv, about
// patient (or ""), was queued for the socket. It never blocks on I/O.
func (d *DeliveryAudit) Queued(conv, patient string, seq int64) {
	d.mu.Lock()
	first := d.pending == nil
	if first {
		d.pending = make(map[string]delivered, 1)
	}
	e, ok := d.pending[conv]
	if !ok {
		e = delivered{patient: patient, first: seq, last: seq}
	}
	e.first, e.last, e.n = min(e.first, seq), max(e.last, seq), e.n+1
	d.pending[conv] = e
	closed := d.closed
	d.mu.Unlock()
	switch {
	case closed: // not expected (Release stops the queueing first): write it at once
		go d.Close()
	case first:
		d.f.add(d)
	}
}

// Close writes what the socket has pending, durably, and returns when it
// is written (or could not be), after a shared flush that took some of its
// records has returned too. Calling it twice is harmless.
func (d *DeliveryAudit) Close() {
	d.mu.Lock()
	d.closed = true
	pending, round := d.pending, d.round
	d.pending = nil
	d.mu.Unlock()
	if round != nil {
		<-round.done
	}
	if len(pending) == 0 {
		return
	}
	events := d.events(nil, pending)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.f.rec.Record(ctx, events...); err != nil {
		d.f.log.Error("socket delivery records lost: the audit trail could not be written",
			"user", d.actor.UserID, "conversations", len(pending), "err", err.Error())
	}
}

// events appends the socket's pending records to evs as audit events.
func (d *DeliveryAudit) events(evs []audit.Event, pending map[string]delivered) []audit.Event {
	for conv, e := range pending {
		evs = append(evs, audit.Event{OrgID: d.org, Actor: d.actor, Action: audit.MessageDelivered,
			ResourceType: "conversation", ResourceID: conv, PatientID: e.patient, Outcome: audit.Success,
			Reason: fmt.Sprintf("websocket: %d messages, seq %d to %d", e.n, e.first, e.last)})
	}
	return evs
}

// add puts a socket that has just got a pending record on the list of the
// next shared flush, arming its timer if it is the first.
func (f *Flusher) add(d *DeliveryAudit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dirty = append(f.dirty, d)
	if len(f.dirty) > 1 {
		return
	}
	if f.timer == nil {
		f.timer = time.AfterFunc(deliveryFlushEvery, f.Flush)
	} else {
		f.timer.Reset(deliveryFlushEvery)
	}
}

// Flush writes every socket's pending records, in Record calls
// of about deliveryChunk events each, one after the other: a flush of
// thousands of sockets does not hold the database's writer for long at a
// time (sends are committed between the chunks). On failure the sockets of
// the chunk keep their records (their Close tries them again) and are
// closed (onFail): reads fail when the audit trail does.
func (f *Flusher) Flush() {
	f.mu.Lock()
	dirty := f.dirty
	f.dirty = nil
	f.mu.Unlock()
	round := &flushRound{done: make(chan struct{})}
	defer close(round.done)
	taken := make([]map[string]delivered, len(dirty))
	for i, d := range dirty {
		d.mu.Lock()
		taken[i] = d.pending
		d.pending = nil
		if !d.closed {
			d.round = round
		}
		d.mu.Unlock()
	}
	var events []audit.Event
	from := 0 // the first socket whose records are in events
	for i, d := range dirty {
		events = d.events(events, taken[i])
		if len(events) < deliveryChunk && i < len(dirty)-1 {
			continue
		}
		if len(events) > 0 {
			f.write(events, dirty[from:i+1], taken[from:i+1])
		}
		events, from = events[:0], i+1
	}
}

// deliveryChunk is about how many delivery records one Record call writes.
const deliveryChunk = 256

// write writes events, the records taken from sockets; on
// failure the sockets keep them and are closed.
func (f *Flusher) write(events []audit.Event, sockets []*DeliveryAudit, taken []map[string]delivered) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := f.rec.Record(ctx, events...)
	cancel()
	if err == nil {
		return
	}
	f.log.Error("socket delivery records not written: closing the sockets", "sockets", len(sockets), "err", err.Error())
	for i, d := range sockets {
		d.mu.Lock()
		for conv, e := range taken[i] {
			d.merge(conv, e)
		}
		d.mu.Unlock()
		if d.onFail != nil {
			d.onFail()
		}
	}
}

// merge adds e back to what is pending for conv (under mu).
func (d *DeliveryAudit) merge(conv string, e delivered) {
	if d.pending == nil {
		d.pending = make(map[string]delivered, 1)
	}
	if p, ok := d.pending[conv]; ok {
		e.first, e.last, e.n = min(e.first, p.first), max(e.last, p.last), e.n+p.n
	}
	d.pending[conv] = e
}
