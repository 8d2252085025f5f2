package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// TestMergedRecordTakesNothingNew (issue 22): a record merged into another
// refuses a new invitation, a new care team assignment, an edit and a new
// conversation tagged with it: 409 patient_merged, the message naming the
// surviving record's id, and nothing changes (no audit event, the record,
// its teams and invitations and the caller's conversations as they were).
// The survivor takes the same requests; unmerged, the record takes them
// again.
func TestMergedRecordTakesNothingNew(t *testing.T) {
	e := newEnv(t)
	nurse := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	staff := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	owner := e.token(t, e.email[ward.RoleOwner], e.pw[ward.RoleOwner])
	var surv, dup patientOut
	for _, c := range []struct {
		out  *patientOut
		body string
	}{
		{&surv, `{"mrn":"S-1","given_name":"Ann","family_name":"Lee","birth_date":"1980-02-03","email":"ann.lee@example.org"}`},
		{&dup, `{"mrn":"S-1b","given_name":"Anne","family_name":"Lee","birth_date":"1980-02-03","email":"anne.lee@example.org"}`},
	} {
		if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, c.body, c.out); st != 201 {
			t.Fatalf("create: %d %s", st, code)
		}
	}
	var team struct{ ID string }
	if st, code := e.sendJSON(t, "POST", "/api/v1/teams", owner, `{"name":"Cardiology clinic"}`, &team); st != 201 {
		t.Fatalf("team: %d %s", st, code)
	}
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients/"+dup.ID+"/merge", nurse, `{"into":"`+surv.ID+`"}`, nil); st != 200 {
		t.Fatalf("merge: %d %s", st, code)
	}
	staffID := e.userOf(t, staff)
	requests := func(rec string) [][3]string { // method, path, body; by the nurse, but the assignment by the owner
		return [][3]string{
			{"POST", "/api/v1/patients/" + rec + "/invitations", `{"channel":"link"}`},
			{"PUT", "/api/v1/teams/" + team.ID + "/patients/" + rec, ""},
			{"PATCH", "/api/v1/patients/" + rec, `{"phone":"+1 555 0199"}`},
			{"POST", "/api/v1/conversations", fmt.Sprintf(`{"kind":"group","title":"x","members":[%q],"patient_id":%q}`, staffID, rec)},
		}
	}
	tokenFor := func(path string) string {
		if strings.HasPrefix(path, "/api/v1/teams/") {
			return owner
		}
		return nurse
	}
	type state struct {
		Record        string
		Invitations   string
		Conversations int
	}
	snapshot := func(rec string) state {
		t.Helper()
		var s state
		var raw json.RawMessage
		if st, code := e.sendJSON(t, "GET", "/api/v1/patients/"+rec, nurse, "", &raw); st != 200 {
			t.Fatalf("read: %d %s", st, code)
		}
		s.Record = string(raw)
		if st, code := e.sendJSON(t, "GET", "/api/v1/patients/"+rec+"/invitations", nurse, "", &raw); st != 200 {
			t.Fatalf("invitations: %d %s", st, code)
		}
		s.Invitations = string(raw)
		var convs struct{ Conversations []json.RawMessage }
		if st, code := e.sendJSON(t, "GET", "/api/v1/conversations", nurse, "", &convs); st != 200 {
			t.Fatalf("conversations: %d %s", st, code)
		}
		s.Conversations = len(convs.Conversations)
		return s
	}

	before := snapshot(dup.ID)
	audited := len(e.f.AuditActions(t))
	for _, r := range requests(dup.ID) {
		st, p := e.request(t, r[0], r[1], tokenFor(r[1]), r[2], nil)
		if st != http.StatusConflict || p.Code != string(ward.CodePatientMerged) || !strings.Contains(p.Detail, surv.ID) {
			t.Errorf("%s %s on the merged record: %d %+v", r[0], r[1], st, p)
		}
	}
	if got := e.f.AuditActions(t)[audited:]; len(got) != 0 {
		t.Errorf("the refusals audited %v", got)
	}
	if after := snapshot(dup.ID); after != before {
		t.Errorf("the refusals changed something:\nbefore %+v\nafter  %+v", before, after)
	}

	// The control: the survivor takes each request, and so does the
	// duplicate once unmerged.
	for _, rec := range []string{surv.ID, dup.ID} {
		if rec == dup.ID {
			if st, code := e.sendJSON(t, "POST", "/api/v1/patients/"+dup.ID+"/unmerge", nurse, "", nil); st != 200 {
				t.Fatalf("unmerge: %d %s", st, code)
			}
		}
		for _, r := range requests(rec) {
			if st, p := e.request(t, r[0], r[1], tokenFor(r[1]), r[2], nil); st >= 300 {
				t.Errorf("%s %s on %s: %d %+v", r[0], r[1], rec, st, p)
			}
		}
	}
	var got struct {
		TeamIDs []string `json:"team_ids"`
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients/"+dup.ID, nurse, "", &got); st != 200 || !slices.Contains(got.TeamIDs, team.ID) {
		t.Errorf("the unmerged record's teams: %d %+v", st, got)
	}
}
