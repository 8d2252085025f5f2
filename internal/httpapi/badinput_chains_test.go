package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// chainBadCases are TestBadInputEveryRoute's cases for the escalation
// chain routes (docs/oncall.md), with the fixtures they need: a role in
// each org, and an urgent page in org A from the clinician to the staff
// member on call.
func chainBadCases(t *testing.T, e *env) map[string][]badCase {
	t.Helper()
	ctx := context.Background()
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	nurse := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	staff := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	comp := e.token(t, e.email[ward.RoleCompliance], e.pw[ward.RoleCompliance])
	patient := e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])
	otherOwner := e.token(t, e.other.Email, e.otherPW)
	nurseID, staffID, patientID := e.userOf(t, nurse), e.userOf(t, staff), e.userOf(t, patient)
	bNurse, err := e.f.App.AddUser(ctx, "elsewhere", app.NewUser{Email: "chains@elsewhere.example", Name: "B Chains",
		Role: ward.RoleClinician, Password: "elsewhere chains passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	role := func(tok, name string, people ...string) string {
		t.Helper()
		status, out := e.send(t, "POST", "/api/v1/oncall/roles", tok, map[string]any{"name": name, "schedule": map[string]any{
			"rotation": map[string]any{"kind": "daily", "hand_over": "08:00", "time_zone": "UTC", "start": "2026-11-01", "people": people}}})
		if status != 201 {
			t.Fatalf("role %s: %d %v", name, status, out)
		}
		return out["id"].(string)
	}
	roleA := role(admin, "Chains on call", staffID)
	roleB := role(otherOwner, "Elsewhere chain", bNurse.ID)
	status, out := e.send(t, "POST", "/api/v1/oncall/roles/"+roleA+"/page", nurse, map[string]any{"client_id": "chains-page", "body": "call me"})
	if status != 201 {
		t.Fatalf("page: %d %v", status, out)
	}
	page, pageConv := out["message"].(map[string]any)["id"].(string), out["conversation_id"].(string)
	var pNurse *app.Principal
	if pNurse, err = e.f.App.Authenticate(ctx, nurse, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	conv, _, err := e.f.App.CreateConversation(ctx, pNurse, app.NewConversation{Kind: ward.Group, Title: "t", Members: []string{staffID}})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := e.f.App.SendMessage(ctx, pNurse, conv.ID, app.SendRequest{ClientID: "chains-plain", Body: "not a page", Priority: ward.Urgent})
	if err != nil {
		t.Fatal(err)
	}
	j := "application/json"
	garbage := []badCase{
		{name: "garbage token", token: "ward_s_garbage", status: 401, code: ward.CodeUnauth},
		{name: "no token", status: 401, code: ward.CodeUnauth},
	}
	chain := `{"secondary_id":%q,"lead_id":%q}`
	stats := func(q string) string { return "/api/v1/oncall/stats" + q }
	return map[string][]badCase{
		"PUT /api/v1/oncall/roles/{id}/chain": cat(jsonCases(admin, roleA, `{"lead_id":1}`),
			withBody(idCases(admin, roleB), `{"secondary_id":"","lead_id":""}`), []badCase{
				{name: "secondary is the lead", id: roleA, token: admin, ctype: j, body: fmt.Sprintf(chain, nurseID, nurseID), status: 400, code: ward.CodeInvalid},
				{name: "a patient as lead", id: roleA, token: admin, ctype: j, body: fmt.Sprintf(chain, "", patientID), status: 400, code: ward.CodeInvalid},
				{name: "an unknown lead", id: roleA, token: admin, ctype: j, body: fmt.Sprintf(chain, "", "01a20fde-0000-7000-8000-000000000000"), status: 400, code: ward.CodeInvalid},
				{name: "another org's secondary", id: roleA, token: admin, ctype: j, body: fmt.Sprintf(chain, bNurse.ID, ""), status: 400, code: ward.CodeInvalid},
				{name: "a clinician", id: roleA, token: nurse, ctype: j, body: fmt.Sprintf(chain, "", nurseID), status: 403, code: ward.CodeForbidden},
				{name: "cookie without CSRF header", id: roleA, token: admin, cookie: true, ctype: j, body: fmt.Sprintf(chain, "", nurseID), status: 403, code: ward.CodeForbidden},
			}),
		"GET /api/v1/messages/{id}/page": cat(idCases(nurse, ""), []badCase{
			{name: "an urgent message not paged to a role", id: plain.ID, token: nurse, status: 404, code: ward.CodeNotFound},
			{name: "a carer outside the conversation", id: page, token: e.newUserToken(t, ward.RoleClinician, "chains2"), status: 404, code: ward.CodeNotFound},
			{name: "an admin", id: page, token: admin, status: 403, code: ward.CodeForbidden},
			{name: "compliance", id: page, token: comp, status: 403, code: ward.CodeForbidden},
			{name: "a patient", id: page, token: patient, status: 403, code: ward.CodeForbidden},
			{name: "garbage token", id: page, token: "ward_s_garbage", status: 401, code: ward.CodeUnauth},
		}),
		"GET /api/v1/conversations/{id}/on-call": cat(idCases(nurse, ""), []badCase{
			{name: "a carer outside the conversation", id: pageConv, token: e.newUserToken(t, ward.RoleClinician, "chains3"), status: 404, code: ward.CodeNotFound},
			{name: "an admin outside the conversation", id: pageConv, token: admin, status: 404, code: ward.CodeNotFound},
			{name: "another org's owner", id: pageConv, token: otherOwner, status: 404, code: ward.CodeNotFound},
			{name: "a patient", id: pageConv, token: patient, status: 403, code: ward.CodeForbidden},
			{name: "garbage token", id: pageConv, token: "ward_s_garbage", status: 401, code: ward.CodeUnauth},
		}),
		"GET /api/v1/oncall/stats": cat(garbage, []badCase{
			{name: "from not a date", path: stats("?from=yesterday"), token: admin, status: 400, code: ward.CodeInvalid},
			{name: "to not a date", path: stats("?to=2026-13-01"), token: admin, status: 400, code: ward.CodeInvalid},
			{name: "from after to", path: stats("?from=2026-11-20&to=2026-11-10"), token: admin, status: 400, code: ward.CodeInvalid},
			{name: "over a year", path: stats("?from=2024-01-01&to=2026-11-10"), token: admin, status: 400, code: ward.CodeInvalid},
			{name: "a clinician", token: nurse, status: 403, code: ward.CodeForbidden},
			{name: "a patient", path: stats("?from=" + strings.Repeat("9", 10)), token: patient, status: 403, code: ward.CodeForbidden},
		}),
	}
}

// newUserToken adds a user of a role to org A and signs them in.
func (e *env) newUserToken(t *testing.T, role ward.Role, name string) string {
	t.Helper()
	u, pw := e.f.AddUser(t, role, name+"@stmary.example", name)
	return e.token(t, u.Email, pw)
}
