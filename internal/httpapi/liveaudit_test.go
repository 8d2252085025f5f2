package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// auditRecord is one exported audit event.
type auditRecord struct {
	ActorUserID   string `json:"actor_user_id"`
	ActorRole     string `json:"actor_role"`
	ActorDeviceID string `json:"actor_device_id"`
	ActorIP       string `json:"actor_ip"`
	Action        string `json:"action"`
	ResourceType  string `json:"resource_type"`
	ResourceID    string `json:"resource_id"`
	PatientID     string `json:"patient_id"`
	Outcome       string `json:"outcome"`
	Reason        string `json:"reason"`
}

// auditTrail returns every audit event so far, in order.
func auditTrail(t *testing.T, f *apptest.Fixture) []auditRecord {
	t.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		t.Fatal(err)
	}
	var out []auditRecord
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var r auditRecord
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Action != "" {
			out = append(out, r)
		}
	}
	return out
}

// eventsOf returns the events of action by user, in order. It asks the
// store for them alone: the route x role walk asks twice per route and
// role, and the whole trail grows as it goes.
func eventsOf(t *testing.T, f *apptest.Fixture, action audit.Action, userID string) []auditRecord {
	t.Helper()
	var out []auditRecord
	err := f.Store.Read(context.Background(), func(tx *store.Tx) error {
		return tx.AuditRows(context.Background(), store.AuditQuery{UserID: userID, Action: string(action)}, func(r *store.AuditRow) error {
			if r.ActorUserID == userID {
				out = append(out, auditRecord{ActorUserID: r.ActorUserID, ActorRole: r.ActorRole, ActorDeviceID: r.ActorDeviceID,
					ActorIP: r.ActorIP, Action: r.Action, ResourceType: r.ResourceType, ResourceID: r.ResourceID,
					PatientID: r.PatientID, Outcome: r.Outcome, Reason: r.Reason})
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitEvents polls the trail until userID has an event of action that
// matches ok, and returns the user's events of action.
func waitEvents(t *testing.T, f *apptest.Fixture, action audit.Action, userID string, within time.Duration, ok func([]auditRecord) bool) []auditRecord {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		evs := eventsOf(t, f, action, userID)
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s events of %s: %+v", within, action, userID, evs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// messagesOn reads n message.created frames from c (skipping other frames).
func messagesOn(t *testing.T, c *websocket.Conn, n int) {
	t.Helper()
	for n > 0 {
		if f := frame(t, c); f["type"] == realtime.MessageCreated {
			n--
		}
	}
}

// TestSocketDeliveryIsAudited: message bodies pushed over a socket leave a
// message.delivered event for the recipient, naming the conversation, the
// seqs, and the socket's user, role, device and address: within about a
// second while the socket stays open, and at once when it closes.
func TestSocketDeliveryIsAudited(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	r := newTrio(t, e)
	for i := range 3 {
		if _, _, err := e.f.App.SendMessage(ctx, r.pNurse, r.conv.ID, app.SendRequest{ClientID: fmt.Sprint("c", i), Body: fmt.Sprint("BP 12", i)}); err != nil {
			t.Fatal(err)
		}
	}
	messagesOn(t, r.dc, 3)
	// The doctor's socket closes before a second passes: its record is
	// written as it closes.
	r.dc.Close(websocket.StatusNormalClosure, "bye")
	evs := waitEvents(t, e.f, audit.MessageDelivered, r.doc.ID, 5*time.Second, func(evs []auditRecord) bool { return len(evs) > 0 })
	if len(evs) != 1 {
		t.Fatalf("%d message.delivered events for the doctor, want 1 covering the three: %+v", len(evs), evs)
	}
	ev := evs[0]
	if ev.ResourceType != "conversation" || ev.ResourceID != r.conv.ID || ev.Outcome != "success" ||
		ev.ActorRole != string(ward.RoleClinician) || ev.ActorDeviceID == "" || ev.ActorIP != "127.0.0.1" ||
		!strings.Contains(ev.Reason, "seq 1 to 3") || !strings.Contains(ev.Reason, "3 messages") {
		t.Errorf("delivery event %+v", ev)
	}
	if strings.Contains(ev.Reason, "BP") {
		t.Errorf("the delivery event holds content: %q", ev.Reason)
	}

	// The nurse's socket stays open: its deliveries (her own messages,
	// sent from another device) are recorded within about a second.
	messagesOn(t, r.nc, 3)
	waitEvents(t, e.f, audit.MessageDelivered, r.nurse.ID, 5*time.Second, func(evs []auditRecord) bool {
		return len(evs) > 0 && strings.Contains(evs[len(evs)-1].Reason, "to 3")
	})

	// The outsider got nothing and has no delivery recorded.
	e.mustStayOpen(t, r.oc, r.outsiderID(t, e), "the outsider")
	if evs := eventsOf(t, e.f, audit.MessageDelivered, r.outsiderID(t, e)); len(evs) != 0 {
		t.Errorf("the outsider has delivery events: %+v", evs)
	}
	// A receipt (no content) is not a delivery of PHI.
	before := len(eventsOf(t, e.f, audit.MessageDelivered, r.nurse.ID))
	e.f.App.Broker().Publish(ctx, realtime.Event{Type: realtime.Receipt, ConversationID: r.conv.ID, Seq: 3, Users: []string{r.nurse.ID}})
	frame(t, r.nc)
	r.nc.Close(websocket.StatusNormalClosure, "bye")
	time.Sleep(1500 * time.Millisecond)
	if after := len(eventsOf(t, e.f, audit.MessageDelivered, r.nurse.ID)); after != before {
		t.Errorf("a receipt frame was recorded as a delivery: %d events, want %d", after, before)
	}
}

// outsiderID is the id of the trio's outsider.
func (r trio) outsiderID(t *testing.T, e *wsEnv) string {
	t.Helper()
	var u ward.User
	err := e.f.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByEmail(context.Background(), e.f.Org.ID, "out@stmary.example")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestSocketMarksAudited: a read mark over the socket leaves a message.read
// event for the reader, as a read mark by POST does; delivered marks (the
// client's automatic echo) do not.
func TestSocketMarksAudited(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	r := newTrio(t, e)
	for i := range 3 {
		if _, _, err := e.f.App.SendMessage(ctx, r.pNurse, r.conv.ID, app.SendRequest{ClientID: fmt.Sprint("c", i), Body: "HR 7" + fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	send(t, r.dc, map[string]any{"type": "mark", "ref": "d", "conversation_id": r.conv.ID, "up_to_seq": 3, "kind": "delivered"})
	if a := answerTo(t, r.dc, "d"); a["type"] != "marked" {
		t.Fatalf("delivered mark answered %v", a)
	}
	if evs := eventsOf(t, e.f, audit.MessageRead, r.doc.ID); len(evs) != 0 {
		t.Errorf("a delivered mark left message.read events: %+v", evs)
	}
	send(t, r.dc, map[string]any{"type": "mark", "ref": "r", "conversation_id": r.conv.ID, "up_to_seq": 2, "kind": "read"})
	if a := answerTo(t, r.dc, "r"); a["type"] != "marked" || a["changed"] != float64(2) {
		t.Fatalf("read mark answered %v", a)
	}
	// Committed with the mark: in the trail once the answer is in.
	evs := eventsOf(t, e.f, audit.MessageRead, r.doc.ID)
	if len(evs) != 1 {
		t.Fatalf("%d message.read events after a read mark, want 1: %+v", len(evs), evs)
	}
	if ev := evs[0]; ev.ResourceType != "conversation" || ev.ResourceID != r.conv.ID || ev.ActorDeviceID == "" ||
		ev.ActorIP != "127.0.0.1" || !strings.Contains(ev.Reason, "read mark up to seq 2") {
		t.Errorf("read mark event %+v", ev)
	}
	// A mark that changes nothing records nothing more.
	send(t, r.dc, map[string]any{"type": "mark", "ref": "r2", "conversation_id": r.conv.ID, "up_to_seq": 2, "kind": "read"})
	answerTo(t, r.dc, "r2")
	if evs := eventsOf(t, e.f, audit.MessageRead, r.doc.ID); len(evs) != 1 {
		t.Errorf("a mark that changed nothing was recorded: %+v", evs)
	}
	// The POST records the same.
	tok := e.login(t, r.doc.Email, "pw for doc@stmary.example is long", "doc-laptop-1")
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/conversations/"+r.conv.ID+"/receipts",
		strings.NewReader(`{"up_to_seq":3,"kind":"read"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST receipts: %d", resp.StatusCode)
	}
	if evs := eventsOf(t, e.f, audit.MessageRead, r.doc.ID); len(evs) != 2 || !strings.Contains(evs[1].Reason, "read mark up to seq 3") {
		t.Errorf("after the POST's read mark: %+v", evs)
	}
}

// TestDenialsAudited: refusals on PHI resources, over REST and over the
// socket, leave access.denied events (outcome denied) naming the user, the
// refused action and the requested id when it is a UUID; never free text.
func TestDenialsAudited(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	r := newTrio(t, e)
	out := r.outsiderID(t, e)

	// Over the socket: a send and a mark into a conversation the outsider
	// is not a member of.
	send(t, r.oc, map[string]any{"type": "send", "ref": "s", "conversation_id": r.conv.ID, "client_id": "x1", "body": "hello"})
	if a := answerTo(t, r.oc, "s"); problemCode(a) != string(ward.CodeNotFound) {
		t.Fatalf("outsider's send answered %v", a)
	}
	send(t, r.oc, map[string]any{"type": "mark", "ref": "m", "conversation_id": r.conv.ID, "up_to_seq": 1, "kind": "read"})
	if a := answerTo(t, r.oc, "m"); problemCode(a) != string(ward.CodeNotFound) {
		t.Fatalf("outsider's mark answered %v", a)
	}
	evs := eventsOf(t, e.f, audit.AccessDenied, out)
	if len(evs) != 2 {
		t.Fatalf("%d access.denied events after two refused frames, want 2: %+v", len(evs), evs)
	}
	for i, want := range []string{"message.send", "receipt.write"} {
		ev := evs[i]
		if ev.Outcome != "denied" || ev.ResourceType != "conversation" || ev.ResourceID != r.conv.ID ||
			!strings.Contains(ev.Reason, want) || ev.ActorIP != "127.0.0.1" || ev.ActorDeviceID == "" {
			t.Errorf("denial %d: %+v, want %s on the conversation", i, ev, want)
		}
	}

	// Over REST: the messages of that conversation, and an id that is not
	// a UUID (recorded without it).
	tok := e.login(t, "out@stmary.example", "pw for out@stmary.example is long", "out-laptop-1")
	get := func(path string) int {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("/api/v1/conversations/" + r.conv.ID + "/messages"); st != http.StatusNotFound {
		t.Fatalf("outsider lists messages: %d", st)
	}
	if st := get("/api/v1/conversations/Jane%20Doe%201970-01-01"); st != http.StatusNotFound {
		t.Fatalf("free-text id: %d", st)
	}
	evs = eventsOf(t, e.f, audit.AccessDenied, out)
	if len(evs) != 4 {
		t.Fatalf("%d access.denied events, want 4: %+v", len(evs), evs)
	}
	if ev := evs[2]; ev.ResourceID != r.conv.ID || !strings.Contains(ev.Reason, "message.read") {
		t.Errorf("REST denial %+v", ev)
	}
	if ev := evs[3]; ev.ResourceID != "" || strings.Contains(ev.Reason, "Jane") || !strings.Contains(ev.Reason, "conversation.read") {
		t.Errorf("free-text id denial %+v: the id must not be recorded", ev)
	}
	// Not a denial: a bad request, or a refusal on no PHI resource.
	if st := get("/api/v1/conversations/" + r.conv.ID + "/messages?limit=-1"); st != http.StatusBadRequest {
		t.Fatalf("bad limit: %d", st)
	}
	if st := get("/api/v1/audit"); st != http.StatusForbidden {
		t.Fatalf("clinician searching the audit trail: %d", st)
	}
	if n := len(eventsOf(t, e.f, audit.AccessDenied, out)); n != 4 {
		t.Errorf("%d access.denied events after a bad request and a non-PHI refusal, want 4", n)
	}
}
