package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
)

// sendJSON sends body (JSON; "" for none), decodes a success into out,
// and answers the status and the problem's code ("" on success).
func (e *env) sendJSON(t *testing.T, method, path, token, body string, out any) (int, string) {
	t.Helper()
	st, p := e.request(t, method, path, token, body, out)
	return st, p.Code
}

type problemOut struct{ Code, Detail string }

// request sends body (JSON; "" for none) and answers the status; a success
// is decoded into out (nil: not decoded), a failure into the problem.
func (e *env) request(t *testing.T, method, path, token, body string, out any) (int, problemOut) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var p problemOut
	if resp.StatusCode >= 300 {
		json.Unmarshal(raw, &p)
	} else if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, p
}

type patientOut struct {
	ID         string `json:"id"`
	MRN        string `json:"mrn"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	BirthDate  string `json:"birth_date"`
	Phone      string `json:"phone"`
	Status     string `json:"status"`
}

const janeJSON = `{"mrn":"MRN-0001","given_name":"Jane","family_name":"Doe","birth_date":"1980-02-29","sex":"female","phone":"+1 555 0100","email":"jane@example.org"}`

func TestPatientsAPI(t *testing.T) {
	e := newEnv(t)
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	doc := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])

	var jane patientOut
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, janeJSON, &jane); st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, code)
	}
	if jane.ID == "" || jane.MRN != "MRN-0001" || jane.Status != "active" {
		t.Fatalf("created %+v", jane)
	}
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients", doc, strings.Replace(janeJSON, "MRN-0001", "mrn 0001", 1), nil); st != http.StatusConflict || code != string(ward.CodeConflict) {
		t.Errorf("duplicate MRN: %d %s, want 409 conflict", st, code)
	}
	var got patientOut
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients/"+jane.ID, doc, "", &got); st != http.StatusOK || got != jane {
		t.Errorf("get: %d %+v", st, got)
	}
	var list struct{ Patients []patientOut }
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients?mrn=MRN-0001", doc, "", &list); st != http.StatusOK || len(list.Patients) != 1 || list.Patients[0].ID != jane.ID {
		t.Errorf("by mrn: %d %+v", st, list)
	}
	q := url.Values{"birth_date": {"1980-02-29"}, "family_name": {"doe"}}
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients?"+q.Encode(), nurse, "", &list); st != http.StatusOK || len(list.Patients) != 1 {
		t.Errorf("by birth date and name: %d %+v", st, list)
	}
	for _, bad := range []string{"?mrn=", "?mrn=a&mrn=b", "?birth_date=1980-02-29", "?mrn=a&birth_date=1980-02-29&family_name=x", "?name=Doe", "?birth_date=80-2-29&family_name=doe"} {
		if st, code := e.sendJSON(t, "GET", "/api/v1/patients"+bad, nurse, "", nil); st != http.StatusBadRequest || code != string(ward.CodeInvalid) {
			t.Errorf("GET /api/v1/patients%s: %d %s, want 400 invalid_input", bad, st, code)
		}
	}
	var edited patientOut
	if st, code := e.sendJSON(t, "PATCH", "/api/v1/patients/"+jane.ID, doc, `{"phone":"+1 555 0199"}`, &edited); st != http.StatusOK || edited.Phone != "+1 555 0199" || edited.GivenName != "Jane" {
		t.Errorf("patch: %d %s %+v", st, code, edited)
	}
	// Admins manage records without reading them.
	if st, code := e.sendJSON(t, "GET", "/api/v1/patients/"+jane.ID, admin, "", nil); st != http.StatusForbidden {
		t.Errorf("admin reads a record: %d %s", st, code)
	}
	if st, code := e.sendJSON(t, "POST", "/api/v1/patients/"+jane.ID+"/deactivate", admin, "", nil); st != http.StatusOK {
		t.Errorf("admin deactivates: %d %s", st, code)
	}
	if st, code := e.sendJSON(t, "PATCH", "/api/v1/patients/"+jane.ID, doc, `{"phone":"1"}`, nil); st != http.StatusConflict {
		t.Errorf("patch a deactivated record: %d %s, want 409", st, code)
	}
	n := 0
	for _, ev := range auditTrail(t, e.f) {
		if ev.Action == string(audit.PatientRecordRead) && ev.ResourceID == jane.ID {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d patient.read events for the record, want 3 (get, by mrn, by birth date)", n)
	}
}

func TestPatientsBadInputStoresNothing(t *testing.T) {
	e := newEnv(t)
	nurse := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	long := strings.Repeat("x", 201)
	for name, body := range map[string]string{
		"bad date":      strings.Replace(janeJSON, "1980-02-29", "1980-13-01", 1),
		"date form":     strings.Replace(janeJSON, "1980-02-29", "29.02.1980", 1),
		"empty mrn":     strings.Replace(janeJSON, `"MRN-0001"`, `" "`, 1),
		"no mrn":        `{"given_name":"Jane","family_name":"Doe","birth_date":"1980-02-29"}`,
		"long name":     strings.Replace(janeJSON, `"Doe"`, `"`+long+`"`, 1),
		"unknown field": strings.Replace(janeJSON, `{`, `{"ssn":"123-45-6789",`, 1),
		"mrn twice":     strings.Replace(janeJSON, `{`, `{"mrn":"X",`, 1),
		"wrong type":    strings.Replace(janeJSON, `"MRN-0001"`, `12`, 1),
	} {
		if st, code := e.sendJSON(t, "POST", "/api/v1/patients", nurse, body, nil); st != http.StatusBadRequest || code != string(ward.CodeInvalid) {
			t.Errorf("%s: %d %s, want 400 invalid_input", name, st, code)
		}
	}
	var list struct{ Patients []patientOut }
	if st, _ := e.sendJSON(t, "GET", "/api/v1/patients?birth_date=1980-02-29&family_name=Doe", nurse, "", &list); st != http.StatusOK || len(list.Patients) != 0 {
		t.Errorf("bad input stored a record: %d %+v", st, list)
	}
	for _, ev := range auditTrail(t, e.f) {
		if ev.Action == string(audit.PatientCreated) {
			t.Errorf("bad input left a patient.created event")
		}
	}
}
