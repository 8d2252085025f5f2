package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/realtime"
)

// answerTo reads frames until the answer to ref (sent, marked or error),
// skipping events.
func answerTo(t *testing.T, c *websocket.Conn, ref string) map[string]any {
	t.Helper()
	for {
		f := frame(t, c)
		if (f["type"] == "sent" || f["type"] == "marked" || f["type"] == "error") && f["ref"] == ref {
			return f
		}
	}
}

// trio is a nurse and a doctor in a direct conversation the nurse made,
// and an outsider, each with a socket signed in on a device of their own.
type trio struct {
	nurse, doc ward.User
	pNurse     *app.Principal
	conv       ward.Conversation
	nc, dc, oc *websocket.Conn
}

func newTrio(t *testing.T, e *wsEnv) trio {
	t.Helper()
	var r trio
	var npw, dpw string
	r.nurse, npw = e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	r.doc, dpw = e.f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dan Doctor")
	outsider, opw := e.f.AddUser(t, ward.RoleClinician, "out@stmary.example", "Olly Outsider")
	r.pNurse, _ = e.f.MustLogin(t, r.nurse.Email, npw, "nurse-phone-0")
	conv, _, err := e.f.App.CreateConversation(context.Background(), r.pNurse, app.NewConversation{Kind: ward.Direct, Members: []string{r.doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	r.conv = conv
	r.nc, _ = e.signedIn(t, e.login(t, r.nurse.Email, npw, "nurse-phone-1"))
	r.dc, _ = e.signedIn(t, e.login(t, r.doc.Email, dpw, "doc-phone-1"))
	r.oc, _ = e.signedIn(t, e.login(t, outsider.Email, opw, "out-phone-1"))
	return r
}

// metricsPage is the server's /metrics text (served apart from the API).
func metricsPage(t *testing.T, e *wsEnv) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.h.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// problemCode is the code of an error frame ("" for any other frame).
func problemCode(f map[string]any) string {
	if f["type"] != "error" {
		return ""
	}
	p, _ := f["problem"].(map[string]any)
	code, _ := p["code"].(string)
	return code
}

// wantStored checks that a conversation holds n messages.
func wantStored(t *testing.T, e *wsEnv, p *app.Principal, convID string, n int, which string) {
	t.Helper()
	msgs, err := e.f.App.ListMessages(context.Background(), p, convID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != n {
		t.Errorf("%d messages stored, want %s", len(msgs), which)
	}
}

func TestWebSocketSend(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	r := newTrio(t, e)
	pNurse, conv, nc, dc, oc := r.pNurse, r.conv, r.nc, r.dc, r.oc

	// A send is answered once committed, and the recipient's socket gets it.
	// The sending socket gets the answer and no message.created event (the
	// event would come first: it is published before the answer is sent).
	send(t, nc, map[string]any{"type": "send", "ref": "r1", "conversation_id": conv.ID, "client_id": "c-1", "body": "BP 120/80"})
	a := frame(t, nc)
	msg, _ := a["message"].(map[string]any)
	if a["type"] != "sent" || a["status"] != float64(201) || msg["seq"] != float64(1) || msg["body"] != "BP 120/80" || msg["id"] == "" {
		t.Fatalf("answer %v", a)
	}
	if f := frame(t, dc); f["type"] != realtime.MessageCreated || f["seq"] != float64(1) {
		t.Fatalf("recipient got %v", f)
	}
	// A retry with the same client id and body answers the same message, 200.
	send(t, nc, map[string]any{"type": "send", "ref": "r2", "conversation_id": conv.ID, "client_id": "c-1", "body": "BP 120/80"})
	if a := answerTo(t, nc, "r2"); a["status"] != float64(200) || a["message"].(map[string]any)["id"] != msg["id"] {
		t.Errorf("retry answered %v", a)
	}

	// Bad input: a clear problem with a stable code, nothing stored.
	long := strings.Repeat("x", ward.MaxBodyLen+1)
	for _, tc := range []struct {
		name  string
		sock  *websocket.Conn
		frame map[string]any
		code  ward.Code
	}{
		{"reused client id, other body", nc, map[string]any{"conversation_id": conv.ID, "client_id": "c-1", "body": "other"}, ward.CodeConflict},
		{"empty body", nc, map[string]any{"conversation_id": conv.ID, "client_id": "c-2", "body": ""}, ward.CodeInvalid},
		{"body over the limit", nc, map[string]any{"conversation_id": conv.ID, "client_id": "c-3", "body": long}, ward.CodeTooLarge},
		{"no client id", nc, map[string]any{"conversation_id": conv.ID, "body": "hi"}, ward.CodeInvalid},
		{"bad priority", nc, map[string]any{"conversation_id": conv.ID, "client_id": "c-4", "body": "hi", "priority": "asap"}, ward.CodeInvalid},
		{"unknown field", nc, map[string]any{"conversation_id": conv.ID, "client_id": "c-5", "body": "hi", "colour": "red"}, ward.CodeInvalid},
		{"body not a string", nc, map[string]any{"conversation_id": conv.ID, "client_id": "c-6", "body": 5}, ward.CodeInvalid},
		{"not a member", oc, map[string]any{"conversation_id": conv.ID, "client_id": "c-7", "body": "hi"}, ward.CodeNotFound},
		{"no such conversation", nc, map[string]any{"conversation_id": "nope", "client_id": "c-8", "body": "hi"}, ward.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.frame["type"], tc.frame["ref"] = "send", "bad"
			send(t, tc.sock, tc.frame)
			a := answerTo(t, tc.sock, "bad")
			if problemCode(a) != string(tc.code) {
				t.Errorf("answered %v, want problem %s", a, tc.code)
			}
		})
	}
	// A send without a ref is refused (its answer could not be matched).
	send(t, nc, map[string]any{"type": "send", "conversation_id": conv.ID, "client_id": "c-9", "body": "hi"})
	if f := frame(t, nc); problemCode(f) != string(ward.CodeInvalid) {
		t.Errorf("send without ref answered %v", f)
	}
	// A frame that is not JSON is answered with an error, not dropped.
	ctx5, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := nc.Write(ctx5, websocket.MessageText, []byte(`{"type":"send",`)); err != nil {
		t.Fatal(err)
	}
	if f := frame(t, nc); problemCode(f) != string(ward.CodeInvalid) {
		t.Errorf("malformed frame answered %v", f)
	}

	// Every send is counted in the metrics; only the refused ones are
	// logged, each line under the request id its problem names.
	// (A send's line is written after its answer: wait for the last.)
	var sendLines []map[string]any
	for deadline := time.Now().Add(5 * time.Second); len(sendLines) < 10 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		sendLines = nil
		for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
			var l map[string]any
			if json.Unmarshal([]byte(line), &l) == nil && l["route"] == "WS send" {
				sendLines = append(sendLines, l)
			}
		}
	}
	if len(sendLines) != 10 { // the 9 bad sends and the one without a ref
		t.Errorf("%d log lines for socket sends, want one for each of the 10 refused", len(sendLines))
	}
	for _, l := range sendLines {
		if l["status"].(float64) < 400 {
			t.Errorf("a log line for a socket send that succeeded: %v", l)
		}
	}
	metrics := metricsPage(t, e)
	for _, want := range []string{`route="WS send",status="201"} 1`, `route="WS send",status="200"} 1`, `route="WS send",status="404"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	wantStored(t, e, pNurse, conv.ID, 1, "the one good send")
	if n := countOf(e.f.AuditActions(t), "message.sent"); n != 1 {
		t.Errorf("%d message.sent audit events, want 1", n)
	}
	// The socket is still usable after refused sends.
	send(t, nc, map[string]any{"type": "send", "ref": "r3", "conversation_id": conv.ID, "client_id": "c-10", "body": "second"})
	if a := answerTo(t, nc, "r3"); a["type"] != "sent" || a["message"].(map[string]any)["seq"] != float64(2) {
		t.Errorf("send after refusals answered %v", a)
	}
}

// TestWebSocketSendNeedsALiveSession: sends over a socket keep its session
// alive as requests do; once the session has ended a send is refused and
// the socket closed; a device under a wipe order sends nothing.
func TestWebSocketSendNeedsALiveSession(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	admin, _ := e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop-1")
	nurse, npw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	doc, _ := e.f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dan Doctor")
	pNurse, _ := e.f.MustLogin(t, nurse.Email, npw, "nurse-phone-0")
	conv, _, err := e.f.App.CreateConversation(ctx, pNurse, app.NewConversation{Kind: ward.Direct, Members: []string{doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	sendOK := func(c *websocket.Conn, ref string) {
		t.Helper()
		send(t, c, map[string]any{"type": "send", "ref": ref, "conversation_id": conv.ID, "client_id": ref, "body": "hi " + ref})
		if a := answerTo(t, c, ref); a["type"] != "sent" {
			t.Fatalf("send %s answered %v", ref, a)
		}
	}

	// The default idle timeout is 15 minutes: sending every 10 keeps the
	// session alive well past it.
	c, _ := e.signedIn(t, e.login(t, nurse.Email, npw, "nurse-phone-1"))
	sendOK(c, "a")
	e.f.Clock.Advance(10 * time.Minute)
	sendOK(c, "b")
	e.f.Clock.Advance(10 * time.Minute)
	sendOK(c, "c")
	// 16 quiet minutes: the next send is refused and the socket closed.
	e.f.Clock.Advance(16 * time.Minute)
	send(t, c, map[string]any{"type": "send", "ref": "d", "conversation_id": conv.ID, "client_id": "d", "body": "too late"})
	if a := answerTo(t, c, "d"); problemCode(a) != string(ward.CodeUnauth) {
		t.Errorf("send after the idle timeout answered %v, want unauthenticated", a)
	}
	if st, _ := closed(t, c); st != realtime.StatusUnauthenticated {
		t.Errorf("socket of an idled-out session closed with %d, want 4401", st)
	}

	// A device under a wipe order: its socket is sent the order and
	// closed; the socket's session refuses every request but the
	// confirmation, so a send frame racing the close stores nothing.
	tok := e.login(t, nurse.Email, npw, "nurse-phone-2")
	phone, hello := e.signedIn(t, tok)
	if _, err := e.f.App.ActOnDevice(ctx, admin, hello["device_id"].(string), "wipe"); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"type": "send", "ref": "w", "conversation_id": conv.ID, "client_id": "w", "body": "hi"})
	phone.Write(ctx, websocket.MessageText, b) // the socket may be closing already
	if st, _ := closed(t, phone); st != realtime.StatusDeviceRevoked {
		t.Errorf("wiped device's socket closed with %d, want 4403", st)
	}
	if _, err := e.f.App.AuthenticateOnSocket(ctx, auth.HashSessionToken(tok), "127.0.0.1"); ward.ErrorCode(err) != ward.CodeDeviceWiped {
		t.Errorf("a send on the wiped device's session: %v, want device_wiped", err)
	}

	wantStored(t, e, pNurse, conv.ID, 3, "the 3 sent while the session was live")
}
