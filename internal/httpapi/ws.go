package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/workers"
)

// The WebSocket endpoint, GET /api/v1/ws.
//
// A token never travels in the URL. A browser is signed in by its session
// cookie, accepted only when the Origin header is this site's, scheme,
// host and port (stops cross-site WebSocket hijacking); an API client sends its token in an
// Authorization: Bearer header or, where it cannot set headers, in a first
// frame {"type":"auth","token":"…"} within the hub's AuthTimeout (10 s).
// Then the server sends {"type":"hello",…} and pushes events as JSON
// frames of realtime.Event: {"type","conversation_id","seq","data"}.
//
// Events are pushed. A client that reconnects catches up over REST
// (GET /api/v1/conversations/{id}/messages?after=SEQ) from the last seq it
// saw, so a dropped or cut-off socket loses nothing. A client that does not
// keep up is cut off (close 1008) rather than waited for.
//
// The client may send {"type":"ping"} (answered {"type":"pong"}),
// {"type":"typing","conversation_id":…} and {"type":"send",…}, a message
// to send (wssend.go); frames of other types are ignored, and a frame that
// is not JSON, or names a field twice or in another case, is answered
// {"type":"error","problem":{…}}.
//
// The route is in the route table with its authz action (account.read) like
// every other, but it authenticates itself: a first-frame client has no
// credentials at the upgrade. A plain (non-upgrade) GET goes through the
// usual authentication and answers 401, 403, or 400 "needs a WebSocket
// upgrade", so the route × role walk holds for it too.

// maxClientFrame bounds a frame from the client (auth, ping, typing,
// send): a send frame is bounded like the POST's body. A larger frame
// closes the socket (1009, message too big).
const maxClientFrame = maxJSONBody

// clientFrame is a frame from the client.
type clientFrame struct {
	Type           string `json:"type"`
	Token          string `json:"token,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	Ref            string `json:"ref,omitempty"` // a send's, echoed in its answer
}

// helloFrame is the server's first frame after sign-in.
type helloFrame struct {
	Type        string    `json:"type"` // "hello"
	UserID      string    `json:"user_id"`
	DeviceID    string    `json:"device_id"`
	SessionID   string    `json:"session_id"`
	ExpiresAt   time.Time `json:"expires_at"`
	IdleTimeout int64     `json:"idle_timeout"` // seconds; the socket does not keep the session alive
}

// wsAction is the authz action of GET /api/v1/ws.
const wsAction = authz.AccountRead

func (h *Handler) realtimeRoutes() {
	h.register("GET /api/v1/ws", wsAction, func(w http.ResponseWriter, r *http.Request) {
		if err := h.websocket(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

func (h *Handler) websocket(w http.ResponseWriter, r *http.Request) error {
	if !isUpgrade(r) {
		p, err := h.authenticate(r)
		if err == nil {
			err = p.Can(wsAction)
		}
		if err == nil {
			err = ward.Errorf(ward.CodeInvalid, "this endpoint needs a WebSocket upgrade")
		}
		return err
	}
	if h.hub == nil {
		return ward.Errorf(ward.CodeUnavailable, "realtime is not enabled on this server")
	}
	// The socket outlives the request: it gets a context of its own.
	ctx := context.Background()
	ip := h.clientIP(r)
	var p *app.Principal
	var authErr error
	if token, fromCookie := sessionToken(r); token != "" {
		if fromCookie && !h.sameOrigin(r) {
			return ward.Errorf(ward.CodeForbidden, "a cookie-authenticated WebSocket must come from this site")
		}
		if p, authErr = h.app.AuthenticateSocket(ctx, token, ip); p == nil {
			return authErr // refused before the upgrade, as plain HTTP
		}
	} else if r.Header.Get("Authorization") != "" {
		return ward.Errorf(ward.CodeUnauth, "sign in first")
	}

	ws, err := websocket.Accept(smallBuffers{w}, r, h.acceptOpts)
	if err != nil {
		return nil // Accept has answered
	}
	ws.SetReadLimit(maxClientFrame)
	c, err := h.hub.Adopt(ws)
	if err != nil {
		ws.Close(websocket.StatusGoingAway, "server shutting down")
		return nil
	}
	// The socket is served on a goroutine of its own and the handler
	// returns, so that net/http frees what it held for the request (its
	// buffers, headers, and this goroutine's stack grown by the TLS
	// handshake): an idle socket then costs one small, blocked reader.
	s := &socket{h: h, c: c, ws: ws, ctx: ctx}
	go s.run(p, authErr, ip)
	return nil
}

// run signs the socket in if the upgrade did not, serves it, and releases
// it when it closes.
func (s *socket) run(p *app.Principal, authErr error, ip string) {
	defer s.c.Release()
	if p == nil {
		if p, authErr = s.firstFrame(ip); p == nil {
			return
		}
	}
	s.serve(p, authErr)
}

// socket is one signed-in WebSocket being served.
type socket struct {
	h   *Handler
	c   *realtime.Conn
	ws  *websocket.Conn
	ctx context.Context

	// tokenHash and ip find the session again: the socket keeps no
	// Principal (memory per idle socket matters).
	tokenHash, ip string
	// role is the role the socket was bound with: a check that finds
	// another closes the socket (StatusAccessChanged), since what it may
	// be sent depends on the role.
	role ward.Role

	mu         sync.Mutex
	timer      *time.Timer // the next session check
	ended      bool        // serve returned: no more checks
	lastTyping time.Time   // typing is relayed at most once per typingEvery
}

// typingEvery bounds how often one socket's typing frames are relayed.
const typingEvery = 2 * time.Second

// typing relays a typing frame to the conversation's other members, after
// checking the session and the membership again.
func (s *socket) typing(convID string) {
	if convID == "" || time.Since(s.lastTyping) < typingEvery {
		return
	}
	s.lastTyping = time.Now()
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	p, err := s.h.app.CheckSocket(ctx, s.tokenHash, s.ip)
	if err != nil {
		return // the periodic check closes the socket
	}
	s.h.app.Typing(ctx, p, convID) // not a member, or no right to send: dropped
}

// firstFrame waits for {"type":"auth","token":…}; on failure it closes the
// socket and returns nil.
func (s *socket) firstFrame(ip string) (*app.Principal, error) {
	t := time.AfterFunc(s.h.hub.Options().AuthTimeout, func() {
		s.c.Close(realtime.StatusUnauthenticated, "send {\"type\":\"auth\",\"token\":…} first")
	})
	_, data, err := s.ws.Read(context.Background())
	if !t.Stop() || err != nil {
		return nil, err // timed out (the socket is closing), or closed by the client
	}
	var f clientFrame
	if decodeLenient(data, &f) != nil || f.Type != "auth" || f.Token == "" {
		s.c.Close(realtime.StatusUnauthenticated, "send {\"type\":\"auth\",\"token\":…} first")
		return nil, nil
	}
	// On a worker: run on the reader, the sign-in path would leave every
	// socket signed in this way an 8 KiB stack instead of 4 (handleAside).
	var p *app.Principal
	workers.Run(func() { p, err = s.h.app.AuthenticateSocket(s.ctx, f.Token, ip) })
	if p == nil {
		s.refuse(err)
	}
	return p, err
}

// refuse closes the socket with the close status for err.
func (s *socket) refuse(err error) {
	if c := ward.ErrorCode(err); c == ward.CodeUnavailable || c == ward.CodeInternal {
		s.h.log.ErrorContext(s.ctx, "websocket sign-in failed", "err", err.Error())
	}
	s.c.Close(closeStatus(err))
}

// closeStatus is the close status and reason for a socket whose session
// was refused with err.
func closeStatus(err error) (websocket.StatusCode, string) {
	switch ward.ErrorCode(err) {
	case ward.CodeUnauth:
		return realtime.StatusUnauthenticated, ward.ErrorMessage(err)
	case ward.CodeUnavailable, ward.CodeInternal:
		return websocket.StatusInternalError, "try again later"
	default:
		return realtime.StatusDeviceRevoked, ward.ErrorMessage(err)
	}
}

// serve sends the hello (or the wipe order), joins the hub and reads until
// the socket closes.
func (s *socket) serve(p *app.Principal, authErr error) {
	s.tokenHash, s.ip = p.Session.TokenHash, p.IP
	onWipe := func() {
		q, err := s.h.app.CheckSocket(s.ctx, s.tokenHash, s.ip)
		if ward.ErrorCode(err) == ward.CodeDeviceWiped && q != nil {
			err = s.h.app.WipeDelivered(s.ctx, q, "websocket")
		}
		if err != nil && ward.ErrorCode(err) != ward.CodeDeviceWiped {
			s.h.log.ErrorContext(s.ctx, "recording wipe delivery failed", "err", err.Error())
		}
	}
	switch {
	case ward.ErrorCode(authErr) == ward.CodeDeviceWiped:
		s.c.Bind("", p.Device.ID, onWipe, nil)
		s.c.Send(realtime.Event{Type: realtime.DeviceWipe})
	case authErr != nil:
		s.refuse(authErr)
	case p.Session.MFAPending:
		s.c.Close(realtime.StatusDeviceRevoked, "enrol a second factor first")
	case p.Can(wsAction) != nil:
		s.refuse(p.Can(wsAction))
	default:
		s.c.SendJSON(helloFrame{Type: "hello", UserID: p.User.ID, DeviceID: p.Device.ID, SessionID: p.Session.ID,
			ExpiresAt: p.Session.ExpiresAt, IdleTimeout: int64(p.Policy.IdleTimeout.D() / time.Second)})
		// Every message body queued for the socket is audited
		// (message.delivered, batched per second): before Bind, so
		// that none escapes.
		s.c.AuditDeliveries(s.h.app.NewDeliveryAudit(p, func() {
			s.c.Close(websocket.StatusInternalError, "try again later")
		}))
		s.role = p.User.Role
		if !authz.Allowed(p.User.Role, authz.MessageRead) {
			s.c.DenyConversations() // owner, admin, compliance: no message frames, ever
		}
		s.c.Bind(p.User.ID, p.Device.ID, onWipe, s.recheckNow)
		s.mu.Lock()
		s.timer = time.AfterFunc(s.nextCheck(), s.recheck)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.ended = true
			s.timer.Stop()
			s.mu.Unlock()
		}()
	}
	s.readLoop()
}

// nextCheck is the time to the socket's next session check: Recheck, give
// or take a quarter at random, so that sockets opened together (every
// client reconnecting after a restart) do not all check at the same moment
// ever after.
func (s *socket) nextCheck() time.Duration {
	every := s.h.hub.Options().Recheck
	return every*3/4 + rand.N(every/2+1)
}

// recheckNow checks the session at once, on an access change (a revoked
// session, a disabled user), and then every Recheck as before.
func (s *socket) recheckNow() {
	s.mu.Lock()
	if s.ended || s.timer == nil {
		s.mu.Unlock()
		return
	}
	s.timer.Stop()
	s.mu.Unlock()
	s.check(s.h.app.RecheckSocket)
}

// recheck runs every Recheck while the socket is open: a session that
// ended, idled out or lost its device closes the socket; a wipe order that
// the live event missed is sent now; and a socket that does not answer a
// ping is closed as dead.
func (s *socket) recheck() { s.check(s.h.app.CheckSocket) }

// check checks the session with checkFn, pings, and arms the next check.
func (s *socket) check(checkFn func(ctx context.Context, tokenHash, ip string) (*app.Principal, error)) {
	p, err := checkFn(s.ctx, s.tokenHash, s.ip)
	switch ward.ErrorCode(err) {
	case "":
		if p.User.Role != s.role { // a role change another node's event did not carry
			s.c.Close(realtime.StatusAccessChanged, "your access changed: connect again")
			return
		}
	case ward.CodeDeviceWiped:
		s.c.Send(realtime.Event{Type: realtime.DeviceWipe})
		return
	case ward.CodeUnavailable, ward.CodeInternal:
		// A database hiccup does not drop every socket; try again later.
		s.h.log.WarnContext(s.ctx, "websocket session check failed", "err", err.Error())
	default:
		s.refuse(err)
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.h.hub.Options().PingTimeout)
	err = s.ws.Ping(ctx) // answered by the client's reader
	cancel()
	if err != nil {
		s.c.Close(websocket.StatusGoingAway, "no answer to ping")
		return
	}
	s.mu.Lock()
	if !s.ended {
		s.timer.Reset(s.nextCheck())
	}
	s.mu.Unlock()
}

// readLoop reads client frames until the socket closes.
func (s *socket) readLoop() {
	for {
		typ, buf, err := s.readFrame()
		if err != nil {
			return
		}
		if typ == websocket.MessageText { // others are ignored, like any frame the server does not know
			s.handleAside(buf.Bytes())
		}
		putFrameBuf(buf)
	}
}

// handle decodes a client frame and acts on it.
func (s *socket) handle(data []byte) {
	f, strictErr, ok := s.decodeFrame(data)
	if !ok {
		return
	}
	switch f.Type {
	case "ping":
		s.c.SendJSON(map[string]string{"type": "pong"})
	case realtime.Typing:
		s.typing(f.ConversationID)
	case "send":
		s.send(f, strictErr)
	case "mark":
		s.mark(f, strictErr)
	}
}

// frameBufs holds buffers for client frames, which are read, decoded and
// dropped: pooled, a frame costs no allocation, and an idle socket holds
// no buffer.
var frameBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readFrame reads the next client frame into a buffer from frameBufs.
func (s *socket) readFrame() (websocket.MessageType, *bytes.Buffer, error) {
	typ, r, err := s.ws.Reader(context.Background())
	if err != nil {
		return typ, nil, err
	}
	buf := frameBufs.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		putFrameBuf(buf)
		return typ, nil, err
	}
	return typ, buf, nil
}

// putFrameBuf returns a frame's buffer to frameBufs, unless a large frame
// grew it: the pool keeps buffers of common frames only.
func putFrameBuf(b *bytes.Buffer) {
	if b.Cap() <= 16<<10 {
		frameBufs.Put(b)
	}
}

// decodeFrame decodes a client frame once. Send and mark frames are
// decoded strictly (decodeJSON: no unknown fields, one object), and since
// every other frame's fields are theirs too, most frames decode so in one
// pass. A frame that does not is decoded again leniently for its type,
// ref and conversation: other frames tolerate fields they do not use, and
// a send or a mark is then answered with strictErr. A frame that is not
// JSON at all is answered here (ok false).
func (s *socket) decodeFrame(data []byte) (f requestFrame, strictErr error, ok bool) {
	if strictErr = decodeJSON(data, &f); strictErr == nil {
		return f, nil, true
	}
	var c clientFrame
	if err := decodeLenient(data, &c); err != nil {
		s.notJSON(data, err)
		return f, nil, false
	}
	return requestFrame{Type: c.Type, Ref: c.Ref, ConversationID: c.ConversationID}, strictErr, true
}

// isUpgrade reports whether r asks for a WebSocket.
func isUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// sameOrigin reports whether the request's Origin is ward's own: scheme,
// host and port, against the public URL when one is configured, else
// against the host the request was sent to and the scheme it came over.
// Browsers always send Origin on a WebSocket handshake.
func (h *Handler) sameOrigin(r *http.Request) bool {
	o, ok := normalOrigin(r.Header.Get("Origin"))
	if !ok {
		return false
	}
	if h.origin != "" {
		return o == h.origin
	}
	scheme := "http"
	if r.TLS != nil || h.tlsProxy {
		scheme = "https"
	}
	own, ok := normalOrigin(scheme + "://" + r.Host)
	return ok && o == own
}

// normalOrigin is an origin as scheme://host[:port], lower case, without
// the scheme's default port; ok is false for anything that is not an
// http(s) origin ("null", a path, user info).
func normalOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

// Buffer sizes of a hijacked WebSocket connection. net/http hands over 4 KiB
// for each; most of an idle socket's memory would be these buffers. Reads
// are small client frames; a larger event is written in several TLS records.
const (
	wsReadBuffer  = 256
	wsWriteBuffer = 1024
)

// smallBuffers makes the hijacked connection use smaller bufio buffers
// than net/http's, so that idle sockets cost less memory.
type smallBuffers struct{ http.ResponseWriter }

// Unwrap lets http.ResponseController reach the underlying writer.
func (s smallBuffers) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack takes over the connection with small buffers, keeping any bytes
// the client already sent.
func (s smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = nc
	size := wsReadBuffer
	n := brw.Reader.Buffered()
	if n > 0 {
		b, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc)
		size = max(size, n)
	}
	br := bufio.NewReaderSize(r, size)
	if n > 0 {
		if _, err := br.Peek(n); err != nil {
			nc.Close()
			return nil, nil, err
		}
	}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(nc, wsWriteBuffer)), nil
}
