package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wardhealth/ward/internal/audit"
)

// Live reads: the audit of PHI pushed over a WebSocket.
//
// A message.created event carries the body, and the web client shows it
// without fetching it: each socket it is queued for is a read of PHI by
// the socket's user. Recording one event per frame through the recorder
// would cost a row per recipient per message; instead each socket keeps
// in memory, per conversation, the range of seqs queued for it, and writes
// one message.delivered event per conversation through the recorder's
// group commit at most about once a second, and when the socket closes
// (realtime.Conn.Release calls Close before the hub lets go of the socket,
// so a server shutting down waits for it). The hot path, one frame for one
// socket, is a mutex and a map update: no I/O.
//
// The record is written after the frame, within about a second, not
// before it: DESIGN.md invariant 2 ("reads append durably before the
// response") is relaxed for the socket as issue 21 allows, and
// docs/audit.md says so. What a crash can lose is at most the last second
// of one socket's delivery records, never the messages (those were
// committed and audited as message.sent before they were pushed). If a
// record cannot be written the socket is closed, so that PHI does not go
// on flowing unrecorded; the client then catches up over REST, whose reads
// fail while the audit trail does.

// deliveryFlushEvery is how often, at most, a socket writes its delivery
// records.
const deliveryFlushEvery = time.Second

// DeliveryAudit records the PHI pushed to one socket: it is the socket's
// realtime.DeliveryAudit. Make one with NewDeliveryAudit.
type DeliveryAudit struct {
	a      *App
	org    string
	actor  audit.Actor
	onFail func() // closes the socket when its records cannot be written

	flushMu sync.Mutex // one flush at a time; Close waits for a running one

	mu      sync.Mutex
	pending map[string]delivered // by conversation; nil when nothing is pending
	timer   *time.Timer
	closed  bool
}

// delivered is what one socket was sent of one conversation since its
// last flush.
type delivered struct {
	patient     string
	first, last int64
	n           int
}

// NewDeliveryAudit starts the delivery record of a socket signed in as p.
// onFail, if not nil, is called (outside any lock) when a record could not
// be written: it should close the socket.
func (a *App) NewDeliveryAudit(p *Principal, onFail func()) *DeliveryAudit {
	return &DeliveryAudit{a: a, org: p.User.OrgID, actor: p.actor(), onFail: onFail}
}

// Queued notes that the frame of message seq of conversation conv, about
// patient (or ""), was queued for the socket. It never blocks on I/O.
func (d *DeliveryAudit) Queued(conv, patient string, seq int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending == nil {
		d.pending = make(map[string]delivered, 1)
		if !d.closed {
			if d.timer == nil {
				d.timer = time.AfterFunc(deliveryFlushEvery, d.flush)
			} else {
				d.timer.Reset(deliveryFlushEvery)
			}
		}
	}
	e, ok := d.pending[conv]
	if !ok {
		e = delivered{patient: patient, first: seq, last: seq}
	}
	e.first, e.last, e.n = min(e.first, seq), max(e.last, seq), e.n+1
	d.pending[conv] = e
	if d.closed { // not expected (Release closes the socket first): record it at once
		go d.flush()
	}
}

// Close writes what is pending, durably, and returns when it is written
// (or could not be). Calling it twice is harmless.
func (d *DeliveryAudit) Close() {
	d.mu.Lock()
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
	}
	d.mu.Unlock()
	d.flush()
}

// flush writes the pending records in one Record call (one transaction
// shared with other callers). On failure they stay pending for the next
// flush, and onFail closes the socket.
func (d *DeliveryAudit) flush() {
	d.flushMu.Lock()
	d.mu.Lock()
	pending := d.pending
	d.pending = nil
	d.mu.Unlock()
	if len(pending) == 0 {
		d.flushMu.Unlock()
		return
	}
	events := make([]audit.Event, 0, len(pending))
	for conv, e := range pending {
		events = append(events, audit.Event{OrgID: d.org, Actor: d.actor, Action: audit.MessageDelivered,
			ResourceType: "conversation", ResourceID: conv, PatientID: e.patient, Outcome: audit.Success,
			Reason: fmt.Sprintf("websocket: %d messages, seq %d to %d", e.n, e.first, e.last)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := d.a.audit.Record(ctx, events...)
	cancel()
	if err != nil {
		d.mu.Lock()
		closed := d.closed
		for conv, e := range pending { // keep them for the next try (Close)
			d.merge(conv, e)
		}
		d.mu.Unlock()
		d.flushMu.Unlock()
		if closed {
			d.a.log.Error("socket delivery records lost: the audit trail could not be written",
				"user", d.actor.UserID, "conversations", len(pending), "err", err.Error())
			return
		}
		d.a.log.Error("socket delivery records not written: closing the socket", "user", d.actor.UserID, "err", err.Error())
		if d.onFail != nil {
			d.onFail()
		}
		return
	}
	d.flushMu.Unlock()
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
