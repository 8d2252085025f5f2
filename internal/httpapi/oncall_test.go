package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// TestOnCallAPI: an admin builds "Cardiology on call" over the API; bad
// schedules are 400/422 problems with their codes and save nothing; the
// workforce sees who is on call now and at a time; staff page the role
// (an urgent message to the clinician on call, recorded and audited) and
// start a conversation with it; a role no one holds refuses the page at
// once with 409 no_one_on_call and sends nothing; patients see none of it.
func TestOnCallAPI(t *testing.T) {
	e := newEnv(t)
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	clin := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	staff := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	pat := e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])
	clinID, staffID := e.userOf(t, clin), e.userOf(t, staff)
	// The clock stands at Tuesday 2026-11-24 08:00 UTC: the first week's shift.
	rotation := map[string]any{"kind": "weekly", "hand_over": "08:00", "time_zone": "Europe/Berlin", "start": "2026-11-23",
		"people": []string{clinID, staffID}}
	body := map[string]any{"name": "Cardiology on call", "schedule": map[string]any{"rotation": rotation}}

	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   ward.Code
	}{
		{"no people", map[string]any{"name": "X", "schedule": map[string]any{"rotation": map[string]any{"kind": "weekly",
			"hand_over": "08:00", "time_zone": "Europe/Berlin", "start": "2026-11-23", "people": []string{}}}}, 400, ward.CodeInvalid},
		{"an override outside the people", map[string]any{"name": "X", "schedule": map[string]any{"rotation": rotation,
			"overrides": []any{map[string]any{"user_id": e.userOf(t, admin), "from": "2026-11-25T00:00:00Z", "to": "2026-11-26T00:00:00Z"}}}},
			422, ward.CodeNotInRotation},
		{"overlapping overrides", map[string]any{"name": "X", "schedule": map[string]any{"rotation": rotation,
			"overrides": []any{
				map[string]any{"user_id": clinID, "from": "2026-11-25T00:00:00Z", "to": "2026-11-26T00:00:00Z"},
				map[string]any{"user_id": staffID, "from": "2026-11-25T12:00:00Z", "to": "2026-11-27T00:00:00Z"}}}},
			422, ward.CodeScheduleOverlap},
		{"a gap", map[string]any{"name": "X", "schedule": map[string]any{"rotation": rotation,
			"overrides": []any{map[string]any{"user_id": clinID, "from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}}}},
			422, ward.CodeScheduleGap},
		{"a patient in the rotation", map[string]any{"name": "X", "schedule": map[string]any{"rotation": map[string]any{"kind": "daily",
			"hand_over": "08:00", "time_zone": "UTC", "start": "2026-11-23", "people": []string{e.userOf(t, pat)}}}}, 400, ward.CodeInvalid},
		{"an unknown field", map[string]any{"name": "X", "owner": "me", "schedule": map[string]any{"rotation": rotation}}, 400, ward.CodeInvalid},
	} {
		if status, out := e.send(t, "POST", "/api/v1/oncall/roles", admin, tc.body); status != tc.status || out["code"] != string(tc.code) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, out, tc.status, tc.code)
		}
	}
	if status, out := e.send(t, "GET", "/api/v1/oncall/roles", admin, nil); status != 200 || len(out["roles"].([]any)) != 0 {
		t.Fatalf("refused roles were saved: %d %v", status, out)
	}
	status, out := e.send(t, "POST", "/api/v1/oncall/roles", admin, body)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, out)
	}
	role := out["id"].(string)
	if status, out = e.send(t, "POST", "/api/v1/oncall/roles", clin, body); status != 403 {
		t.Fatalf("a clinician creates a role: %d %v", status, out)
	}
	for _, tok := range []string{pat} {
		if status, _ := e.call(t, "GET", "/api/v1/oncall/now", tok); status != 403 {
			t.Fatalf("a patient asks who is on call: %d", status)
		}
	}
	status, out = e.send(t, "GET", "/api/v1/oncall/now", staff, nil)
	now := out["on_call"].([]any)
	if status != 200 || len(now) != 1 || now[0].(map[string]any)["user_id"] != clinID || now[0].(map[string]any)["label"] != "Cardiology on call (A clinician)" {
		t.Fatalf("now: %d %v", status, out)
	}
	// The schedule drives presence: the clinician on call shows as on call.
	status, out = e.send(t, "GET", "/api/v1/presence", staff, nil)
	if users, _ := out["users"].(map[string]any); status != 200 || users[clinID] != "on_call" || users[staffID] != nil {
		t.Fatalf("presence: %d %v", status, out)
	}
	// Next Monday 08:00 Berlin (07:00 UTC) the staff member takes over.
	if status, out = e.send(t, "GET", "/api/v1/oncall/roles/"+role+"/now?at=2026-11-30T07:00:00Z", clin, nil); status != 200 || out["user_id"] != staffID {
		t.Fatalf("at: %d %v", status, out)
	}
	if status, out = e.send(t, "GET", "/api/v1/oncall/roles/"+role+"/now?at=tomorrow", clin, nil); status != 400 {
		t.Fatalf("a bad at: %d %v", status, out)
	}
	status, out = e.send(t, "GET", "/api/v1/oncall/roles/"+role+"/shifts?from=2026-11-23T00:00:00Z&to=2026-12-07T00:00:00Z", clin, nil)
	if status != 200 || len(out["shifts"].([]any)) != 3 {
		t.Fatalf("shifts: %d %v", status, out)
	}
	// An override through the API; one outside the people is refused.
	status, out = e.send(t, "POST", "/api/v1/oncall/roles/"+role+"/overrides", admin,
		map[string]any{"user_id": e.userOf(t, admin), "from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"})
	if status != 422 || out["code"] != string(ward.CodeNotInRotation) {
		t.Fatalf("override outside the rotation: %d %v", status, out)
	}

	// Staff page the role: an urgent message to the clinician on call.
	status, out = e.send(t, "POST", "/api/v1/oncall/roles/"+role+"/page", staff, map[string]any{"body": "bed 4 needs you", "client_id": "p1"})
	if status != http.StatusCreated {
		t.Fatalf("page: %d %v", status, out)
	}
	msg, oc := out["message"].(map[string]any), out["on_call"].(map[string]any)
	if msg["priority"] != string(ward.Urgent) || oc["user_id"] != clinID || oc["label"] != "Cardiology on call (A clinician)" {
		t.Fatalf("page: %v", out)
	}
	conv := out["conversation_id"].(string)
	if status, out = e.send(t, "GET", "/api/v1/conversations/"+conv, clin, nil); status != 200 {
		t.Fatalf("the clinician opens the paged conversation: %d %v", status, out)
	}
	// Both ends of the thread read whom the page reached from the server,
	// the recipient too and the sender after a reload.
	for _, tok := range []string{clin, staff} {
		status, out = e.send(t, "GET", "/api/v1/conversations/"+conv+"/on-call", tok, nil)
		list, _ := out["on_call"].([]any)
		if status != 200 || len(list) != 1 {
			t.Fatalf("on-call of the thread: %d %v", status, out)
		}
		a := list[0].(map[string]any)
		if a["label"] != "Cardiology on call (A clinician)" || a["user_id"] != clinID || a["role_id"] != role || a["message_id"] != msg["id"] {
			t.Fatalf("on-call of the thread: %v", a)
		}
	}
	// A conversation with the role: the same direct conversation, with whom it reached.
	status, out = e.send(t, "POST", "/api/v1/conversations", staff, map[string]any{"kind": "direct", "role_id": role})
	if status != 200 || out["id"] != conv || out["on_call"].(map[string]any)["user_name"] != "A clinician" {
		t.Fatalf("conversation with the role: %d %v", status, out)
	}
	if status, out = e.send(t, "POST", "/api/v1/conversations", staff, map[string]any{"kind": "group", "role_id": role}); status != 400 {
		t.Fatalf("a group with a role: %d %v", status, out)
	}
	if status, out = e.send(t, "POST", "/api/v1/conversations", pat, map[string]any{"kind": "direct", "role_id": role}); status != 403 {
		t.Fatalf("a patient writes to a role: %d %v", status, out)
	}
	if status, out = e.send(t, "POST", "/api/v1/oncall/roles/"+role+"/page", clin, map[string]any{"body": "me?"}); status != 400 {
		t.Fatalf("the one on call pages themselves: %d %v", status, out)
	}
	addressed := eventsOf(t, e.f, "oncall.role_addressed", staffID)
	if len(addressed) != 2 || !strings.Contains(addressed[0].Reason, "resolved to "+clinID) || strings.Contains(addressed[0].Reason, "bed 4") {
		t.Fatalf("role_addressed events: %+v", addressed)
	}

	// A role no one holds yet: the page is refused at once, nothing is sent.
	later := map[string]any{"kind": "daily", "hand_over": "08:00", "time_zone": "UTC", "start": "2027-01-01", "people": []string{clinID}}
	status, out = e.send(t, "POST", "/api/v1/oncall/roles", admin, map[string]any{"name": "Rapid response team", "schedule": map[string]any{"rotation": later}})
	if status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	rrt := out["id"].(string)
	_, before := e.send(t, "GET", "/api/v1/conversations", staff, nil)
	status, out = e.send(t, "POST", "/api/v1/oncall/roles/"+rrt+"/page", staff, map[string]any{"body": "anyone?", "client_id": "p2"})
	if status != 409 || out["code"] != string(ward.CodeNoOneOnCall) || !strings.Contains(out["detail"].(string), "Rapid response team") {
		t.Fatalf("page a role no one holds: %d %v", status, out)
	}
	if _, after := e.send(t, "GET", "/api/v1/conversations", staff, nil); len(after["conversations"].([]any)) != len(before["conversations"].([]any)) {
		t.Fatalf("a refused page made a conversation")
	}
	if status, out = e.send(t, "DELETE", "/api/v1/oncall/roles/"+rrt, admin, nil); status != 204 {
		t.Fatalf("delete: %d %v", status, out)
	}
}
