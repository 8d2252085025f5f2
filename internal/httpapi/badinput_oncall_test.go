package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/oncall"
)

// onCallCaller are the sessions and people TestBadInputEveryRoute lends
// the on-call cases.
type onCallCaller struct {
	admin, nurse, staff, patient, guest  string // tokens
	nurseID, staffID, adminID, patientID string // org A's users
	otherOwner                           *app.Principal
	otherNurses                          []string // org B's clinicians
	garbage                              []badCase
	noCSRF                               func(tok string) []badCase
}

// onCallBadCases builds on-call roles in both orgs and returns the bad
// requests for every on-call route, and more for POST /api/v1/conversations
// with a role_id. The fixture's clock stands at Tuesday 2026-11-24 08:00
// UTC: the nurse holds "Cardiology on call" (weekly, 08:00 Berlin, from
// Monday 2026-11-23, then the staff member); the rotation ends on Monday
// 2027-01-04 and two back-to-back overrides carry it two days further, so
// removing the first leaves a gap. "Night float" starts in 2027: no one is
// on call for it now. "Second on call" is held now by a second clinician
// who shares no conversation with the staff member, so a refused page that
// opened one would show in the snapshot.
func onCallBadCases(t *testing.T, e *env, c onCallCaller) map[string][]badCase {
	t.Helper()
	ctx := context.Background()
	svc := oncall.New(oncall.Config{Store: e.f.Store, Now: e.f.Clock.Now})
	pAdmin, err := e.f.App.Authenticate(ctx, c.admin, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	weekly := ward.Rotation{Kind: ward.RotationWeekly, Days: 7, HandOver: "08:00", TimeZone: "Europe/Berlin", Start: "2026-11-23",
		End: "2027-01-04", People: []string{c.nurseID, c.staffID}}
	roleA, err := svc.Create(ctx, pAdmin, "Cardiology on call", ward.Schedule{Rotation: weekly,
		Overrides: []ward.Override{
			{UserID: c.nurseID, From: at("2026-12-01T00:00:00Z"), To: at("2026-12-02T00:00:00Z")},
			{UserID: c.nurseID, From: at("2027-01-04T07:00:00Z"), To: at("2027-01-05T07:00:00Z")},
			{UserID: c.staffID, From: at("2027-01-05T07:00:00Z"), To: at("2027-01-06T07:00:00Z")},
		},
		Swaps: []ward.Swap{{A: at("2026-12-08T12:00:00Z"), B: at("2026-12-15T12:00:00Z")}}})
	if err != nil {
		t.Fatal(err)
	}
	bridge := roleA.Schedule.Overrides[1].ID // removing it leaves a gap
	later, err := svc.Create(ctx, pAdmin, "Night float", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, Days: 1,
		HandOver: "20:00", TimeZone: "UTC", Start: "2027-01-01", People: []string{c.nurseID}}})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := e.f.AddUser(t, ward.RoleClinician, "second@stmary.example", "Dr Second")
	roleSecond, err := svc.Create(ctx, pAdmin, "Second on call", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, Days: 1,
		HandOver: "07:00", TimeZone: "UTC", Start: "2026-11-20", People: []string{second.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	roleB, err := svc.Create(ctx, c.otherOwner, "Elsewhere on call", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, Days: 1,
		HandOver: "08:00", TimeZone: "UTC", Start: "2026-11-01", People: c.otherNurses},
		Overrides: []ward.Override{{UserID: c.otherNurses[0], From: at("2026-12-01T00:00:00Z"), To: at("2026-12-02T00:00:00Z")}},
		Swaps:     []ward.Swap{{A: at("2026-12-03T12:00:00Z"), B: at("2026-12-04T12:00:00Z")}}})
	if err != nil {
		t.Fatal(err)
	}

	j := "application/json"
	roles := "/api/v1/oncall/roles/"
	// rotation is a rotation body for org A with fields replaced.
	rotation := func(kv ...any) string {
		r := map[string]any{"kind": "weekly", "hand_over": "08:00", "time_zone": "Europe/Berlin", "start": "2026-11-23",
			"people": []string{c.nurseID, c.staffID}}
		for i := 0; i < len(kv); i += 2 {
			r[kv[i].(string)] = kv[i+1]
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	override := func(user, from, to string) string {
		return fmt.Sprintf(`{"user_id":%q,"from":%q,"to":%q}`, user, from, to)
	}
	sched := func(rot string, overrides, swaps string) string {
		return fmt.Sprintf(`{"rotation":%s,"overrides":[%s],"swaps":[%s]}`, rot, overrides, swaps)
	}
	good := sched(rotation(), "", "")
	// scheduleCases are the refused schedules: PUT .../schedule sends them
	// as they are, POST /roles wraps them with a name.
	scheduleCases := func(wrap func(string) string) []badCase {
		bc := func(name, body string, status int, code ward.Code) badCase {
			return badCase{name: name, id: roleA.ID, token: c.admin, ctype: j, body: wrap(body), status: status, code: code}
		}
		return []badCase{
			bc("a gap before the rotation", sched(rotation(), override(c.nurseID, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), ""), 422, ward.CodeScheduleGap),
			bc("a gap after the rotation's end", sched(rotation("end", "2026-12-07"), override(c.nurseID, "2026-12-09T00:00:00Z", "2026-12-10T00:00:00Z"), ""), 422, ward.CodeScheduleGap),
			bc("overlapping overrides", sched(rotation(), override(c.nurseID, "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z")+","+
				override(c.staffID, "2026-11-25T12:00:00Z", "2026-11-27T00:00:00Z"), ""), 422, ward.CodeScheduleOverlap),
			bc("a shift in two swaps", sched(rotation(), "", `{"a":"2026-11-24T12:00:00Z","b":"2026-12-01T12:00:00Z"},{"a":"2026-11-25T12:00:00Z","b":"2026-12-15T12:00:00Z"}`), 422, ward.CodeScheduleOverlap),
			bc("an override outside the rotation", sched(rotation(), override(c.adminID, "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"), ""), 422, ward.CodeNotInRotation),
			bc("a swap outside the rotation's time", sched(rotation(), "", `{"a":"2026-01-01T12:00:00Z","b":"2026-12-01T12:00:00Z"}`), 400, ward.CodeInvalid),
			bc("a swap of one person with themselves", sched(rotation(), "", `{"a":"2026-11-24T12:00:00Z","b":"2026-12-08T12:00:00Z"}`), 400, ward.CodeInvalid),
			bc("an override ending before it starts", sched(rotation(), override(c.nurseID, "2026-11-26T00:00:00Z", "2026-11-25T00:00:00Z"), ""), 400, ward.CodeInvalid),
			bc("unknown kind", sched(rotation("kind", "monthly"), "", ""), 400, ward.CodeInvalid),
			bc("weekly of 3 days", sched(rotation("days", 3), "", ""), 400, ward.CodeInvalid),
			bc("custom of 366 days", sched(rotation("kind", "custom", "days", 366), "", ""), 400, ward.CodeInvalid),
			bc("hand-over 25:00", sched(rotation("hand_over", "25:00"), "", ""), 400, ward.CodeInvalid),
			bc("hand-over 8am", sched(rotation("hand_over", "8am"), "", ""), 400, ward.CodeInvalid),
			bc("not an IANA zone", sched(rotation("time_zone", "Mars/Olympus"), "", ""), 400, ward.CodeInvalid),
			bc("Local zone", sched(rotation("time_zone", "Local"), "", ""), 400, ward.CodeInvalid),
			bc("start not a date", sched(rotation("start", "2026-02-30"), "", ""), 400, ward.CodeInvalid),
			bc("end before start", sched(rotation("end", "2026-11-01"), "", ""), 400, ward.CodeInvalid),
			bc("no people", sched(rotation("people", []string{}), "", ""), 400, ward.CodeInvalid),
			bc("a person twice", sched(rotation("people", []string{c.nurseID, c.nurseID}), "", ""), 400, ward.CodeInvalid),
			bc("a patient on call", sched(rotation("people", []string{c.patientID}), "", ""), 400, ward.CodeInvalid),
			bc("an admin on call", sched(rotation("people", []string{c.adminID}), "", ""), 400, ward.CodeInvalid),
			bc("another org's clinician", sched(rotation("people", []string{c.otherNurses[0]}), "", ""), 400, ward.CodeInvalid),
			bc("people not ids", sched(rotation("people", []string{"../users"}), "", ""), 400, ward.CodeInvalid),
			bc("an override time not RFC 3339", sched(rotation(), override(c.nurseID, "tomorrow", "2026-11-26T00:00:00Z"), ""), 400, ward.CodeInvalid),
		}
	}
	named := func(s string) string { return `{"name":"New role","schedule":` + s + `}` }
	patientGuest := func(id string, body string) []badCase {
		ct := ""
		if body != "" {
			ct = j
		}
		return []badCase{
			{name: "a patient", id: id, token: c.patient, ctype: ct, body: body, status: 403, code: ward.CodeForbidden},
			{name: "a guest", id: id, token: c.guest, ctype: ct, body: body, status: 403, code: ward.CodeForbidden},
		}
	}
	// sub is a path to an override or swap of a role.
	sub := func(role, kind, id string) string { return roles + role + "/" + kind + "/" + id }
	subCases := func(kind string, ownID, otherOrgID string) []badCase {
		return []badCase{
			{name: "unknown " + kind, path: sub(roleA.ID, kind, "01a20fde-0000-7000-8000-000000000000"), token: c.admin, status: 404, code: ward.CodeNotFound},
			{name: "another role's " + kind, path: sub(later.ID, kind, ownID), token: c.admin, status: 404, code: ward.CodeNotFound},
			{name: "another org's " + kind + " on this org's role", path: sub(roleA.ID, kind, otherOrgID), token: c.admin, status: 404, code: ward.CodeNotFound},
			{name: "another org's role and " + kind, path: sub(roleB.ID, kind, otherOrgID), token: c.admin, status: 404, code: ward.CodeNotFound},
			{name: "another org's admin on this org's " + kind, path: sub(roleA.ID, kind, ownID), token: e.token(t, e.other.Email, e.otherPW), status: 404, code: ward.CodeNotFound},
			{name: "malformed role id", path: sub("not-an-id", kind, ownID), token: c.admin, status: 404, code: ward.CodeNotFound},
			{name: "a clinician", path: sub(roleA.ID, kind, ownID), token: c.nurse, status: 403, code: ward.CodeForbidden},
			{name: "a patient", path: sub(roleA.ID, kind, ownID), token: c.patient, status: 403, code: ward.CodeForbidden},
			{name: "garbage token", path: sub(roleA.ID, kind, ownID), token: "ward_s_garbage", status: 401, code: ward.CodeUnauth},
			{name: "cookie without CSRF header", path: sub(roleA.ID, kind, ownID), token: c.admin, cookie: true, status: 403, code: ward.CodeForbidden},
		}
	}
	// shifts is the calendar's path for a role and a query.
	shifts := func(id, q string) string { return roles + id + "/shifts?" + q }
	month := "from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z"
	var shiftIDs []badCase
	for _, bc := range idCases(c.nurse, roleB.ID) {
		bc.path = shifts(bc.id, month)
		shiftIDs = append(shiftIDs, bc)
	}
	page := func(clientID, body string) string { return fmt.Sprintf(`{"client_id":%q,"body":%q}`, clientID, body) }

	return map[string][]badCase{
		"GET /api/v1/oncall/now":   cat(c.garbage, patientGuest("", "")),
		"GET /api/v1/oncall/roles": cat(c.garbage, patientGuest("", "")),
		"POST /api/v1/oncall/roles": cat(jsonCases(c.admin, "", `{"name":7}`), c.noCSRF(c.admin), scheduleCases(named), []badCase{
			{name: "schedule not an object", token: c.admin, ctype: j, body: `{"name":"X","schedule":"weekly"}`, status: 400, code: ward.CodeInvalid},
			{name: "people not a list", token: c.admin, ctype: j, body: named(sched(rotation("people", c.nurseID), "", "")), status: 400, code: ward.CodeInvalid},
			{name: "days as a string", token: c.admin, ctype: j, body: named(sched(rotation("days", "7"), "", "")), status: 400, code: ward.CodeInvalid},
			{name: "no schedule", token: c.admin, ctype: j, body: `{"name":"X"}`, status: 400, code: ward.CodeInvalid},
			{name: "unknown field in the rotation", token: c.admin, ctype: j, body: named(sched(rotation("lead", c.nurseID), "", "")), status: 400, code: ward.CodeInvalid},
			{name: "empty name", token: c.admin, ctype: j, body: `{"name":"  ","schedule":` + good + `}`, status: 400, code: ward.CodeInvalid},
			{name: "name over 100 characters", token: c.admin, ctype: j, body: `{"name":"` + strings.Repeat("n", 101) + `","schedule":` + good + `}`, status: 400, code: ward.CodeInvalid},
			{name: "control character in name", token: c.admin, ctype: j, body: `{"name":"a\u0007b","schedule":` + good + `}`, status: 400, code: ward.CodeInvalid},
			{name: "taken name", token: c.admin, ctype: j, body: `{"name":"CARDIOLOGY ON CALL","schedule":` + good + `}`, status: 409, code: ward.CodeConflict},
			{name: "a clinician", token: c.nurse, ctype: j, body: named(good), status: 403, code: ward.CodeForbidden},
			{name: "a staff member", token: c.staff, ctype: j, body: named(good), status: 403, code: ward.CodeForbidden},
			{name: "a patient", token: c.patient, ctype: j, body: named(good), status: 403, code: ward.CodeForbidden},
			{name: "a guest", token: c.guest, ctype: j, body: named(good), status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/oncall/roles/{id}": cat(idCases(c.admin, roleB.ID), patientGuest(roleA.ID, "")),
		"PATCH /api/v1/oncall/roles/{id}": cat(jsonCases(c.admin, roleA.ID, `{"name":["x"]}`), withBody(idCases(c.admin, roleB.ID), `{"name":"Pwned"}`),
			[]badCase{
				{name: "cookie without CSRF header", id: roleA.ID, token: c.admin, cookie: true, ctype: j, body: `{"name":"Pwned"}`, status: 403, code: ward.CodeForbidden},
				{name: "empty name", id: roleA.ID, token: c.admin, ctype: j, body: `{"name":""}`, status: 400, code: ward.CodeInvalid},
				{name: "name over 100 characters", id: roleA.ID, token: c.admin, ctype: j, body: `{"name":"` + strings.Repeat("n", 101) + `"}`, status: 400, code: ward.CodeInvalid},
				{name: "taken name", id: roleA.ID, token: c.admin, ctype: j, body: `{"name":"night FLOAT"}`, status: 409, code: ward.CodeConflict},
				{name: "a schedule in a rename", id: roleA.ID, token: c.admin, ctype: j, body: `{"name":"X","schedule":` + good + `}`, status: 400, code: ward.CodeInvalid},
				{name: "a clinician", id: roleA.ID, token: c.nurse, ctype: j, body: `{"name":"Pwned"}`, status: 403, code: ward.CodeForbidden},
			}, patientGuest(roleA.ID, `{"name":"Pwned"}`)),
		"DELETE /api/v1/oncall/roles/{id}": cat(idCases(c.admin, roleB.ID), []badCase{
			{name: "cookie without CSRF header", id: roleA.ID, token: c.admin, cookie: true, status: 403, code: ward.CodeForbidden},
			{name: "a clinician", id: roleA.ID, token: c.nurse, status: 403, code: ward.CodeForbidden},
			{name: "a staff member", id: roleA.ID, token: c.staff, status: 403, code: ward.CodeForbidden},
			{name: "another org's owner", id: roleA.ID, token: e.token(t, e.other.Email, e.otherPW), status: 404, code: ward.CodeNotFound},
		}, patientGuest(roleA.ID, "")),
		"PUT /api/v1/oncall/roles/{id}/schedule": cat(jsonCases(c.admin, roleA.ID, `{"rotation":{"people":"everyone"}}`),
			withBody(idCases(c.admin, roleB.ID), good), scheduleCases(func(s string) string { return s }), []badCase{
				{name: "swaps not a list", id: roleA.ID, token: c.admin, ctype: j, body: `{"rotation":` + rotation() + `,"swaps":{}}`, status: 400, code: ward.CodeInvalid},
				{name: "cookie without CSRF header", id: roleA.ID, token: c.admin, cookie: true, ctype: j, body: good, status: 403, code: ward.CodeForbidden},
				{name: "a clinician", id: roleA.ID, token: c.nurse, ctype: j, body: good, status: 403, code: ward.CodeForbidden},
				{name: "another org's owner", id: roleA.ID, token: e.token(t, e.other.Email, e.otherPW), ctype: j, body: good, status: 404, code: ward.CodeNotFound},
			}, patientGuest(roleA.ID, good)),
		"POST /api/v1/oncall/roles/{id}/overrides": cat(jsonCases(c.admin, roleA.ID, `{"user_id":5}`),
			withBody(idCases(c.admin, roleB.ID), override(c.nurseID, "2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z")), []badCase{
				{name: "someone outside the rotation", id: roleA.ID, token: c.admin, ctype: j, body: override(c.adminID, "2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z"), status: 422, code: ward.CodeNotInRotation},
				{name: "another org's clinician", id: roleA.ID, token: c.admin, ctype: j, body: override(c.otherNurses[0], "2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z"), status: 422, code: ward.CodeNotInRotation},
				{name: "overlapping an override", id: roleA.ID, token: c.admin, ctype: j, body: override(c.staffID, "2026-12-01T12:00:00Z", "2026-12-03T00:00:00Z"), status: 422, code: ward.CodeScheduleOverlap},
				{name: "a gap after the end", id: roleA.ID, token: c.admin, ctype: j, body: override(c.nurseID, "2027-02-01T00:00:00Z", "2027-02-02T00:00:00Z"), status: 422, code: ward.CodeScheduleGap},
				{name: "a gap before the start", id: roleA.ID, token: c.admin, ctype: j, body: override(c.nurseID, "2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z"), status: 422, code: ward.CodeScheduleGap},
				{name: "to before from", id: roleA.ID, token: c.admin, ctype: j, body: override(c.nurseID, "2026-12-11T00:00:00Z", "2026-12-10T00:00:00Z"), status: 400, code: ward.CodeInvalid},
				{name: "no times", id: roleA.ID, token: c.admin, ctype: j, body: fmt.Sprintf(`{"user_id":%q}`, c.nurseID), status: 400, code: ward.CodeInvalid},
				{name: "from not a time", id: roleA.ID, token: c.admin, ctype: j, body: override(c.nurseID, "2026-12-10", "2026-12-11T00:00:00Z"), status: 400, code: ward.CodeInvalid},
				{name: "an id of its own", id: roleA.ID, token: c.admin, ctype: j, body: `{"id":"mine","user_id":"` + c.nurseID + `","from":"2026-12-10T00:00:00Z","to":"2026-12-11T00:00:00Z"}`, status: 400, code: ward.CodeInvalid},
				{name: "cookie without CSRF header", id: roleA.ID, token: c.admin, cookie: true, ctype: j, body: override(c.nurseID, "2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z"), status: 403, code: ward.CodeForbidden},
				{name: "a clinician", id: roleA.ID, token: c.nurse, ctype: j, body: override(c.nurseID, "2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z"), status: 403, code: ward.CodeForbidden},
			}, patientGuest(roleA.ID, override(c.nurseID, "2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z"))),
		"DELETE /api/v1/oncall/roles/{id}/overrides/{override_id}": cat(subCases("overrides", roleA.Schedule.Overrides[0].ID, roleB.Schedule.Overrides[0].ID), []badCase{
			{name: "removing it leaves a gap", path: sub(roleA.ID, "overrides", bridge), token: c.admin, status: 422, code: ward.CodeScheduleGap},
		}),
		"POST /api/v1/oncall/roles/{id}/swaps": cat(jsonCases(c.admin, roleA.ID, `{"a":1}`),
			withBody(idCases(c.admin, roleB.ID), `{"a":"2026-11-24T12:00:00Z","b":"2026-12-01T12:00:00Z"}`), []badCase{
				{name: "a shift already swapped", id: roleA.ID, token: c.admin, ctype: j, body: `{"a":"2026-12-09T12:00:00Z","b":"2026-12-02T12:00:00Z"}`, status: 422, code: ward.CodeScheduleOverlap},
				{name: "a time before the rotation", id: roleA.ID, token: c.admin, ctype: j, body: `{"a":"2026-01-01T12:00:00Z","b":"2026-12-01T12:00:00Z"}`, status: 400, code: ward.CodeInvalid},
				{name: "a time after the rotation's end", id: roleA.ID, token: c.admin, ctype: j, body: `{"a":"2026-11-24T12:00:00Z","b":"2027-03-01T12:00:00Z"}`, status: 400, code: ward.CodeInvalid},
				{name: "one person with themselves", id: roleA.ID, token: c.admin, ctype: j, body: `{"a":"2026-11-24T12:00:00Z","b":"2026-12-22T12:00:00Z"}`, status: 400, code: ward.CodeInvalid},
				{name: "not times", id: roleA.ID, token: c.admin, ctype: j, body: `{"a":"monday","b":"tuesday"}`, status: 400, code: ward.CodeInvalid},
				{name: "cookie without CSRF header", id: roleA.ID, token: c.admin, cookie: true, ctype: j, body: `{"a":"2026-11-24T12:00:00Z","b":"2026-12-01T12:00:00Z"}`, status: 403, code: ward.CodeForbidden},
				{name: "a staff member", id: roleA.ID, token: c.staff, ctype: j, body: `{"a":"2026-11-24T12:00:00Z","b":"2026-12-01T12:00:00Z"}`, status: 403, code: ward.CodeForbidden},
			}, patientGuest(roleA.ID, `{"a":"2026-11-24T12:00:00Z","b":"2026-12-01T12:00:00Z"}`)),
		"DELETE /api/v1/oncall/roles/{id}/swaps/{swap_id}": subCases("swaps", roleA.Schedule.Swaps[0].ID, roleB.Schedule.Swaps[0].ID),
		"GET /api/v1/oncall/roles/{id}/now": cat(idCases(c.nurse, roleB.ID), patientGuest(roleA.ID, ""), []badCase{
			{name: "at not a time", path: roles + roleA.ID + "/now?at=tomorrow", token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "at a date only", path: roles + roleA.ID + "/now?at=2026-12-01", token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "at without a zone", path: roles + roleA.ID + "/now?at=2026-12-01T08:00:00", token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "at month 13", path: roles + roleA.ID + "/now?at=2026-13-01T08:00:00Z", token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "at a Unix time", path: roles + roleA.ID + "/now?at=1795000000", token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "another org's role at a good time", path: roles + roleB.ID + "/now?at=2026-12-01T08:00:00Z", token: c.nurse, status: 404, code: ward.CodeNotFound},
		}),
		"GET /api/v1/oncall/roles/{id}/shifts": cat(shiftIDs, []badCase{
			{name: "no from or to", id: roleA.ID, token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "no to", path: shifts(roleA.ID, "from=2026-12-01T00:00:00Z"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "no from", path: shifts(roleA.ID, "to=2026-12-01T00:00:00Z"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "from a date only", path: shifts(roleA.ID, "from=2026-12-01&to=2027-01-01T00:00:00Z"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "to not a time", path: shifts(roleA.ID, "from=2026-12-01T00:00:00Z&to=soon"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "to before from", path: shifts(roleA.ID, "from=2027-01-01T00:00:00Z&to=2026-12-01T00:00:00Z"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "to equals from", path: shifts(roleA.ID, "from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "over 92 days", path: shifts(roleA.ID, "from=2026-12-01T00:00:00Z&to=2027-06-01T00:00:00Z"), token: c.nurse, status: 400, code: ward.CodeInvalid},
			{name: "a patient", path: shifts(roleA.ID, month), token: c.patient, status: 403, code: ward.CodeForbidden},
			{name: "a guest", path: shifts(roleA.ID, month), token: c.guest, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/oncall/roles/{id}/page": cat(jsonCases(c.staff, roleSecond.ID, `{"body":["bed 4"]}`),
			withBody(idCases(c.staff, roleB.ID), page("pg-1", "bed 4 needs you")), []badCase{
				{name: "no one on call", id: later.ID, token: c.staff, ctype: j, body: page("pg-2", "anyone?"), status: 409, code: ward.CodeNoOneOnCall},
				{name: "the one on call pages themselves", id: roleA.ID, token: c.nurse, ctype: j, body: page("pg-3", "me?"), status: 400, code: ward.CodeInvalid},
				{name: "empty message", id: roleSecond.ID, token: c.staff, ctype: j, body: page("pg-4", ""), status: 400, code: ward.CodeInvalid},
				{name: "no client_id", id: roleSecond.ID, token: c.staff, ctype: j, body: `{"body":"bed 4"}`, status: 400, code: ward.CodeInvalid},
				{name: "unknown priority", id: roleSecond.ID, token: c.staff, ctype: j, body: `{"client_id":"pg-5","body":"bed 4","priority":"stat"}`, status: 400, code: ward.CodeInvalid},
				{name: "message over the limit", id: roleSecond.ID, token: c.staff, ctype: j, body: page("pg-6", strings.Repeat("b", ward.MaxBodyLen+1)), status: 413, code: ward.CodeTooLarge},
				{name: "cookie without CSRF header", id: roleSecond.ID, token: c.staff, cookie: true, ctype: j, body: page("pg-7", "bed 4"), status: 403, code: ward.CodeForbidden},
				{name: "an admin", id: roleSecond.ID, token: c.admin, ctype: j, body: page("pg-8", "bed 4"), status: 403, code: ward.CodeForbidden},
			}, patientGuest(roleSecond.ID, page("pg-9", "bed 4"))),
		// Conversations with a role (the route's other cases are in the main table).
		"POST /api/v1/conversations": {
			{name: "another org's role", token: c.staff, ctype: j, body: fmt.Sprintf(`{"kind":"direct","role_id":%q}`, roleB.ID), status: 404, code: ward.CodeNotFound},
			{name: "a role no one holds now", token: c.staff, ctype: j, body: fmt.Sprintf(`{"kind":"direct","role_id":%q}`, later.ID), status: 409, code: ward.CodeNoOneOnCall},
			{name: "a group with a role", token: c.staff, ctype: j, body: fmt.Sprintf(`{"kind":"group","role_id":%q}`, roleSecond.ID), status: 400, code: ward.CodeInvalid},
			{name: "a patient to a role", token: c.patient, ctype: j, body: fmt.Sprintf(`{"kind":"direct","role_id":%q}`, roleSecond.ID), status: 403, code: ward.CodeForbidden},
			{name: "role_id not a string", token: c.staff, ctype: j, body: `{"kind":"direct","role_id":7}`, status: 400, code: ward.CodeInvalid},
		},
	}
}
