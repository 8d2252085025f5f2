package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/realtime"
)

// wsCall sends a request with a bearer token and a JSON body ("" for none)
// to the wsEnv's server and returns the status; headers are "key: value".
func wsCall(t *testing.T, e *wsEnv, method, path, token, body string, headers ...string) int {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode
}

// TestDeliveredMarksDoNotKeepSessionAlive: the marks a client sends by
// itself as messages arrive (delivered, over POST …/receipts and over the
// socket) do not reset the idle timer; read marks, which a person's
// looking makes, do.
func TestDeliveredMarksDoNotKeepSessionAlive(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	nurse, npw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	doc, dpw := e.f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dan Doctor")
	pNurse, _ := e.f.MustLogin(t, nurse.Email, npw, "nurse-phone-0")
	conv, _, err := e.f.App.CreateConversation(ctx, pNurse, app.NewConversation{Kind: ward.Direct, Members: []string{doc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	idle := ward.DefaultPolicy().IdleTimeout.D() // 15 minutes
	seq := int64(0)
	arrive := func() { // a message for the doctor to mark
		t.Helper()
		seq++
		if _, _, err := e.f.App.SendMessage(ctx, pNurse, conv.ID, app.SendRequest{ClientID: fmt.Sprintf("m-%d", seq), Body: "vitals"}); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/v1/conversations/" + conv.ID + "/receipts"
	for _, kind := range []ward.ReceiptKind{ward.Delivered, ward.Read} {
		t.Run(string(kind), func(t *testing.T) {
			token := e.login(t, doc.Email, dpw, "doc-phone-"+string(kind))
			c, _ := e.signedIn(t, token)
			step := idle / 3
			// Marks every third of the idle timeout, alternating POST and
			// socket frame: two (delivered) stay within the timeout; four
			// (read) go past it, each keeping the session alive.
			marks := map[ward.ReceiptKind]int{ward.Delivered: 2, ward.Read: 4}[kind]
			for i := range marks {
				e.f.Clock.Advance(step)
				arrive()
				if i%2 == 0 {
					if st := wsCall(t, e, http.MethodPost, path, token, fmt.Sprintf(`{"up_to_seq":%d,"kind":%q}`, seq, kind)); st != http.StatusOK {
						t.Fatalf("mark %d over POST: %d", i, st)
					}
				} else {
					ref := fmt.Sprintf("m%d", i)
					send(t, c, map[string]any{"type": "mark", "ref": ref, "conversation_id": conv.ID, "up_to_seq": seq, "kind": kind})
					if a := answerTo(t, c, ref); a["type"] != "marked" {
						t.Fatalf("mark %d over the socket: %v", i, a)
					}
				}
			}
			e.f.Clock.Advance(step)
			e.f.Clock.Advance(time.Second)
			st := wsCall(t, e, http.MethodGet, "/api/v1/me", token, "")
			switch {
			case kind == ward.Delivered && st != http.StatusUnauthorized:
				t.Errorf("after %s of delivered marks only, the session still answers %d, want 401 (idle)", idle, st)
			case kind == ward.Read && st != http.StatusOK:
				t.Errorf("after read marks every %s, the session answers %d, want 200", step, st)
			}
		})
	}
}

// TestAutomaticTrafficDoesNotKeepSessionAlive: the rest of what a client
// does by itself — socket pings, opening a socket again (a reconnect), and
// requests marked X-Ward-Background (a catch-up, a session check) — does
// not reset the idle timer either; a person's request does.
func TestAutomaticTrafficDoesNotKeepSessionAlive(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	idle := ward.DefaultPolicy().IdleTimeout.D()
	for _, person := range []bool{false, true} {
		token := e.login(t, nurse.Email, pw, fmt.Sprintf("nurse-phone-%v", person))
		for range 4 { // every third of the timeout, for longer than it
			e.f.Clock.Advance(idle / 3)
			if person {
				if st := wsCall(t, e, http.MethodGet, "/api/v1/conversations", token, ""); st != http.StatusOK {
					t.Fatalf("a person's request: %d", st)
				}
				continue
			}
			if st := wsCall(t, e, http.MethodGet, "/api/v1/conversations", token, "", "X-Ward-Background: 1"); st != http.StatusOK {
				if st == http.StatusUnauthorized {
					break // idled out: right
				}
				t.Fatalf("a background request: %d", st)
			}
			c, _, err := e.dial(t, http.Header{"Authorization": {"Bearer " + token}})
			if err != nil {
				break // idled out at the reconnect: right
			}
			send(t, c, map[string]string{"type": "ping"})
			if f := frame(t, c); f["type"] != "hello" && f["type"] != "pong" {
				break
			}
			c.CloseNow()
		}
		st := wsCall(t, e, http.MethodGet, "/api/v1/me", token, "")
		switch {
		case !person && st != http.StatusUnauthorized:
			t.Errorf("after %s of automatic traffic only, the session answers %d, want 401 (idle)", 4*idle/3, st)
		case person && st != http.StatusOK:
			t.Errorf("after a person's requests every %s, the session answers %d, want 200", idle/3, st)
		}
	}
}
