package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// hubServer serves sockets addressed by the query (?user=&device=) on a
// hub over b, the way the API handler does once a socket is signed in.
type hubServer struct {
	hub     *Hub
	srv     *httptest.Server
	wiped   atomic.Int32 // onWipe calls
	access  atomic.Int32 // onAccess calls
	lastKey atomic.Value // the Key of the socket dialled last
}

func newHubServer(t *testing.T, b Broker, opts HubOptions) *hubServer {
	t.Helper()
	hs := &hubServer{hub: NewHub(b, opts)}
	hs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c, err := hs.hub.Adopt(ws)
		if err != nil {
			ws.Close(websocket.StatusGoingAway, "closed")
			return
		}
		defer c.Release()
		if r.URL.Query().Get("noconv") != "" {
			c.DenyConversations()
		}
		c.Bind(r.URL.Query().Get("user"), r.URL.Query().Get("device"), func() { hs.wiped.Add(1) }, func() { hs.access.Add(1) })
		hs.lastKey.Store(c.Key())
		c.SendJSON(map[string]string{"type": "hello"})
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.hub.Close(ctx)
		hs.srv.Close()
	})
	return hs
}

// dial opens a socket for user and device and waits for its hello.
func (hs *hubServer) dial(t *testing.T, user, device string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(hs.srv.URL, "http") + "/?user=" + user + "&device=" + device
	c, _, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	if ev := read(t, c); ev.Type != "hello" {
		t.Fatalf("first frame %q, want hello", ev.Type)
	}
	return c
}

// read reads one event frame within 10 s.
func read(t *testing.T, c *websocket.Conn) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("frame %q: %v", b, err)
	}
	return ev
}

// closeStatus reads until the socket closes and returns the close status.
func closeStatus(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("socket not closed within 15 s")
			}
			return websocket.CloseStatus(err)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHubFanOut(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{})
	aliceLaptop := hs.dial(t, "alice", "d1", nil)
	alicePhone := hs.dial(t, "alice", "d2", nil)
	bob := hs.dial(t, "bob", "d3", nil)
	carol := hs.dial(t, "carol", "d4", nil)
	waitFor(t, "four bound sockets", func() bool { return hs.hub.Len() == 4 })
	ctx := context.Background()

	// To alice's two sockets and, by device, to bob's; nothing to carol.
	b.Publish(ctx, Event{Type: MessageCreated, ConversationID: "c1", Seq: 7, Data: json.RawMessage(`{"x":1}`),
		Users: []string{"alice"}, Devices: []string{"d3", "d1"}, OrgID: "org"})
	b.Publish(ctx, Event{Type: Receipt, ConversationID: "c1", Seq: 7, Users: []string{"carol"}})
	for name, c := range map[string]*websocket.Conn{"alice laptop": aliceLaptop, "alice phone": alicePhone, "bob": bob} {
		ev := read(t, c)
		if ev.Type != MessageCreated || ev.ConversationID != "c1" || ev.Seq != 7 || string(ev.Data) != `{"x":1}` {
			t.Errorf("%s got %+v", name, ev)
		}
		if ev.OrgID != "" || ev.Users != nil || ev.Devices != nil {
			t.Errorf("%s: addressing leaked into the frame: %+v", name, ev)
		}
	}
	// alice's laptop is named twice (user and device) and gets it once:
	// its next frame is the next event.
	b.Publish(ctx, Event{Type: Typing, ConversationID: "c2", Users: []string{"alice", "bob"}})
	if ev := read(t, aliceLaptop); ev.Type != Typing {
		t.Errorf("alice laptop: %+v after the one message, want the typing event", ev)
	}
	if ev := read(t, carol); ev.Type != Receipt {
		t.Errorf("carol got %+v, want only the receipt", ev)
	}
}

// smallWindowClient dials with a small receive buffer, so that the TCP
// window of a client that does not read fills soon.
func smallWindowClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}}}
}

// TestHubCutsOffASocketWhoseWriteHangs: a frame write that outlasts
// WriteTimeout (the client reads nothing and its window is full, well
// before the queue is) cuts the socket off; the others go on.
func TestHubCutsOffASocketWhoseWriteHangs(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{QueueLen: 1 << 20, WriteTimeout: 300 * time.Millisecond})
	fast := hs.dial(t, "fast", "f", nil)
	small := smallWindowClient()
	hs.dial(t, "stuck", "s", &websocket.DialOptions{HTTPClient: small})
	waitFor(t, "two bound sockets", func() bool { return hs.hub.Len() == 2 })
	payload, _ := json.Marshal(strings.Repeat("x", 32<<10))
	cutOff := func() bool {
		hs.hub.mu.RLock()
		defer hs.hub.mu.RUnlock()
		return len(hs.hub.byUser["stuck"]) == 0
	}
	// Enough to fill the stuck client's window and the server's send
	// buffer many times over; the queue (1 Mi frames) never fills.
	for seq := int64(1); seq <= 200; seq++ {
		b.Publish(context.Background(), Event{Type: MessageCreated, Seq: seq, Data: payload, Users: []string{"fast", "stuck"}})
		if ev := read(t, fast); ev.Seq != seq {
			t.Fatalf("fast client got seq %d, want %d", ev.Seq, seq)
		}
	}
	start := time.Now()
	waitFor(t, "the stuck socket cut off", cutOff)
	t.Logf("stuck socket cut off %v after the last publish", time.Since(start).Round(time.Millisecond))
	b.Publish(context.Background(), Event{Type: Receipt, Seq: 1, Users: []string{"fast", "stuck"}})
	if ev := read(t, fast); ev.Type != Receipt {
		t.Errorf("fast client after the cut-off: %+v", ev)
	}
}

func TestHubCutsOffSlowConsumer(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{QueueLen: 8})
	fast := hs.dial(t, "fast", "f", nil)
	// The slow client never reads after its hello.
	small := smallWindowClient()
	hs.dial(t, "slow", "s", &websocket.DialOptions{HTTPClient: small})
	waitFor(t, "two bound sockets", func() bool { return hs.hub.Len() == 2 })

	payload, _ := json.Marshal(strings.Repeat("x", 32<<10))
	cutOff := func() bool {
		hs.hub.mu.RLock()
		defer hs.hub.mu.RUnlock()
		return len(hs.hub.byUser["slow"]) == 0
	}
	var sent int
	var slowest time.Duration
	for sent = 1; sent <= 5000 && !cutOff(); sent++ {
		start := time.Now()
		b.Publish(context.Background(), Event{Type: MessageCreated, Seq: int64(sent), Data: payload, Users: []string{"fast", "slow"}})
		slowest = max(slowest, time.Since(start))
		// The fast client keeps up: it has every event, in order.
		if ev := read(t, fast); ev.Seq != int64(sent) {
			t.Fatalf("fast client got seq %d, want %d", ev.Seq, sent)
		}
	}
	if !cutOff() {
		t.Fatalf("the slow client was not cut off after %d events", sent)
	}
	if slowest > time.Second {
		t.Errorf("a publish took %v: the hub waited for a socket", slowest)
	}
	t.Logf("slow client cut off after %d events of 32 KiB; slowest publish %v", sent, slowest)
	// The fast client still gets what follows.
	b.Publish(context.Background(), Event{Type: Receipt, Seq: 1, Users: []string{"fast", "slow"}})
	if ev := read(t, fast); ev.Type != Receipt {
		t.Errorf("fast client after the cut-off: %+v", ev)
	}
	// The server gives up on the slow socket's close handshake (its window
	// is full) within the library's 5 s and releases it. Its backlog is not
	// drained here: TCP trickles it out slowly after the close.
	waitFor(t, "the slow socket released", func() bool { return hs.hub.Len() == 1 })
}

func TestHubForgetsClosedSocketsAndLeavesBroker(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{})
	gone := hs.dial(t, "u1", "d1", nil)
	stays := hs.dial(t, "u2", "d2", nil)
	waitFor(t, "two sockets", func() bool { return hs.hub.Len() == 2 })
	gone.Close(websocket.StatusNormalClosure, "bye")
	waitFor(t, "the closed socket released", func() bool { return hs.hub.Len() == 1 })
	hs.hub.mu.RLock()
	indexed := len(hs.hub.byUser) + len(hs.hub.byDevice)
	hs.hub.mu.RUnlock()
	if indexed != 2 {
		t.Errorf("index holds %d entries, want 2 (u2, d2)", indexed)
	}
	b.Publish(context.Background(), Event{Type: Receipt, Users: []string{"u1", "u2"}})
	if ev := read(t, stays); ev.Type != Receipt {
		t.Errorf("remaining socket got %+v", ev)
	}

	// Closing the hub sends going-away, leaves the broker, refuses more.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- hs.hub.Close(ctx) }()
	if st := closeStatus(t, stays); st != websocket.StatusGoingAway {
		t.Errorf("close status %d on shutdown, want 1001", st)
	}
	if err := <-done; err != nil {
		t.Fatalf("hub close: %v", err)
	}
	b.mu.RLock()
	subs := len(b.subs)
	b.mu.RUnlock()
	if subs != 0 {
		t.Errorf("%d broker subscriptions after hub close", subs)
	}
	if _, err := hs.hub.Adopt(nil); !errors.Is(err, ErrHubClosed) {
		t.Errorf("adopt after close: %v", err)
	}
}

func TestHubWipeAndLock(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{})
	phone := hs.dial(t, "u1", "phone", nil)
	laptop := hs.dial(t, "u1", "laptop", nil)
	tablet := hs.dial(t, "u1", "tablet", nil)
	waitFor(t, "three sockets", func() bool { return hs.hub.Len() == 3 })

	b.Publish(context.Background(), Event{Type: DeviceWipe, Devices: []string{"phone"}})
	if ev := read(t, phone); ev.Type != DeviceWipe {
		t.Fatalf("phone got %+v, want device.wipe", ev)
	}
	if st := closeStatus(t, phone); st != StatusDeviceRevoked {
		t.Errorf("phone closed with %d after the wipe order, want %d", st, StatusDeviceRevoked)
	}
	if n := hs.wiped.Load(); n != 1 {
		t.Errorf("onWipe ran %d times, want 1", n)
	}

	b.Publish(context.Background(), Event{Type: DeviceLocked, Devices: []string{"laptop"}})
	if st := closeStatus(t, laptop); st != StatusDeviceRevoked {
		t.Errorf("locked laptop closed with %d, want %d", st, StatusDeviceRevoked)
	}
	b.Publish(context.Background(), Event{Type: Receipt, Users: []string{"u1"}})
	if ev := read(t, tablet); ev.Type != Receipt {
		t.Errorf("the other device got %+v, want the receipt only", ev)
	}
}

// An access change runs the callback of each socket it names, once, and
// sends no frame.
func TestHubAccessChanged(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{})
	phone := hs.dial(t, "u1", "phone", nil)
	hs.dial(t, "u1", "laptop", nil)
	other := hs.dial(t, "u2", "desk", nil)
	waitFor(t, "three sockets", func() bool { return hs.hub.Len() == 3 })
	b.Publish(context.Background(), Event{Type: AccessChanged, Users: []string{"u1"}, Devices: []string{"phone"}})
	waitFor(t, "u1's two sockets rechecked", func() bool { return hs.access.Load() == 2 })
	b.Publish(context.Background(), Event{Type: Receipt, Users: []string{"u1", "u2"}})
	if ev := read(t, phone); ev.Type != Receipt {
		t.Errorf("phone got %+v first, want the receipt (no frame for the access change)", ev)
	}
	if ev := read(t, other); ev.Type != Receipt {
		t.Errorf("u2 got %+v", ev)
	}
	if n := hs.access.Load(); n != 2 {
		t.Errorf("onAccess ran %d times, want 2", n)
	}
}

// TestHubExcept: an event skips the socket its Except names (the one a
// message was sent over) and reaches the user's other sockets; a key from
// another node's hub skips nothing here.
func TestHubExcept(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{})
	phone := hs.dial(t, "u1", "phone", nil)
	phoneKey := hs.lastKey.Load().(string)
	laptop := hs.dial(t, "u1", "laptop", nil)
	other := NewHub(b, HubOptions{}) // another node on the same broker
	defer other.Close(context.Background())
	ctx := context.Background()
	b.Publish(ctx, Event{Type: MessageCreated, Seq: 1, Users: []string{"u1"}, Except: phoneKey})
	b.Publish(ctx, Event{Type: MessageCreated, Seq: 2, Users: []string{"u1"}, Except: other.id + ".1"})
	if ev := read(t, phone); ev.Seq != 2 {
		t.Errorf("the sending socket got seq %d first, want 2 (not its own message's event)", ev.Seq)
	}
	for _, want := range []int64{1, 2} {
		if ev := read(t, laptop); ev.Seq != want {
			t.Errorf("the user's other socket got seq %d, want %d", ev.Seq, want)
		}
	}
}

// TestEncodeEventIsJSONMarshal: the hand-made frame is the bytes
// json.Marshal makes of the event.
func TestEncodeEventIsJSONMarshal(t *testing.T) {
	for _, ev := range []Event{
		{Type: MessageCreated, ConversationID: "c-1", Seq: 42, Data: json.RawMessage(`{"id":"m1","body":"BP \u003c 90 \"low\""}`), Users: []string{"u1"}},
		{Type: DeviceWipe},
		{Type: Typing, ConversationID: "c\"2\u2028", Data: json.RawMessage(`{"user_id":"u1"}`)},
		{Type: Receipt, Seq: -1},
	} {
		got, err := encodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(ev)
		if string(got) != string(want) {
			t.Errorf("encodeEvent %+v:\n got %s\nwant %s", ev, got, want)
		}
	}
}

// TestRoleChangeEndsMembershipsHub (issue 21, finding 1): a socket of a role
// that reads no messages gets no conversation event even when one names its
// user, and AccessRevoked closes a user's sockets at once with
// StatusAccessChanged, leaving other users' open.
func TestRoleChangeEndsMembershipsHub(t *testing.T) {
	b := NewLocalBroker()
	hs := newHubServer(t, b, HubOptions{})
	admin := hs.dial(t, "admin", "d-admin&noconv=1", nil)
	nurse := hs.dial(t, "nurse", "d-nurse", nil)
	ctx := context.Background()
	b.Publish(ctx, Event{Type: MessageCreated, ConversationID: "c1", Seq: 1, Data: json.RawMessage(`{"body":"x"}`),
		Users: []string{"admin", "nurse"}})
	b.Publish(ctx, Event{Type: Receipt, Users: []string{"admin"}}) // not of a conversation
	if ev := read(t, admin); ev.Type != Receipt {
		t.Errorf("the admin's socket got %q first, want the receipt (no message)", ev.Type)
	}
	if ev := read(t, nurse); ev.Type != MessageCreated {
		t.Errorf("the nurse's socket got %q, want the message", ev.Type)
	}
	b.Publish(ctx, Event{Type: AccessRevoked, Users: []string{"nurse"}})
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, _, err := nurse.Read(rctx); websocket.CloseStatus(err) != StatusAccessChanged {
		t.Errorf("the nurse's socket after AccessRevoked: %v, want close %d", err, StatusAccessChanged)
	}
	b.Publish(ctx, Event{Type: Receipt, Users: []string{"admin"}})
	if ev := read(t, admin); ev.Type != Receipt {
		t.Errorf("the admin's socket got %q, want it open", ev.Type)
	}
}

// The hub tells OnPresence when a user's first socket is bound and when
// their last one goes, in that order, and nothing between; Users lists who
// has a socket.
func TestHubPresence(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hs := newHubServer(t, NewLocalBroker(), HubOptions{OnPresence: func(user string, online bool) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s %v", user, online))
	}})
	seen := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(got, ", ")
	}
	laptop := hs.dial(t, "alice", "d1", nil)
	waitFor(t, "alice online", func() bool { return seen() == "alice true" })
	phone := hs.dial(t, "alice", "d2", nil)
	waitFor(t, "alice's second socket", func() bool { return hs.hub.Len() == 2 && hs.hub.Online("alice") })
	if us := hs.hub.Users(); len(us) != 1 || us[0] != "alice" {
		t.Errorf("Users() = %v", us)
	}
	laptop.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "the laptop released", func() bool { return hs.hub.Len() == 1 })
	if s := seen(); s != "alice true" {
		t.Errorf("after one of two sockets closed: %q", s)
	}
	phone.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "alice offline", func() bool { return seen() == "alice true, alice false" })
	if len(hs.hub.Users()) != 0 {
		t.Errorf("Users() = %v with no socket", hs.hub.Users())
	}
}
