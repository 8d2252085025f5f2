package realtime

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Hub-only event types: the hub acts on them and sends no frame.
const (
	// DeviceLocked closes every socket of ev.Devices (close status
	// StatusDeviceRevoked): an admin locked the device.
	DeviceLocked = "device.locked"
	// AccessChanged makes every socket of ev.Users and ev.Devices check its
	// session again now (its Bind onAccess callback), instead of at its
	// next periodic recheck: a session was revoked, a user disabled, a
	// password changed. A socket whose session ended then closes.
	AccessChanged = "access.changed"
	// AccessRevoked closes every socket of ev.Users and ev.Devices at once
	// (close status StatusAccessChanged), dropping what was queued on them:
	// what the user may read changed (a new role), so nothing routed to
	// them before may still reach them. The client may connect again; its
	// new socket is bound with the new role.
	AccessRevoked = "access.revoked"
)

// Close statuses the hub and the WebSocket handler use, beside the
// standard ones (1001 going away on shutdown, 1008 policy violation for a
// slow consumer, 1009 for a frame over the read limit).
const (
	// StatusUnauthenticated: no valid session (none given in time, ended,
	// idled out, revoked). Sign in again.
	StatusUnauthenticated websocket.StatusCode = 4401
	// StatusDeviceRevoked: the device was locked or wiped by an admin.
	StatusDeviceRevoked websocket.StatusCode = 4403
	// StatusAccessChanged: the user's role changed, and with it what they
	// may read. The session stands: connect again.
	StatusAccessChanged websocket.StatusCode = 4409
)

// HubOptions tune a Hub; zero values take the defaults.
type HubOptions struct {
	// QueueLen bounds each socket's outbound queue (default 256 frames).
	// A socket whose queue is full is cut off, never waited on.
	QueueLen int
	// WriteTimeout bounds one frame write (default 10 s); a socket that
	// cannot take a frame in that time is closed.
	WriteTimeout time.Duration
	// AuthTimeout is how long a new socket may take to send its auth
	// frame (default 10 s).
	AuthTimeout time.Duration
	// Recheck is how often an open socket's session is checked again
	// (default 60 s; the handler spreads each check over ±25 %): a socket
	// does not keep a session alive, and one whose session ended is closed.
	Recheck time.Duration
	// PingTimeout is how long a socket may take to answer the ping sent
	// with each check (default 10 s); one that does not (a phone that
	// dropped off the network, a half-open connection) is closed, so dead
	// sockets are found within Recheck + PingTimeout.
	PingTimeout time.Duration
	Logger      *slog.Logger
	// OnPresence, when set, hears that a user's first socket here was bound
	// (online) or their last one went (a cluster's Presence.Changed). It is
	// called in order, under the hub's lock: it must not block.
	OnPresence func(user string, online bool)
}

func (o HubOptions) withDefaults() HubOptions {
	if o.QueueLen <= 0 {
		o.QueueLen = 256
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.AuthTimeout <= 0 {
		o.AuthTimeout = 10 * time.Second
	}
	if o.Recheck <= 0 {
		o.Recheck = 60 * time.Second
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// ErrHubClosed is returned by Adopt once the hub is shutting down.
var ErrHubClosed = errors.New("realtime: hub closed")

// Hub holds this node's WebSocket connections, indexed by user id and by
// device id, and hands every event of its Broker to the sockets the event
// names. Delivery never blocks the broker: each socket has a bounded queue
// drained by a writer goroutine that exists only while there is something
// to write, and a socket whose queue is full is cut off.
type Hub struct {
	opts   HubOptions
	cancel func() // the broker subscription
	// id tells this hub's sockets from other nodes' in Conn.Key; seq numbers
	// its sockets.
	id  string
	seq uint64 // under mu

	mu       sync.RWMutex
	closed   bool
	all      map[*Conn]struct{} // every adopted socket, bound or not
	byUser   map[string]map[*Conn]struct{}
	byDevice map[string]map[*Conn]struct{}
	wg       sync.WaitGroup // one per adopted socket, until Release
}

// NewHub subscribes a new hub to b.
func NewHub(b Broker, opts HubOptions) *Hub {
	h := &Hub{opts: opts.withDefaults(), id: rand.Text()[:12], all: map[*Conn]struct{}{},
		byUser: map[string]map[*Conn]struct{}{}, byDevice: map[string]map[*Conn]struct{}{}}
	h.cancel = b.Subscribe(h.dispatch)
	return h
}

// Options returns the hub's options, defaults filled in.
func (h *Hub) Options() HubOptions { return h.opts }

// Len returns the number of sockets the hub holds.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.all)
}

// Adopt makes the hub responsible for an accepted socket: it will be closed
// with the hub. The socket receives no events until Bind; the caller must
// call Release when its read loop ends.
func (h *Hub) Adopt(ws *websocket.Conn) (*Conn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrHubClosed
	}
	h.seq++
	c := &Conn{hub: h, ws: ws, seq: h.seq}
	h.all[c] = struct{}{}
	h.wg.Add(1)
	return c, nil
}

// dispatch is the broker subscription: it encodes ev once, if a socket
// here is to get it, and queues the frame on every socket ev names. It
// never blocks on a socket.
func (h *Hub) dispatch(ev Event) {
	if len(ev.Users) == 0 && len(ev.Devices) == 0 {
		return
	}
	if ev.Type == DeviceLocked {
		for _, c := range h.targets(nil, ev.Devices) {
			c.Close(StatusDeviceRevoked, "an admin locked this device")
		}
		return
	}
	if ev.Type == AccessChanged {
		for _, c := range h.targets(ev.Users, ev.Devices) {
			c.accessChanged()
		}
		return
	}
	if ev.Type == AccessRevoked {
		for _, c := range h.targets(ev.Users, ev.Devices) {
			c.Close(StatusAccessChanged, "your access changed: connect again")
		}
		return
	}
	except := h.localSeq(ev.Except)
	conv := ev.ConversationID != ""
	var f *frame // encoded for the first socket that gets it: on a node of a cluster, often none does
	for _, c := range h.targets(ev.Users, ev.Devices) {
		if c.seq == except || conv && c.noConversations.Load() {
			continue
		}
		if f == nil {
			var err error
			if f, err = newFrame(ev); err != nil {
				h.opts.Logger.Error("realtime: cannot encode event", "type", ev.Type, "err", err.Error())
				return
			}
		}
		c.enqueue(f)
	}
}

// localSeq is the seq of the socket of this hub that key (Conn.Key) names,
// or 0.
func (h *Hub) localSeq(key string) uint64 {
	rest, ok := strings.CutPrefix(key, h.id+".")
	if !ok {
		return 0
	}
	seq, _ := strconv.ParseUint(rest, 10, 64)
	return seq
}

// Online reports whether a user has a signed-in socket to this node (for
// internal/notify/push: a user reading ward here needs no push for a new
// message).
func (h *Hub) Online(userID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byUser[userID]) > 0
}

// targets returns each socket of users and devices once.
func (h *Hub) targets(users, devices []string) []*Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*Conn
	var seen map[*Conn]struct{} // needed only when several keys may reach one socket
	if len(users)+len(devices) > 1 {
		seen = map[*Conn]struct{}{}
	}
	add := func(set map[*Conn]struct{}) {
		for c := range set {
			if seen != nil {
				if _, dup := seen[c]; dup {
					continue
				}
				seen[c] = struct{}{}
			}
			out = append(out, c)
		}
	}
	for _, u := range users {
		add(h.byUser[u])
	}
	for _, d := range devices {
		add(h.byDevice[d])
	}
	return out
}

func (h *Hub) index(c *Conn, user, device string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.all[c]; !ok {
		return // already released
	}
	h.removeUser(c)
	removeFrom(h.byDevice, c.device, c)
	c.user, c.device = user, device
	if addTo(h.byUser, c.user, c) && h.opts.OnPresence != nil {
		h.opts.OnPresence(c.user, true)
	}
	addTo(h.byDevice, c.device, c)
}

// removeUser takes c out of its user's sockets (under h.mu).
func (h *Hub) removeUser(c *Conn) {
	if removeFrom(h.byUser, c.user, c) && h.opts.OnPresence != nil {
		h.opts.OnPresence(c.user, false)
	}
}

// unindex stops events reaching c.
func (h *Hub) unindex(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeUser(c)
	removeFrom(h.byDevice, c.device, c)
}

// Users returns the users with a bound socket here.
func (h *Hub) Users() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	users := make([]string, 0, len(h.byUser))
	for u := range h.byUser {
		users = append(users, u)
	}
	return users
}

func (h *Hub) release(c *Conn) {
	h.mu.Lock()
	_, ok := h.all[c]
	delete(h.all, c)
	h.removeUser(c)
	removeFrom(h.byDevice, c.device, c)
	h.mu.Unlock()
	if ok {
		h.wg.Done()
	}
}

// addTo adds c to key's set; true when it is the set's first.
func addTo(m map[string]map[*Conn]struct{}, key string, c *Conn) bool {
	if key == "" {
		return false
	}
	set := m[key]
	if set == nil {
		set = map[*Conn]struct{}{}
		m[key] = set
	}
	set[c] = struct{}{}
	return len(set) == 1
}

// removeFrom takes c out of key's set; true when that emptied the set.
func removeFrom(m map[string]map[*Conn]struct{}, key string, c *Conn) bool {
	set := m[key]
	if set == nil {
		return false
	}
	if _, ok := set[c]; !ok {
		return false
	}
	delete(set, c)
	if len(set) == 0 {
		delete(m, key)
		return true
	}
	return false
}

// Close stops the hub: it leaves the broker, refuses new sockets, closes
// every socket with status 1001 (going away), and waits until their
// handlers have released them or ctx ends. Closing twice waits again.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	first := !h.closed
	h.closed = true
	conns := make([]*Conn, 0, len(h.all))
	for c := range h.all {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	if first {
		h.cancel()
	}
	for _, c := range conns {
		c.Close(websocket.StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// frame is one encoded event, shared by every socket it goes to.
type frame struct {
	data []byte
	wipe bool // a device.wipe order: record delivery, then close
	// closeCode, when not 0, closes the socket once the frame is written.
	closeCode   websocket.StatusCode
	closeReason string
	// phi marks a frame with PHI (Event.PHI): conv, patient and seq are
	// what a socket's DeliveryAudit is told when the frame is queued.
	phi           bool
	conv, patient string
	seq           int64
}

func newFrame(ev Event) (*frame, error) {
	b, err := encodeEvent(ev)
	if err != nil {
		return nil, err
	}
	f := &frame{data: b, wipe: ev.Type == DeviceWipe}
	if ev.PHI {
		f.phi, f.conv, f.patient, f.seq = true, ev.ConversationID, ev.PatientID, ev.Seq
	}
	return f, nil
}

// encodeEvent is json.Marshal(ev) without checking and re-formatting
// ev.Data, which json.Marshal does for a json.RawMessage and which was most
// of the cost of encoding a frame: the data of every event is JSON that
// ward encoded itself (the app's, or another node's, decoded from NATS).
func encodeEvent(ev Event) ([]byte, error) {
	typ, err := json.Marshal(ev.Type)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 64+len(ev.ConversationID)+len(ev.Data))
	b = append(append(b, `{"type":`...), typ...)
	if ev.ConversationID != "" {
		conv, err := json.Marshal(ev.ConversationID)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"conversation_id":`...), conv...)
	}
	if ev.Seq != 0 {
		b = strconv.AppendInt(append(b, `,"seq":`...), ev.Seq, 10)
	}
	if len(ev.Data) > 0 {
		b = append(append(b, `,"data":`...), ev.Data...)
	}
	return append(b, '}'), nil
}
