package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

type inboxThreadOut struct {
	ConversationID string `json:"conversation_id"`
	TeamID         string `json:"team_id"`
	PatientID      string `json:"patient_id"`
	Status         string
	AssigneeID     string `json:"assignee_id"`
	WaitingSeconds int64  `json:"waiting_seconds"`
}

// TestTeamInboxFlow: a patient writes to their care team; the thread is in
// the team's inbox with a waiting time; a nurse claims it and answers; the
// wait ends. A patient cannot write to a team they are not assigned to nor
// reach the inbox routes; a clinician who joins the team later sees the
// thread; staff outside the team do not.
func TestTeamInboxFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	doc := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	pat := e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])
	nurseID, docID, patID := e.userOf(t, nurse), e.userOf(t, doc), e.userOf(t, pat)

	var rec patientOut
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &rec); st != http.StatusCreated {
		t.Fatalf("create record: %d %s", st, code)
	}
	if err := e.f.Store.Write(ctx, func(tx *store.Tx) error { return tx.LinkPatientUser(ctx, e.f.Owner.OrgID, rec.ID, patID) }); err != nil {
		t.Fatal(err)
	}
	var team, other struct{ ID string }
	e.sendJSON(t, "POST", "/api/v1/teams", admin, `{"name":"Cardiology clinic"}`, &team)
	e.sendJSON(t, "POST", "/api/v1/teams", admin, `{"name":"Ward 7"}`, &other)
	if st, c := e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/members/"+nurseID, admin, "", nil); st != 200 {
		t.Fatalf("add nurse: %d %s", st, c)
	}
	if st, c := e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/patients/"+rec.ID, nurse, "", nil); st != http.StatusNoContent {
		t.Fatalf("assign: %d %s", st, c)
	}

	var teams struct{ Teams []struct{ ID, Name string } }
	if st, _ := e.sendJSON(t, "GET", "/api/v1/inbox/teams", pat, "", &teams); st != 200 || len(teams.Teams) != 1 || teams.Teams[0].ID != team.ID {
		t.Fatalf("patient's care teams: %d %+v", st, teams)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/conversations", pat, `{"team_id":"`+other.ID+`","body":"hello"}`, nil); st != 404 || c != string(ward.CodeNotFound) {
		t.Errorf("a team the patient is not assigned to: %d %s", st, c)
	}
	var started struct {
		Conversation struct {
			ID        string
			PatientID string `json:"patient_id"`
			Members   []struct {
				UserID string `json:"user_id"`
			}
		}
		Message struct{ ID string }
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/conversations", pat, `{"team_id":"`+team.ID+`","body":"my chest hurts"}`, &started); st != 201 {
		t.Fatalf("start: %d %s", st, c)
	}
	conv := started.Conversation.ID
	if started.Message.ID == "" || started.Conversation.PatientID != rec.ID || len(started.Conversation.Members) != 2 {
		t.Errorf("started: %+v", started)
	}
	e.f.Clock.Advance(90 * time.Second)

	for _, path := range []string{"/api/v1/teams/" + team.ID + "/inbox"} {
		if st, _ := e.sendJSON(t, "GET", path, pat, "", nil); st != 403 {
			t.Errorf("patient GET %s: %d", path, st)
		}
	}
	for _, act := range []string{"claim", "status"} {
		if st, _ := e.sendJSON(t, "POST", "/api/v1/inbox/"+conv+"/"+act, pat, `{"status":"closed"}`, nil); st != 403 {
			t.Errorf("patient %s: %d", act, st)
		}
	}
	// The clinician is not in the team yet: no inbox, no thread.
	if st, _ := e.sendJSON(t, "GET", "/api/v1/teams/"+team.ID+"/inbox", doc, "", nil); st != 404 {
		t.Errorf("a clinician outside the team: %d", st)
	}
	if st, _ := e.sendJSON(t, "POST", "/api/v1/inbox/"+conv+"/claim", doc, "", nil); st != 404 {
		t.Errorf("a clinician outside the team claims: %d", st)
	}

	var inbox struct{ Threads []inboxThreadOut }
	if st, c := e.sendJSON(t, "GET", "/api/v1/teams/"+team.ID+"/inbox?status=open&limit=50", nurse, "", &inbox); st != 200 || len(inbox.Threads) != 1 {
		t.Fatalf("inbox: %d %s %+v", st, c, inbox)
	}
	th := inbox.Threads[0]
	if th.ConversationID != conv || th.PatientID != rec.ID || th.Status != "open" || th.WaitingSeconds != 90 || th.AssigneeID != "" {
		t.Errorf("thread: %+v", th)
	}
	var claimed inboxThreadOut
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/"+conv+"/claim", nurse, "", &claimed); st != 200 || claimed.AssigneeID != nurseID {
		t.Errorf("claim: %d %s %+v", st, c, claimed)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/conversations/"+conv+"/messages", nurse, `{"client_id":"n1","body":"on my way"}`, nil); st != 201 {
		t.Fatalf("answer: %d %s", st, c)
	}
	e.sendJSON(t, "GET", "/api/v1/teams/"+team.ID+"/inbox", nurse, "", &inbox)
	if len(inbox.Threads) != 1 || inbox.Threads[0].WaitingSeconds != 0 || inbox.Threads[0].AssigneeID != nurseID {
		t.Errorf("after the answer: %+v", inbox.Threads)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/"+conv+"/status", nurse, `{"status":"waiting"}`, nil); st != 200 {
		t.Errorf("status: %d %s", st, c)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/"+conv+"/assign", nurse, `{"user_id":"`+docID+`"}`, nil); st != 400 || c != string(ward.CodeInvalid) {
		t.Errorf("assign to a non-member: %d %s", st, c)
	}

	// The clinician joins the team: they join its inbox conversation too.
	if st, c := e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/members/"+docID, admin, "", nil); st != 200 {
		t.Fatalf("add clinician: %d %s", st, c)
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/conversations/"+conv+"/messages", doc, "", nil); st != 200 {
		t.Errorf("the new member reads the thread: %d", st)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/conversations/"+conv+"/messages", doc, `{"client_id":"d1","body":"I will call you"}`, nil); st != 201 {
		t.Errorf("the new member writes: %d %s", st, c)
	}
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/"+conv+"/assign", nurse, `{"user_id":"`+docID+`"}`, &claimed); st != 200 || claimed.AssigneeID != docID {
		t.Errorf("assign: %d %s %+v", st, c, claimed)
	}
	e.sendJSON(t, "GET", "/api/v1/teams/"+team.ID+"/inbox?status=waiting", doc, "", &inbox)
	if len(inbox.Threads) != 1 {
		t.Errorf("waiting inbox: %+v", inbox.Threads)
	}
	// The patient writes again: the thread reopens and the wait restarts.
	e.f.Clock.Advance(time.Minute)
	if st, c := e.sendJSON(t, "POST", "/api/v1/conversations/"+conv+"/messages", pat, `{"client_id":"p2","body":"still here"}`, nil); st != 201 {
		t.Fatalf("patient again: %d %s", st, c)
	}
	e.f.Clock.Advance(30 * time.Second)
	e.sendJSON(t, "GET", "/api/v1/teams/"+team.ID+"/inbox", doc, "", &inbox)
	if len(inbox.Threads) != 1 || inbox.Threads[0].Status != "open" || inbox.Threads[0].WaitingSeconds != 30 {
		t.Errorf("reopened: %+v", inbox.Threads)
	}
	// The clinician leaves the team: they leave its inbox conversation.
	if st, _ := e.sendJSON(t, "DELETE", "/api/v1/teams/"+team.ID+"/members/"+docID, admin, "", nil); st != 200 {
		t.Fatalf("remove clinician: %d", st)
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/conversations/"+conv+"/messages", doc, "", nil); st != 404 {
		t.Errorf("a former member reads the thread: %d", st)
	}
	if st, _ := e.sendJSON(t, "POST", "/api/v1/conversations/"+conv+"/messages", doc, `{"client_id":"d2","body":"again"}`, nil); st != 404 {
		t.Errorf("a former member writes: %d", st)
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/teams/"+team.ID+"/inbox", doc, "", nil); st != 404 {
		t.Errorf("a former member lists the inbox: %d", st)
	}

	co := e.token(t, e.email[ward.RoleCompliance], e.pw[ward.RoleCompliance])
	for _, a := range []audit.Action{audit.InboxClaimed, audit.InboxAssigned, audit.InboxStatusChanged} {
		var page struct {
			Events []struct {
				ResourceID string `json:"resource_id"`
				PatientID  string `json:"patient_id"`
			}
		}
		if st, c := e.sendJSON(t, "GET", "/api/v1/audit?action="+string(a), co, "", &page); st != 200 || len(page.Events) == 0 ||
			page.Events[0].ResourceID != conv || page.Events[0].PatientID != rec.ID {
			t.Errorf("%s events: %d %s %+v", a, st, c, page)
		}
	}
}

// TestInboxStatsRoute: a thread answered after 5 minutes (an after-hours
// auto-reply in between does not count as the answer) and closed after 15
// shows in GET /api/v1/inbox/stats for owners, admins and compliance; the
// other roles are refused, a bad range is invalid_input.
func TestInboxStatsRoute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	pat := e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])
	nurseID, patID := e.userOf(t, nurse), e.userOf(t, pat)
	var rec patientOut
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &rec); st != http.StatusCreated {
		t.Fatalf("create record: %d %s", st, code)
	}
	if err := e.f.Store.Write(ctx, func(tx *store.Tx) error { return tx.LinkPatientUser(ctx, e.f.Owner.OrgID, rec.ID, patID) }); err != nil {
		t.Fatal(err)
	}
	var team struct{ ID string }
	e.sendJSON(t, "POST", "/api/v1/teams", admin, `{"name":"Cardiology clinic"}`, &team)
	e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/members/"+nurseID, admin, "", nil)
	e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/patients/"+rec.ID, nurse, "", nil)
	if st, c := e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/hours", admin,
		`{"time_zone":"UTC","open":[],"holidays":[],"auto_reply":"We are closed."}`, nil); st != 200 {
		t.Fatalf("hours: %d %s", st, c)
	}
	var started struct{ Conversation struct{ ID string } }
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/conversations", pat, `{"team_id":"`+team.ID+`","body":"hello"}`, &started); st != 201 {
		t.Fatalf("start: %d %s", st, c)
	}
	conv := started.Conversation.ID
	e.f.Clock.Advance(5 * time.Minute)
	if st, c := e.sendJSON(t, "POST", "/api/v1/conversations/"+conv+"/messages", nurse, `{"client_id":"n1","body":"hi"}`, nil); st != 201 {
		t.Fatalf("answer: %d %s", st, c)
	}
	e.f.Clock.Advance(10 * time.Minute)
	if st, c := e.sendJSON(t, "POST", "/api/v1/inbox/"+conv+"/status", nurse, `{"status":"closed"}`, nil); st != 200 {
		t.Fatalf("close: %d %s", st, c)
	}

	type day struct {
		Day                string
		FirstResponseCount int64 `json:"first_response_count"`
		FirstResponseP50S  int64 `json:"first_response_p50_s"`
		FirstResponseP90S  int64 `json:"first_response_p90_s"`
		ResolutionCount    int64 `json:"resolution_count"`
		ResolutionP50S     int64 `json:"resolution_p50_s"`
		Count              int64
	}
	var stats struct {
		From, To string
		Teams    []struct {
			TeamID string `json:"team_id"`
			Name   string
			Days   []day
		}
	}
	today := e.f.Clock.Now().UTC().Format(time.DateOnly)
	for _, r := range []ward.Role{ward.RoleOwner, ward.RoleAdmin, ward.RoleCompliance} {
		tok := e.token(t, e.email[r], e.pw[r])
		if st, c := e.sendJSON(t, "GET", "/api/v1/inbox/stats", tok, "", &stats); st != 200 {
			t.Fatalf("%s: %d %s", r, st, c)
		}
	}
	if stats.To != today || len(stats.Teams) != 1 || stats.Teams[0].Name != "Cardiology clinic" || len(stats.Teams[0].Days) != 1 {
		t.Fatalf("stats: %+v", stats)
	}
	want := day{Day: today, FirstResponseCount: 1, FirstResponseP50S: 300, FirstResponseP90S: 300, ResolutionCount: 1, ResolutionP50S: 900, Count: 2}
	if got := stats.Teams[0].Days[0]; got != want {
		t.Errorf("day: %+v, want %+v", got, want)
	}
	for _, r := range []ward.Role{ward.RoleClinician, ward.RoleStaff, ward.RolePatient} {
		if st, _ := e.sendJSON(t, "GET", "/api/v1/inbox/stats", e.token(t, e.email[r], e.pw[r]), "", nil); st != 403 {
			t.Errorf("%s: %d, want 403", r, st)
		}
	}
	admin = e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	for _, q := range []string{"?from=yesterday", "?to=2026-13-01", "?from=2026-02-01&to=2026-01-01", "?from=2020-01-01&to=2026-01-01"} {
		if st, c := e.sendJSON(t, "GET", "/api/v1/inbox/stats"+q, admin, "", nil); st != 400 || c != string(ward.CodeInvalid) {
			t.Errorf("%s: %d %s", q, st, c)
		}
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/inbox/stats?from=2000-01-01&to=2000-01-31", admin, "", &stats); st != 200 || len(stats.Teams[0].Days) != 0 {
		t.Errorf("an empty range: %d %+v", st, stats)
	}
}
