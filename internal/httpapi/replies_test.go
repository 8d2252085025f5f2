package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/wardhealth/ward"
)

// Saved replies over HTTP: a nurse saves a personal reply, renders it for
// a patient record and gets the text; an unknown placeholder is refused
// with invalid_input; a team's hours round-trip.
func TestSavedRepliesAPI(t *testing.T) {
	e := newEnv(t)
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	var jane patientOut
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &jane); st != http.StatusCreated {
		t.Fatalf("create patient: %d %s", st, code)
	}
	var rep struct{ ID, Title, Body, UserID string }
	if st, code := e.sendJSON(t, "POST", "/api/v1/replies", nurse, `{"personal":true,"title":"Results","body":"Hi {patient.first_name}, your results are in. {clinic.name}"}`, &rep); st != http.StatusCreated || rep.ID == "" {
		t.Fatalf("create: %d %s %+v", st, code, rep)
	}
	if st, code := e.sendJSON(t, "POST", "/api/v1/replies", nurse, `{"personal":true,"title":"x","body":"{patient.dob}"}`, nil); st != http.StatusBadRequest || code != string(ward.CodeInvalid) {
		t.Fatalf("unknown placeholder: %d %s", st, code)
	}
	var out struct {
		Text    string
		Missing []string
	}
	if st, code := e.sendJSON(t, "POST", "/api/v1/replies/"+rep.ID+"/render", nurse, fmt.Sprintf(`{"patient_id":%q}`, jane.ID), &out); st != http.StatusOK {
		t.Fatalf("render: %d %s", st, code)
	}
	if out.Text != "Hi Jane, your results are in. St Mary" || len(out.Missing) != 0 {
		t.Fatalf("render = %+v", out)
	}
	var list struct{ Replies []struct{ ID string } }
	if st, _ := e.sendJSON(t, "GET", "/api/v1/replies", nurse, "", &list); st != http.StatusOK || len(list.Replies) != 1 || list.Replies[0].ID != rep.ID {
		t.Fatalf("list: %d %+v", st, list)
	}
	var team struct{ ID string }
	if st, _ := e.sendJSON(t, "POST", "/api/v1/teams", admin, `{"name":"Front desk"}`, &team); st != http.StatusCreated {
		t.Fatalf("team: %d", st)
	}
	var hours struct {
		TimeZone  string `json:"time_zone"`
		AutoReply string `json:"auto_reply"`
		Set       bool
	}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/teams/"+team.ID+"/hours", nurse, "", &hours); st != http.StatusOK || hours.Set {
		t.Fatalf("hours before: %d %+v", st, hours)
	}
	body := `{"time_zone":"Europe/London","open":[{"day":1,"open":"08:00","close":"17:00"}],"holidays":["2026-12-25"],"auto_reply":"Closed. Call {clinic.phone}."}`
	if st, code := e.sendJSON(t, "PUT", "/api/v1/teams/"+team.ID+"/hours", admin, body, &hours); st != http.StatusOK || !hours.Set || hours.TimeZone != "Europe/London" || hours.AutoReply != "Closed. Call {clinic.phone}." {
		t.Fatalf("put hours: %d %s %+v", st, code, hours)
	}
}
