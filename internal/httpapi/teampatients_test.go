package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/wardhealth/ward"
)

// A nurse of a care team assigns a patient to it over HTTP and then finds
// the record in GET /api/v1/patients (no query), paged; taking it off the
// team takes it out of the list.
func TestTeamPatientsAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	pAdmin, err := e.f.App.Authenticate(ctx, admin, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	team, err := e.f.Teams.Create(ctx, pAdmin, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.f.Teams.AddMember(ctx, pAdmin, team.ID, e.userOf(t, nurse)); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, body := range []string{janeJSON, `{"mrn":"MRN-0002","given_name":"John","family_name":"Roe","birth_date":"1970-01-01"}`} {
		var rec patientOut
		if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, body, &rec); st != http.StatusCreated {
			t.Fatalf("create: %d %s", st, code)
		}
		ids = append(ids, rec.ID)
	}
	var list struct {
		Patients []patientOut
		Next     string
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients", nurse, "", &list); st != http.StatusOK || len(list.Patients) != 0 {
		t.Fatalf("before any assignment: %d %+v", st, list)
	}
	for _, id := range ids {
		if st, code := e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/patients/"+id, nurse, "", nil); st != http.StatusNoContent {
			t.Fatalf("assign: %d %s", st, code)
		}
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients?limit=1", nurse, "", &list); st != http.StatusOK || len(list.Patients) != 1 ||
		list.Patients[0].ID != ids[0] || list.Next != ids[0] {
		t.Fatalf("first page: %d %+v", st, list)
	}
	list.Next = ""
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients?limit=1&after="+ids[0], nurse, "", &list); st != http.StatusOK || len(list.Patients) != 1 ||
		list.Patients[0].MRN != "MRN-0002" || list.Next != "" {
		t.Fatalf("second page: %d %+v", st, list)
	}
	var got struct {
		TeamIDs []string `json:"team_ids"`
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients/"+ids[0], nurse, "", &got); st != http.StatusOK || len(got.TeamIDs) != 1 || got.TeamIDs[0] != team.ID {
		t.Fatalf("record's teams: %d %+v", st, got)
	}
	if st, code := e.sendJSON(t, "DELETE", "/api/v1/teams/"+team.ID+"/patients/"+ids[0], admin, "", nil); st != http.StatusNoContent {
		t.Fatalf("unassign: %d %s", st, code)
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients", nurse, "", &list); st != http.StatusOK || len(list.Patients) != 1 || list.Patients[0].ID != ids[1] {
		t.Fatalf("after unassigning: %d %+v", st, list)
	}
	// The conversations about the record that the nurse is in.
	doc := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	body := `{"kind":"group","title":"about Jane","members":["` + e.userOf(t, doc) + `"],"patient_id":"` + ids[0] + `"}`
	if st, code := e.sendJSON(t, "POST", "/api/v1/conversations", nurse, body, nil); st != http.StatusCreated {
		t.Fatalf("a conversation about the record: %d %s", st, code)
	}
	var convs struct {
		Conversations []struct {
			Title     string `json:"title"`
			PatientID string `json:"patient_id"`
		}
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients/"+ids[0]+"/conversations", doc, "", &convs); st != http.StatusOK ||
		len(convs.Conversations) != 1 || convs.Conversations[0].Title != "about Jane" || convs.Conversations[0].PatientID != ids[0] {
		t.Fatalf("the record's conversations: %d %+v", st, convs)
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients/"+ids[1]+"/conversations", doc, "", &convs); st != http.StatusOK || len(convs.Conversations) != 0 {
		t.Fatalf("another record's conversations: %d %+v", st, convs)
	}
	want := []string{"team.patient_assigned", "team.patient_assigned", "team.patient_unassigned"}
	var saw []string
	for _, a := range e.f.AuditActions(t) {
		if a == want[0] || a == want[2] {
			saw = append(saw, a)
		}
	}
	if len(saw) != 3 || saw[0] != want[0] || saw[1] != want[1] || saw[2] != want[2] {
		t.Fatalf("audit: %v, want %v", saw, want)
	}
}
