package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/realtime"
)

// wsEnv is the API with a hub, over plain HTTP on loopback.
type wsEnv struct {
	f    *apptest.Fixture
	hub  *realtime.Hub
	srv  *httptest.Server
	h    *httpapi.Handler
	url  string      // ws://host/api/v1/ws
	logs *syncBuffer // the handler's log, JSON lines
}

func newWSEnv(t *testing.T, opts realtime.HubOptions) *wsEnv {
	t.Helper()
	f := apptest.New(t, false)
	hub := realtime.NewHub(f.App.Broker(), opts)
	logs := &syncBuffer{}
	h := httpapi.New(httpapi.Config{App: f.App, Patients: f.Patients, Replies: f.Replies, Teams: f.Teams, Inbox: f.Inbox,
		Invitations: f.Invitations, Hub: hub, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hub.Close(ctx)
		srv.Close()
	})
	return &wsEnv{f: f, hub: hub, srv: srv, h: h, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws", logs: logs}
}

// login signs in email on device and returns the token.
func (e *wsEnv) login(t *testing.T, email, pw, device string) string {
	t.Helper()
	res, err := e.f.Login(email, pw, device, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return res.Token
}

// dial opens a socket; header may carry a cookie, Origin or Bearer token.
func (e *wsEnv) dial(t *testing.T, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{HTTPHeader: header})
	if err == nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// signedIn opens a socket with a first-frame token and returns it with
// its hello.
func (e *wsEnv) signedIn(t *testing.T, token string) (*websocket.Conn, map[string]any) {
	t.Helper()
	c, _, err := e.dial(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]string{"type": "auth", "token": token})
	hello := frame(t, c)
	if hello["type"] != "hello" {
		t.Fatalf("first frame %v, want hello", hello)
	}
	return c, hello
}

func send(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

func frame(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("frame %q: %v", b, err)
	}
	return m
}

// closed reads until the socket closes and returns status and reason.
func closed(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatal("socket still open after 15 s")
			}
			var ce websocket.CloseError
			if ok := asCloseError(err, &ce); ok {
				return ce.Code, ce.Reason
			}
			return -1, err.Error()
		}
		t.Logf("frame before close: %s", b)
	}
}

func asCloseError(err error, ce *websocket.CloseError) bool {
	if websocket.CloseStatus(err) == -1 {
		return false
	}
	*ce = websocket.CloseError{Code: websocket.CloseStatus(err), Reason: err.Error()}
	return true
}

func TestWebSocketRefusedWithoutSession(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{AuthTimeout: 300 * time.Millisecond})

	// Not an upgrade: the usual 401.
	resp, err := http.Get(e.srv.URL + "/api/v1/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plain GET without a session: %d, want 401", resp.StatusCode)
	}
	// A bad Bearer token is refused before the upgrade.
	if _, resp, err := e.dial(t, http.Header{"Authorization": {"Bearer " + strings.Repeat("A", 43)}}); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad bearer token: %v %v, want 401", err, resp)
	}
	// Anything but an auth frame first.
	c, _, err := e.dial(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]string{"type": "ping"})
	if st, _ := closed(t, c); st != realtime.StatusUnauthenticated {
		t.Errorf("ping before auth: close %d, want 4401", st)
	}
	// A wrong token in the auth frame.
	c, _, _ = e.dial(t, nil)
	send(t, c, map[string]string{"type": "auth", "token": strings.Repeat("B", 43)})
	if st, _ := closed(t, c); st != realtime.StatusUnauthenticated {
		t.Errorf("wrong token: close %d, want 4401", st)
	}
	// Nothing within the auth timeout.
	c, _, _ = e.dial(t, nil)
	start := time.Now()
	if st, _ := closed(t, c); st != realtime.StatusUnauthenticated || time.Since(start) > 5*time.Second {
		t.Errorf("silent client: close %d after %v, want 4401 after the auth timeout", st, time.Since(start))
	}
	if n := e.hub.Len(); n != 0 {
		// Released asynchronously; give it a moment.
		time.Sleep(200 * time.Millisecond)
		if n = e.hub.Len(); n != 0 {
			t.Errorf("hub holds %d sockets after refusals", n)
		}
	}
}

func TestWebSocketFirstFrameAuthAndEvents(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	c, hello := e.signedIn(t, e.login(t, nurse.Email, pw, "nurse-phone-1"))
	if hello["user_id"] != nurse.ID || hello["device_id"] == "" || hello["idle_timeout"] == nil {
		t.Errorf("hello %v", hello)
	}
	send(t, c, map[string]string{"type": "typing", "conversation_id": "x"}) // accepted, not relayed yet
	send(t, c, map[string]string{"type": "no-such-frame"})                  // ignored
	send(t, c, map[string]string{"type": "ping"})
	if f := frame(t, c); f["type"] != "pong" {
		t.Errorf("ping answered %v", f)
	}
	// Frames other than sends tolerate fields they do not use (a send's
	// are strict: wssend_test).
	send(t, c, map[string]string{"type": "ping", "client_version": "9"})
	if f := frame(t, c); f["type"] != "pong" {
		t.Errorf("ping with an unknown field answered %v", f)
	}
	e.f.App.Broker().Publish(context.Background(), realtime.Event{Type: realtime.MessageCreated, ConversationID: "conv-1", Seq: 42,
		Data: json.RawMessage(`{"id":"m1"}`), Users: []string{nurse.ID}})
	if f := frame(t, c); f["type"] != realtime.MessageCreated || f["conversation_id"] != "conv-1" || f["seq"] != float64(42) {
		t.Errorf("event frame %v", f)
	}
	// A Bearer header works too (API clients that can set headers).
	tok := e.login(t, nurse.Email, pw, "nurse-laptop-1")
	c2, _, err := e.dial(t, http.Header{"Authorization": {"Bearer " + tok}})
	if err != nil {
		t.Fatal(err)
	}
	if f := frame(t, c2); f["type"] != "hello" {
		t.Errorf("bearer socket: first frame %v", f)
	}
}

func TestWebSocketCookieNeedsSameOrigin(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	cookie := (&http.Cookie{Name: auth.SessionCookieName, Value: e.login(t, nurse.Email, pw, "nurse-browser")}).String()
	host := strings.TrimPrefix(e.srv.URL, "http://")
	for _, origin := range []string{"https://evil.example", "null", ""} {
		h := http.Header{"Cookie": {cookie}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		if _, resp, err := e.dial(t, h); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("cookie with Origin %q: %v, want 403", origin, err)
		}
	}
	c, _, err := e.dial(t, http.Header{"Cookie": {cookie}, "Origin": {"http://" + host}})
	if err != nil {
		t.Fatalf("cookie from the same origin: %v", err)
	}
	if f := frame(t, c); f["type"] != "hello" || f["user_id"] != nurse.ID {
		t.Errorf("cookie socket: first frame %v", f)
	}
}

// TestWSOriginScheme: the Origin check compares scheme, host and port, with
// the public URL when there is one, else with how the request came.
func TestWSOriginScheme(t *testing.T) {
	f := apptest.New(t, false)
	nurse, pw := f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	for _, tc := range []struct {
		name, public string
		allowed      func(host string) []string
		refused      func(host string) []string
	}{
		{"no public URL, plain HTTP", "",
			func(h string) []string { return []string{"http://" + h, "HTTP://" + strings.ToUpper(h)} },
			func(h string) []string {
				_, port, _ := strings.Cut(h, ":")
				return []string{"https://" + h, "ws://" + h, "http://" + h + "/path", "http://127.0.0.1:1" + port, "http://localhost:" + port}
			}},
		{"public URL", "https://ward.example.org",
			func(string) []string { return []string{"https://ward.example.org", "https://WARD.example.org:443"} },
			func(h string) []string {
				return []string{"http://ward.example.org", "https://ward.example.org:8443", "http://" + h, "https://" + h}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub := realtime.NewHub(f.App.Broker(), realtime.HubOptions{})
			srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App, Hub: hub, PublicOrigin: tc.public}))
			defer func() { hub.Close(context.Background()); srv.Close() }()
			e := &wsEnv{f: f, hub: hub, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws"}
			host := strings.TrimPrefix(srv.URL, "http://")
			cookie := (&http.Cookie{Name: auth.SessionCookieName, Value: e.login(t, nurse.Email, pw, "nurse-browser")}).String()
			for _, origin := range tc.refused(host) {
				if _, resp, err := e.dial(t, http.Header{"Cookie": {cookie}, "Origin": {origin}}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
					t.Errorf("Origin %q: %v, want 403", origin, err)
				}
			}
			for _, origin := range tc.allowed(host) {
				c, _, err := e.dial(t, http.Header{"Cookie": {cookie}, "Origin": {origin}})
				if err != nil {
					t.Errorf("Origin %q: %v, want a socket", origin, err)
					continue
				}
				if f := frame(t, c); f["type"] != "hello" {
					t.Errorf("Origin %q: first frame %v", origin, f)
				}
				c.CloseNow()
			}
		})
	}
}

func TestWebSocketDeviceWipeAndLock(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	admin, _ := e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop-1")
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")

	// A wipe ordered while the device's socket is open reaches it at once.
	phone, hello := e.signedIn(t, e.login(t, nurse.Email, pw, "nurse-phone-1"))
	other, otherHello := e.signedIn(t, e.login(t, nurse.Email, pw, "nurse-laptop-1"))
	deviceID := hello["device_id"].(string)
	if _, err := e.f.App.ActOnDevice(ctx, admin, deviceID, "wipe"); err != nil {
		t.Fatal(err)
	}
	if f := frame(t, phone); f["type"] != realtime.DeviceWipe {
		t.Fatalf("phone got %v, want device.wipe", f)
	}
	if st, _ := closed(t, phone); st != realtime.StatusDeviceRevoked {
		t.Errorf("phone closed with %d after the wipe order, want 4403", st)
	}
	waitDelivered := func(id string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			ds, err := e.f.App.Devices(ctx, admin, true)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(ds, func(d ward.Device) bool { return d.ID == id })
			if ds[i].Wipe == ward.WipeDelivered {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("device wipe state %q, want delivered", ds[i].Wipe)
			}
		}
	}
	waitDelivered(deviceID)

	// The user's other device is untouched and still gets events.
	e.f.App.Broker().Publish(ctx, realtime.Event{Type: realtime.Receipt, Users: []string{nurse.ID}})
	if f := frame(t, other); f["type"] != realtime.Receipt {
		t.Errorf("other device got %v", f)
	}

	// A wipe ordered while the device was offline is sent as soon as it
	// connects, and recorded as delivered over the socket.
	tablet, _ := e.signedIn(t, e.login(t, nurse.Email, pw, "nurse-tablet-1"))
	tok := e.login(t, nurse.Email, pw, "nurse-tablet-1")
	p, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tablet.Close(websocket.StatusNormalClosure, "offline")
	if _, err := e.f.App.ActOnDevice(ctx, admin, p.Device.ID, "wipe"); err != nil {
		t.Fatal(err)
	}
	c, _, err := e.dial(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]string{"type": "auth", "token": tok})
	if f := frame(t, c); f["type"] != realtime.DeviceWipe {
		t.Fatalf("wiped device at connect got %v, want device.wipe", f)
	}
	waitDelivered(p.Device.ID)
	acts := e.f.AuditActions(t)
	if n := countOf(acts, "device.wipe_delivered"); n != 2 {
		t.Errorf("%d device.wipe_delivered audit events, want 2: %v", n, acts)
	}

	// Locking a device closes its socket.
	if _, err := e.f.App.ActOnDevice(ctx, admin, otherHello["device_id"].(string), "lock"); err != nil {
		t.Fatal(err)
	}
	if st, _ := closed(t, other); st != realtime.StatusDeviceRevoked {
		t.Errorf("locked device's socket closed with %d, want 4403", st)
	}
}

// TestWebSocketSessionRecheck: an open socket does not keep its session
// alive; it is closed when the session idles out or is revoked.
func TestWebSocketSessionRecheck(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{Recheck: 50 * time.Millisecond})
	ctx := context.Background()
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	tok := e.login(t, nurse.Email, pw, "nurse-phone-1")
	c, _ := e.signedIn(t, tok)
	time.Sleep(200 * time.Millisecond)  // several checks pass while the session is live
	e.f.Clock.Advance(16 * time.Minute) // past the default 15-minute idle timeout
	if st, reason := closed(t, c); st != realtime.StatusUnauthenticated || !strings.Contains(reason, "without activity") {
		t.Errorf("idle session: close %d %q, want 4401 without activity", st, reason)
	}
	if _, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1"); ward.ErrorCode(err) != ward.CodeUnauth {
		t.Errorf("the session outlived its idle timeout: %v", err)
	}

	tok = e.login(t, nurse.Email, pw, "nurse-phone-1")
	c, _ = e.signedIn(t, tok)
	p, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.f.App.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	if st, _ := closed(t, c); st != realtime.StatusUnauthenticated {
		t.Errorf("signed-out session: close %d, want 4401", st)
	}
}

func countOf(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// TestWebSocketClosesAtOnceWhenAccessEnds: with the periodic check an hour
// away, revoking one session closes its socket at once and leaves the
// user's other session open; an admin revoking all of a user's sessions
// closes the rest; another user's socket is untouched.
func TestWebSocketClosesAtOnceWhenAccessEnds(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{Recheck: time.Hour})
	ctx := context.Background()
	admin, _ := e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop-1")
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	doctor, dpw := e.f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dan Doctor")
	phoneTok := e.login(t, nurse.Email, pw, "nurse-phone-1")
	phone, phoneHello := e.signedIn(t, phoneTok)
	laptop, _ := e.signedIn(t, e.login(t, nurse.Email, pw, "nurse-laptop-1"))
	docSock, _ := e.signedIn(t, e.login(t, doctor.Email, dpw, "doc-phone-1"))

	p, err := e.f.App.Authenticate(ctx, phoneTok, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.f.App.RevokeSession(ctx, p, phoneHello["session_id"].(string)); err != nil {
		t.Fatal(err)
	}
	if st, _ := closed(t, phone); st != realtime.StatusUnauthenticated {
		t.Errorf("revoked session's socket: close %d, want 4401", st)
	}
	e.mustStayOpen(t, laptop, nurse.ID, "the nurse's other session")

	if err := e.f.App.RevokeUserSessions(ctx, admin, nurse.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := closed(t, laptop); st != realtime.StatusUnauthenticated {
		t.Errorf("after the admin's revocation: close %d, want 4401", st)
	}
	e.mustStayOpen(t, docSock, doctor.ID, "another user")
}

// mustStayOpen checks that c, a socket of userID, is open: it gets an event
// published to the user.
func (e *wsEnv) mustStayOpen(t *testing.T, c *websocket.Conn, userID, whose string) {
	t.Helper()
	e.f.App.Broker().Publish(context.Background(), realtime.Event{Type: realtime.Receipt, Users: []string{userID}})
	if f := frame(t, c); f["type"] != realtime.Receipt {
		t.Fatalf("%s: the socket got %v, want it open and a receipt", whose, f)
	}
}

// TestWebSocketDeadPeerIsClosed: each session check also pings the socket;
// a client that answers (its reader runs) stays, one that does not (a
// phone gone from the network) is closed by the server.
func TestWebSocketDeadPeerIsClosed(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{Recheck: 50 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	alive, _ := e.signedIn(t, e.login(t, nurse.Email, pw, "nurse-phone-1"))
	readerDone := alive.CloseRead(context.Background()) // answers pings, as every client's reader does
	dead, _ := e.signedIn(t, e.login(t, nurse.Email, pw, "nurse-laptop-1"))
	_ = dead // never read again: pings go unanswered
	deadline := time.Now().Add(10 * time.Second)
	for e.hub.Len() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sockets open, want the silent one closed", e.hub.Len())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // several more checks and pings
	if n := e.hub.Len(); n != 1 {
		t.Errorf("%d sockets open, want the answering one kept", n)
	}
	select {
	case <-readerDone.Done():
		t.Error("the answering client's socket was closed")
	default:
	}
}
