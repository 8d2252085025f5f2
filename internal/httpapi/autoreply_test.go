package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/replies"
	"github.com/wardhealth/ward/internal/store"
)

// call sends a JSON request with a bearer token and decodes the answer.
func (e *wsEnv) call(t *testing.T, method, path, token, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode
}

// messagesUntil reads a socket's message.created frames until one from
// senderID with body, and returns the data of every one read.
func messagesUntil(t *testing.T, c *websocket.Conn, senderID, body string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for {
		f := frame(t, c)
		if f["type"] != realtime.MessageCreated {
			continue
		}
		d, _ := f["data"].(map[string]any)
		out = append(out, d)
		if d["sender_id"] == senderID && d["body"] == body {
			return out
		}
	}
}

func autoReplies(ms []map[string]any) []map[string]any {
	var out []map[string]any
	for _, m := range ms {
		if m["kind"] == ward.MessageAutoReply {
			out = append(out, m)
		}
	}
	return out
}

// TestAfterHoursAutoReplyLive: a patient who writes to a team inbox in the
// team's hours gets no auto-reply; after hours they get exactly one, live
// over their socket (and the team's members over theirs), from the team,
// however many messages they send, until 12 hours later. It is audited as
// sent by the system, and the patient still waits for staff.
func TestAfterHoursAutoReplyLive(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{})
	ctx := context.Background()
	admin, apw := e.f.AddUser(t, ward.RoleAdmin, "adm@stmary.example", "Ada Admin")
	nurse, npw := e.f.AddUser(t, ward.RoleStaff, "nina@stmary.example", "Nina Nurse")
	pat, ppw := e.f.AddUser(t, ward.RolePatient, "pat@example.org", "Pat Patient")
	pAdmin, _ := e.f.MustLogin(t, admin.Email, apw, "adm-device-1")
	pNurse, nurseTok := e.f.MustLogin(t, nurse.Email, npw, "nurse-device-1")
	_, patTok := e.f.MustLogin(t, pat.Email, ppw, "pat-device-1")

	rec, err := e.f.Patients.Create(ctx, pNurse, patients.Fields{MRN: "MRN-77", GivenName: "Pat", FamilyName: "Patient", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.f.Store.Write(ctx, func(tx *store.Tx) error { return tx.LinkPatientUser(ctx, pat.OrgID, rec.ID, pat.ID) }); err != nil {
		t.Fatal(err)
	}
	team, err := e.f.Teams.Create(ctx, pAdmin, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.f.Teams.AddMember(ctx, pAdmin, team.ID, nurse.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.f.Patients.AssignToTeam(ctx, pNurse, team.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	allDay := make([]replies.Window, 7)
	for d := range allDay {
		allDay[d] = replies.Window{Day: d, Open: "00:00", Close: "23:59"}
	}
	setHours := func(open []replies.Window) {
		t.Helper()
		if _, err := e.f.Replies.SetTeamHours(ctx, pAdmin, team.ID, replies.Hours{Schedule: replies.Schedule{TimeZone: "UTC", Open: open},
			AutoReply: "We are closed: {clinic.name} answers in the morning."}); err != nil {
			t.Fatal(err)
		}
	}
	for e.f.Clock.Now().UTC().Format("15:04") == "23:59" { // in hours means before 23:59 here
		e.f.Clock.Advance(time.Minute)
	}
	setHours(allDay)

	patSock, _ := e.signedIn(t, patTok)
	nurseSock, _ := e.signedIn(t, nurseTok)
	var started struct{ Conversation struct{ ID string } }
	if st := e.call(t, "POST", "/api/v1/inbox/conversations", patTok, `{"team_id":"`+team.ID+`","body":"in hours 1"}`, &started); st != http.StatusCreated {
		t.Fatalf("start: %d", st)
	}
	conv := started.Conversation.ID
	post := func(token, body string) {
		t.Helper()
		if st := e.call(t, "POST", "/api/v1/conversations/"+conv+"/messages", token, `{"client_id":"`+body+`","body":"`+body+`"}`, nil); st != http.StatusCreated {
			t.Fatalf("send %q: %d", body, st)
		}
	}
	post(patTok, "in hours 2")
	post(nurseTok, "marker 1")
	if got := autoReplies(messagesUntil(t, patSock, nurse.ID, "marker 1")); len(got) != 0 {
		t.Fatalf("in hours, auto-replies %v", got)
	}

	setHours(nil) // closed all week: after hours from now on
	e.f.Clock.Advance(time.Minute)
	for _, b := range []string{"after hours 1", "after hours 2", "after hours 3"} {
		post(patTok, b)
	}
	post(nurseTok, "marker 2")
	seen := messagesUntil(t, patSock, nurse.ID, "marker 2")
	got := autoReplies(seen)
	if len(got) != 1 || got[0]["sender_id"] != team.ID || got[0]["body"] != "We are closed: St Mary answers in the morning." {
		t.Fatalf("after hours, auto-replies %v (of %d messages)", got, len(seen))
	}
	if nurseGot := autoReplies(messagesUntil(t, nurseSock, nurse.ID, "marker 2")); len(nurseGot) != 1 {
		t.Errorf("the team member saw %d auto-replies", len(nurseGot))
	}
	// The auto-reply is a message of the thread, from the team, and the
	// patient's wait it did not end: only the nurse's marker did.
	var list struct{ Messages []map[string]any }
	e.call(t, "GET", "/api/v1/conversations/"+conv+"/messages", patTok, "", &list)
	if n := len(autoReplies(list.Messages)); n != 1 {
		t.Errorf("%d auto-replies in the thread's messages", n)
	}
	ev := e.f.AuditEvents(t, audit.MessageSent)
	var system int
	for _, x := range ev {
		if x["actor_role"] == "system" && x["actor_user_id"] == "" {
			system++
		}
	}
	if system != 1 {
		t.Errorf("%d message.sent events by the system, want 1", system)
	}

	// A patient's message after hours starts the wait; the auto-reply
	// leaves it running. Twelve hours on (signed in again: the sessions
	// went idle), the thread may get its auto-reply again.
	e.f.Clock.Advance(13 * time.Hour)
	pNurse, nurseTok = e.f.MustLogin(t, nurse.Email, npw, "nurse-device-1")
	_, patTok = e.f.MustLogin(t, pat.Email, ppw, "pat-device-1")
	patSock, _ = e.signedIn(t, patTok)
	post(patTok, "after the night")
	ths, err := e.f.Inbox.List(ctx, pNurse, team.ID, "open", 10)
	if err != nil || len(ths) != 1 || ths[0].WaitingSince.IsZero() {
		t.Fatalf("inbox after the auto-reply: %+v %v", ths, err)
	}
	post(nurseTok, "marker 3")
	if got := autoReplies(messagesUntil(t, patSock, nurse.ID, "marker 3")); len(got) != 1 {
		t.Errorf("12 hours later: %d auto-replies, want 1 more", len(got))
	}
}
