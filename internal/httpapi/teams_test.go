package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// TestTeamsAPI: an admin makes a care team, renames it, puts a clinician
// and a staff member in it and takes one out; bad input (an empty, long or
// taken name, a patient, compliance officer or admin as member, a user of
// another org, an unknown field) is a problem+json with a stable code and
// stores nothing; a clinician lists teams but cannot change them.
func TestTeamsAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	clin := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	id := map[ward.Role]string{}
	for _, r := range []ward.Role{ward.RoleAdmin, ward.RoleCompliance, ward.RoleClinician, ward.RoleStaff, ward.RolePatient} {
		id[r] = e.userOf(t, e.token(t, e.email[r], e.pw[r]))
	}

	status, out := e.send(t, "POST", "/api/v1/teams", admin, map[string]any{"name": "Cardiology clinic"})
	if status != http.StatusCreated || out["name"] != "Cardiology clinic" {
		t.Fatalf("create: %d %v", status, out)
	}
	team := out["id"].(string)
	if status, out = e.send(t, "POST", "/api/v1/teams", clin, map[string]any{"name": "Mine"}); status != 403 || out["code"] != string(ward.CodeForbidden) {
		t.Fatalf("a clinician creates a team: %d %v", status, out)
	}
	for _, r := range []ward.Role{ward.RoleClinician, ward.RoleStaff} {
		if status, out = e.send(t, "PUT", "/api/v1/teams/"+team+"/members/"+id[r], admin, nil); status != 200 {
			t.Fatalf("add %s: %d %v", r, status, out)
		}
	}
	if status, out = e.send(t, "PATCH", "/api/v1/teams/"+team, admin, map[string]any{"name": "Cardiology"}); status != 200 || len(out["members"].([]any)) != 2 {
		t.Fatalf("rename: %d %v", status, out)
	}

	tables := []string{"teams", "team_members"}
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               ward.Code
	}{
		{"empty name", "POST", "/api/v1/teams", map[string]any{"name": " "}, 400, ward.CodeInvalid},
		{"long name", "POST", "/api/v1/teams", map[string]any{"name": strings.Repeat("n", 101)}, 400, ward.CodeInvalid},
		{"taken name", "POST", "/api/v1/teams", map[string]any{"name": "CARDIOLOGY"}, 409, ward.CodeConflict},
		{"unknown field", "POST", "/api/v1/teams", map[string]any{"name": "X", "members": []string{id[ward.RoleStaff]}}, 400, ward.CodeInvalid},
		{"rename empty", "PATCH", "/api/v1/teams/" + team, map[string]any{"name": ""}, 400, ward.CodeInvalid},
		{"rename no team", "PATCH", "/api/v1/teams/nope", map[string]any{"name": "Y"}, 404, ward.CodeNotFound},
		{"patient member", "PUT", "/api/v1/teams/" + team + "/members/" + id[ward.RolePatient], nil, 400, ward.CodeInvalid},
		{"compliance member", "PUT", "/api/v1/teams/" + team + "/members/" + id[ward.RoleCompliance], nil, 400, ward.CodeInvalid},
		{"admin member", "PUT", "/api/v1/teams/" + team + "/members/" + id[ward.RoleAdmin], nil, 400, ward.CodeInvalid},
		{"other org's user", "PUT", "/api/v1/teams/" + team + "/members/" + e.other.ID, nil, 404, ward.CodeNotFound},
		{"no such team", "PUT", "/api/v1/teams/nope/members/" + id[ward.RoleStaff], nil, 404, ward.CodeNotFound},
		{"remove a non-member", "DELETE", "/api/v1/teams/" + team + "/members/" + id[ward.RolePatient], nil, 404, ward.CodeNotFound},
		{"delete no team", "DELETE", "/api/v1/teams/nope", nil, 404, ward.CodeNotFound},
	} {
		before, err := e.f.Store.Snapshot(ctx, tables...)
		if err != nil {
			t.Fatal(err)
		}
		status, out := e.send(t, tc.method, tc.path, admin, tc.body)
		if status != tc.status || out["code"] != string(tc.code) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, out, tc.status, tc.code)
		}
		if after, _ := e.f.Store.Snapshot(ctx, tables...); after != before {
			t.Errorf("%s: the teams changed", tc.name)
		}
	}

	if status, out = e.send(t, "DELETE", "/api/v1/teams/"+team+"/members/"+id[ward.RoleStaff], admin, nil); status != 200 || len(out["members"].([]any)) != 1 {
		t.Fatalf("remove staff: %d %v", status, out)
	}
	status, out = e.send(t, "GET", "/api/v1/teams", clin, nil)
	teams, _ := out["teams"].([]any)
	if status != 200 || len(teams) != 1 {
		t.Fatalf("list: %d %v", status, out)
	}
	m := teams[0].(map[string]any)["members"].([]any)[0].(map[string]any)
	if m["user_id"] != id[ward.RoleClinician] || m["role"] != "clinician" || m["name"] == "" {
		t.Errorf("member: %v", m)
	}
	if status, _ = e.send(t, "DELETE", "/api/v1/teams/"+team, admin, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	var got []string
	for _, a := range e.f.AuditActions(t) {
		if strings.HasPrefix(a, "team.") {
			got = append(got, a)
		}
	}
	want := []string{"team.created", "team.member_added", "team.member_added", "team.updated", "team.member_removed", "team.deleted"}
	if !slices.Equal(got, want) {
		t.Errorf("audit: %v, want %v", got, want)
	}
}
