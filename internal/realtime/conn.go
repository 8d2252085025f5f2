package realtime

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward/internal/workers"
)

// Conn is one socket held by a Hub. Frames for it wait in a bounded queue;
// a writer (a worker of internal/workers) drains it only while it is not
// empty, so an idle socket costs its reader (the handler's goroutine) and
// no writer. The owner reads from the socket and calls Release when
// reading ends.
type Conn struct {
	hub *Hub
	ws  *websocket.Conn
	// user and device are the socket's address; set by Bind under hub.mu.
	user, device string
	seq          uint64 // numbers the socket in its hub (Key)
	// noConversations: the socket's user has a role that takes no part in
	// conversations (DenyConversations): no event of a conversation is
	// queued on it, whatever the event's recipients say.
	noConversations atomic.Bool

	mu       sync.Mutex
	queue    []*frame // nil while idle
	writing  bool     // a writer goroutine is draining queue
	closed   bool
	closing  chan struct{} // made by Close; closed when its handshake ends
	onWipe   func()
	onAccess func()
	audit    DeliveryAudit // told of each PHI frame queued; nil: none

	// A frame write that outlasts the hub's WriteTimeout cuts the socket
	// off: writeDeadline (Unix nanoseconds, 0 between writes) is checked
	// by writeTimer, made at the first write and re-armed at each. A
	// context with a timeout for each write cost a timer, a context and
	// the library's AfterFunc each: 2.5 % of the server's CPU under load.
	writeDeadline atomic.Int64
	writeTimer    *time.Timer // used by the writer only
}

// armWriteTimer sets the deadline of the write about to start.
func (c *Conn) armWriteTimer() {
	timeout := c.hub.opts.WriteTimeout
	c.writeDeadline.Store(time.Now().Add(timeout).UnixNano())
	if c.writeTimer == nil {
		// Made idle, then armed: writeTimedOut reads the field.
		c.writeTimer = time.AfterFunc(time.Duration(math.MaxInt64), c.writeTimedOut)
	}
	c.writeTimer.Reset(timeout)
}

// writeTimedOut runs when the write timer fires: it closes the connection
// under a write that is past its deadline, which ends the write with an
// error (the writer then cuts the socket off), and re-arms itself for a
// write that started since.
func (c *Conn) writeTimedOut() {
	d := c.writeDeadline.Load()
	switch {
	case d == 0: // no write under way
	case time.Now().UnixNano() >= d:
		c.ws.CloseNow()
	default:
		c.writeTimer.Reset(time.Duration(d - time.Now().UnixNano()))
	}
}

// Bind addresses the socket: from now on it receives the events naming
// user or device. onWipe, if not nil, runs after a device.wipe frame was
// written to this socket (to record the delivery); the socket is then
// closed with StatusDeviceRevoked. onAccess, if not nil, runs in a
// goroutine of its own on an AccessChanged event naming the socket.
func (c *Conn) Bind(user, device string, onWipe, onAccess func()) {
	c.mu.Lock()
	c.onWipe, c.onAccess = onWipe, onAccess
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		c.hub.index(c, user, device)
	}
}

// DeliveryAudit records the PHI a socket is sent. Queued is called for
// each frame whose event has PHI, as the frame is queued for the socket
// (under the socket's lock: it must not block, nor call the Conn). A frame
// queued but never written (the socket closed first) is recorded all the
// same: over-recording, never under-recording. Close is called once by
// Release, after the last Queued and before the hub lets go of the socket
// (Hub.Close waits for it); it writes what is pending durably.
type DeliveryAudit interface {
	Queued(conversationID, patientID string, seq int64)
	Close()
}

// AuditDeliveries makes d record the PHI queued for the socket from now
// on. Call it before Bind, so that no event escapes it.
func (c *Conn) AuditDeliveries(d DeliveryAudit) {
	c.mu.Lock()
	c.audit = d
	c.mu.Unlock()
}

// DenyConversations makes the hub send the socket no event of any
// conversation (an event with a ConversationID): for a socket of a user
// whose role may not read messages. Call it before Bind.
func (c *Conn) DenyConversations() { c.noConversations.Store(true) }

// Key names the socket among every node's: an event whose Except is the
// key is not sent to it (the socket that sent a message gets the answer,
// not the message.created event too).
func (c *Conn) Key() string { return c.hub.id + "." + strconv.FormatUint(c.seq, 10) }

// accessChanged runs the socket's onAccess callback, without blocking.
func (c *Conn) accessChanged() {
	c.mu.Lock()
	fn, closed := c.onAccess, c.closed
	c.mu.Unlock()
	if fn != nil && !closed {
		go fn()
	}
}

// Send queues ev for this socket alone (a wipe order found at sign-in).
func (c *Conn) Send(ev Event) error {
	f, err := newFrame(ev)
	if err != nil {
		return err
	}
	c.enqueue(f)
	return nil
}

// SendJSON queues v, encoded as JSON, as one text frame (hello, pong).
func (c *Conn) SendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.enqueue(&frame{data: b})
	return nil
}

// SendJSONThenClose queues v like SendJSON and closes the socket with
// code and reason once v is written (an answer that ends the session).
func (c *Conn) SendJSONThenClose(v any, code websocket.StatusCode, reason string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.enqueue(&frame{data: b, closeCode: code, closeReason: reason})
	return nil
}

// enqueue adds f to the queue without ever waiting. A full queue means
// the client does not keep up: it is cut off and must reconnect and catch
// up over REST.
func (c *Conn) enqueue(f *frame) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.hub.opts.QueueLen {
		c.mu.Unlock()
		c.Close(websocket.StatusPolicyViolation, "too slow: reconnect and fetch what you missed")
		return
	}
	c.queue = append(c.queue, f)
	if f.phi && c.audit != nil {
		c.audit.Queued(f.conv, f.patient, f.seq)
	}
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		workers.Go(c.writeLoop)
	}
}

// writeLoop writes queued frames in order and ends when the queue is empty.
func (c *Conn) writeLoop() {
	for {
		c.mu.Lock()
		if c.closed || len(c.queue) == 0 {
			c.writing = false
			c.queue = nil // an idle socket holds no queue
			c.mu.Unlock()
			return
		}
		f := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		onWipe := c.onWipe
		c.mu.Unlock()

		c.armWriteTimer()
		err := c.ws.Write(context.Background(), websocket.MessageText, f.data)
		c.writeDeadline.Store(0)
		if err != nil {
			// The library has closed the socket already (write timeout or
			// a dead peer); stop routing to it.
			c.Close(websocket.StatusPolicyViolation, "write failed")
			return
		}
		switch {
		case f.wipe:
			if onWipe != nil {
				onWipe()
			}
			c.Close(StatusDeviceRevoked, "device wiped: erase local data, then confirm")
		case f.closeCode != 0:
			c.Close(f.closeCode, f.closeReason)
		}
	}
}

// Close stops routing events to the socket and closes it with code and
// reason (at most 123 bytes, never a secret), without waiting: the close
// handshake runs in its own goroutine and is bounded by the library's
// timeouts. The owner's read loop then ends and it calls Release.
func (c *Conn) Close(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.queue = nil
	done := make(chan struct{})
	c.closing = done
	c.mu.Unlock()
	c.hub.unindex(c)
	go func() {
		defer close(done)
		c.ws.Close(code, reason)
	}()
}

// Release is called once by the owner when its read loop has ended: the
// socket is closed if it was not already, its DeliveryAudit (if any) is
// closed, and the hub forgets it.
// A close handshake that Close started is let finish (it is bounded by the
// library's timeouts), so that the client learns the close status.
func (c *Conn) Release() {
	c.mu.Lock()
	c.closed = true
	c.queue = nil
	closing := c.closing
	audit := c.audit
	c.mu.Unlock()
	if audit != nil {
		audit.Close() // nothing more can be queued: write what is pending
	}
	if closing != nil {
		<-closing
	} else {
		c.ws.CloseNow()
	}
	c.hub.release(c)
}
