package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
)

// An admin changes a staff account's email: the person signs in with the
// new one only, keeps their account, and the audit says "email changed"
// without either address. An email someone else has, one that is not an
// address, a patient's (the address they proved), the owner's (an admin
// may not touch an owner) and the admin's own (a stolen session must not
// lock its owner out) are refused and change nothing.
func TestAdminChangesEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	var dir struct {
		Users []struct{ ID, Email string }
	}
	if st, code := e.sendJSON(t, "GET", "/api/v1/users", admin, "", &dir); st != http.StatusOK {
		t.Fatalf("directory: %d %s", st, code)
	}
	ids := map[string]string{}
	for _, u := range dir.Users {
		ids[u.Email] = u.ID
	}
	clinician, patient := ids[e.email[ward.RoleClinician]], ids[e.email[ward.RolePatient]]
	if clinician == "" || patient == "" {
		t.Fatalf("the directory lacks the clinician or the patient: %v", ids)
	}
	for _, tc := range []struct {
		name, id, body string
		status         int
		code           ward.Code
	}{
		{"another's email", clinician, `{"email":"` + e.email[ward.RoleStaff] + `"}`, 409, ward.CodeConflict},
		{"not an address", clinician, `{"email":"not-an-email"}`, 400, ward.CodeInvalid},
		{"a patient's", patient, `{"email":"new.patient@home.example"}`, 400, ward.CodeInvalid},
		{"the owner's, by an admin", e.f.Owner.ID, `{"email":"owner.new@stmary.example"}`, 403, ward.CodeForbidden},
		{"the admin's own", ids[e.email[ward.RoleAdmin]], `{"email":"me.new@stmary.example"}`, 403, ward.CodeForbidden},
	} {
		before, err := e.f.Store.Snapshot(ctx, stateTables...)
		if err != nil {
			t.Fatal(err)
		}
		if st, code := e.sendJSON(t, "PATCH", "/api/v1/users/"+tc.id, admin, tc.body, nil); st != tc.status || code != string(tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, st, code, tc.status, tc.code)
		}
		if after, _ := e.f.Store.Snapshot(ctx, stateTables...); after != before {
			t.Errorf("%s: the database changed", tc.name)
		}
	}

	var got struct{ ID, Email string }
	if st, code := e.sendJSON(t, "PATCH", "/api/v1/users/"+clinician, admin, `{"email":" Dr.New@StMary.example "}`, &got); st != http.StatusOK ||
		got.ID != clinician || got.Email != "dr.new@stmary.example" {
		t.Fatalf("change: %d %s %+v", st, code, got)
	}
	e.token(t, "dr.new@stmary.example", e.pw[ward.RoleClinician]) // fails the test if refused
	body := `{"email":"` + e.email[ward.RoleClinician] + `","password":"` + e.pw[ward.RoleClinician] + `","device":{"id":"old-email-device","name":"x"}}`
	if st, code := e.sendJSON(t, "POST", "/api/v1/sessions", "", body, nil); st != http.StatusUnauthorized {
		t.Errorf("sign-in with the old email: %d %s", st, code)
	}
	var reasons []string
	for _, ev := range e.f.AuditEvents(t, audit.UserUpdated) {
		if ev["resource_id"] == clinician {
			reasons = append(reasons, ev["reason"].(string))
		}
	}
	if len(reasons) != 1 || reasons[0] != "email changed" {
		t.Errorf("user.updated reasons %q, want one \"email changed\"", reasons)
	}
}
