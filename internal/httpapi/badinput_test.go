package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/replies"
	"github.com/wardhealth/ward/internal/store"
)

// stateTables are the tables a refused request must leave as they were.
// (Refused sign-ins do append login.failed audit events, on purpose.)
var stateTables = []string{"orgs", "users", "user_mfa", "org_policies", "devices", "sessions",
	"webauthn_credentials", "webauthn_challenges"}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	otherOwner := e.token(t, e.other.Email, e.otherPW)
	big := `{"email":"` + strings.Repeat("a", 70<<10) + `"}`
	for _, tc := range []struct {
		name, method, path, token, ctype, body string
		status                                 int
		code                                   ward.Code
	}{
		{"malformed JSON", "POST", "/api/v1/users", admin, "application/json", `{"email":`, 400, ward.CodeInvalid},
		{"wrong type", "POST", "/api/v1/users", admin, "application/json", `{"email":42}`, 400, ward.CodeInvalid},
		{"unknown field", "POST", "/api/v1/users", admin, "application/json", `{"email":"a@b.org","admin":true}`, 400, ward.CodeInvalid},
		{"empty body", "POST", "/api/v1/users", admin, "application/json", ``, 400, ward.CodeInvalid},
		{"huge body", "POST", "/api/v1/users", admin, "application/json", big, 413, ward.CodeTooLarge},
		{"invalid UTF-8", "POST", "/api/v1/users", admin, "application/json", "{\"email\":\"a\xff@b.org\",\"name\":\"x\",\"role\":\"staff\",\"password\":\"long enough passphrase\"}", 400, ward.CodeInvalid},
		{"two values", "POST", "/api/v1/users", admin, "application/json", `{} {}`, 400, ward.CodeInvalid},
		{"not JSON", "POST", "/api/v1/users", admin, "text/plain", `{}`, 415, ward.CodeUnsupported},
		{"bad role", "POST", "/api/v1/users", admin, "application/json", `{"email":"n@b.org","name":"N","role":"god","password":"long enough passphrase"}`, 400, ward.CodeInvalid},
		{"common password", "POST", "/api/v1/users", admin, "application/json", `{"email":"n@b.org","name":"N","role":"staff","password":"password123456"}`, 400, ward.CodeInvalid},
		{"bad policy", "PUT", "/api/v1/policy", admin, "application/json", `{"idle_timeout":1,"session_lifetime":60}`, 400, ward.CodeInvalid},
		{"login malformed", "POST", "/api/v1/sessions", "", "application/json", `{"email":[]}`, 400, ward.CodeInvalid},
		{"login no device", "POST", "/api/v1/sessions", "", "application/json", `{"email":"a@b.org","password":"x"}`, 400, ward.CodeInvalid},
		{"other org's user", "PATCH", "/api/v1/users/" + e.other.ID, admin, "application/json", `{"name":"Pwned"}`, 404, ward.CodeNotFound},
		{"other org token on this org's user", "PATCH", "/api/v1/users/" + e.f.Owner.ID, otherOwner, "application/json", `{"disabled":true}`, 404, ward.CodeNotFound},
		{"garbage token", "GET", "/api/v1/users", "ward_s_garbage", "", ``, 401, ward.CodeUnauth},
		{"passkey unknown field", "POST", "/api/v1/mfa/webauthn/confirm", admin, "application/json", `{"challenge_id":"x","response":{},"admin":true}`, 400, ward.CodeInvalid},
		{"passkey response not an object", "POST", "/api/v1/mfa/webauthn/confirm", admin, "application/json", `{"challenge_id":"x","response":"x"}`, 400, ward.CodeInvalid},
		{"passkey garbage response", "POST", "/api/v1/mfa/webauthn/confirm", admin, "application/json", `{"challenge_id":"x","response":{"id":1}}`, 400, ward.CodeInvalid},
		{"passkey challenge malformed", "POST", "/api/v1/sessions/webauthn/challenge", "", "application/json", `{"email":[]}`, 400, ward.CodeInvalid},
		{"passkey login no challenge id", "POST", "/api/v1/sessions", "", "application/json", `{"email":"a@b.org","password":"x","device":{"id":"abcdefgh","name":"x"},"webauthn":{"response":{}}}`, 400, ward.CodeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := e.f.Store.Snapshot(ctx, stateTables...)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p struct {
				Code   string `json:"code"`
				Status int    `json:"status"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatalf("answer is not JSON: %v", err)
			}
			if resp.Header.Get("Content-Type") != "application/problem+json" || resp.StatusCode != tc.status ||
				p.Code != string(tc.code) || p.Status != tc.status {
				t.Errorf("got %d %s (%s), want %d %s", resp.StatusCode, p.Code, resp.Header.Get("Content-Type"), tc.status, tc.code)
			}
			after, err := e.f.Store.Snapshot(ctx, stateTables...)
			if err != nil {
				t.Fatal(err)
			}
			// (The fixture's clock stands still, so authenticating does not
			// refresh last-seen times either.)
			if before != after {
				t.Errorf("the database changed")
			}
		})
	}
}

// badCase is one bad request to one route. Path "" means the route's
// pattern with its ids filled in with id.
type badCase struct {
	name        string
	id          string // fills {id}; "" for routes without one
	path        string // the whole path (with query), overriding pattern and id
	token       string
	cookie      bool // send the token as the session cookie, without the CSRF header
	ctype, body string
	status      int
	code        ward.Code
}

// jsonCases are the bad bodies every route that reads a JSON body gets:
// malformed, of the wrong type, with an unknown field, empty, oversized,
// invalid UTF-8, two values and not JSON at all. wrongType is a body with a
// field of the wrong type for this route.
func jsonCases(token, id, wrongType string) []badCase {
	j := "application/json"
	return []badCase{
		{name: "malformed JSON", id: id, token: token, ctype: j, body: `{"a":`, status: 400, code: ward.CodeInvalid},
		{name: "not an object", id: id, token: token, ctype: j, body: `[1,2]`, status: 400, code: ward.CodeInvalid},
		{name: "wrong type", id: id, token: token, ctype: j, body: wrongType, status: 400, code: ward.CodeInvalid},
		{name: "unknown field", id: id, token: token, ctype: j, body: `{"zz_unknown":true}`, status: 400, code: ward.CodeInvalid},
		{name: "empty body", id: id, token: token, ctype: j, body: ``, status: 400, code: ward.CodeInvalid},
		{name: "oversized body", id: id, token: token, ctype: j, body: `{"x":"` + strings.Repeat("a", 70<<10) + `"}`, status: 413, code: ward.CodeTooLarge},
		{name: "invalid UTF-8", id: id, token: token, ctype: j, body: "{\"zz\":\"\xff\xfe\"}", status: 400, code: ward.CodeInvalid},
		{name: "two values", id: id, token: token, ctype: j, body: `{} {}`, status: 400, code: ward.CodeInvalid},
		{name: "not JSON", id: id, token: token, ctype: "text/plain", body: `{}`, status: 415, code: ward.CodeUnsupported},
	}
}

// idCases are the ids that name nothing this caller may touch: another
// org's, malformed ones and path tricks.
func idCases(token, otherOrgID string) []badCase {
	cs := []badCase{
		{name: "malformed id", id: "not-an-id", token: token, status: 404, code: ward.CodeNotFound},
		{name: "unknown id", id: "01a20fde-0000-7000-8000-000000000000", token: token, status: 404, code: ward.CodeNotFound},
		{name: "path trick in id", id: "..%2F..%2Fusers", token: token, status: 404, code: ward.CodeNotFound},
		{name: "NUL in id", id: "a%00b", token: token, status: 404, code: ward.CodeNotFound},
		{name: "huge id", id: strings.Repeat("9", 4000), token: token, status: 404, code: ward.CodeNotFound},
	}
	if otherOrgID != "" {
		cs = append(cs, badCase{name: "other org's id", id: otherOrgID, token: token, status: 404, code: ward.CodeNotFound})
	}
	return cs
}

// withBody gives each case a JSON body (for routes that read one after the id).
func withBody(cs []badCase, body string) []badCase {
	for i := range cs {
		cs[i].ctype, cs[i].body = "application/json", body
	}
	return cs
}

func cat(lists ...[]badCase) []badCase {
	var out []badCase
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// everyTable lists every table of the SQLite schema (from the migrations,
// so a new table is compared too) except audit_events: refused requests do
// append audit events (login.failed, denied reads) on purpose.
func everyTable(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../store/migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	// The migrations' table statements, in order: a rebuilt table is
	// created under a new name, the old one dropped, the new one renamed.
	re := regexp.MustCompile(`(?i)(CREATE TABLE (?:IF NOT EXISTS )?|DROP TABLE (?:IF EXISTS )?|ALTER TABLE )([a-z_0-9]+)(?: RENAME TO ([a-z_0-9]+))?`)
	var tables []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			verb, name, to := strings.ToUpper(m[1]), m[2], m[3]
			switch {
			case name == "audit_events":
			case strings.HasPrefix(verb, "CREATE") && !slices.Contains(tables, name):
				tables = append(tables, name)
			case strings.HasPrefix(verb, "DROP"):
				tables = slices.DeleteFunc(tables, func(t string) bool { return t == name })
			case to != "":
				tables[slices.Index(tables, name)] = to
			}
		}
	}
	for _, want := range []string{"users", "sessions", "messages", "receipts"} {
		if !slices.Contains(tables, want) {
			t.Fatalf("table %s not found in the migrations (found %v)", want, tables)
		}
	}
	return tables
}

// TestBadInputEveryRoute sends every /api route bad requests: each answers
// problem+json with the expected status and stable code, and leaves every
// table (but the audit trail) as it was. A route without an entry in the
// table fails the test.
func TestBadInputEveryRoute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tables := everyTable(t)

	// Org A: a conversation between the clinician and the staff member, with
	// one message; org B ("Elsewhere"): the same, plus its owner's session.
	admin := e.token(t, e.email[ward.RoleAdmin], e.pw[ward.RoleAdmin])
	nurse := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	staff := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	comp := e.token(t, e.email[ward.RoleCompliance], e.pw[ward.RoleCompliance])
	patient, guest := e.roleToken(t, ward.RolePatient), e.roleToken(t, ward.RoleGuest)
	principal := func(tok string) *app.Principal {
		p, err := e.f.App.Authenticate(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pNurse, pStaff := principal(nurse), principal(staff)
	conv, _, err := e.f.App.CreateConversation(ctx, pNurse, app.NewConversation{Kind: ward.Direct, Members: []string{pStaff.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	staffMsg, _, err := e.f.App.SendMessage(ctx, pStaff, conv.ID, app.SendRequest{ClientID: "replay-1", Body: "the first content"})
	if err != nil {
		t.Fatal(err)
	}
	pOther := principal(e.token(t, e.other.Email, e.otherPW))
	var bNurse [2]*app.Principal
	for i := range bNurse {
		email := fmt.Sprintf("nurse%d@elsewhere.example", i)
		pw := "elsewhere nurse passphrase"
		if _, err := e.f.App.AddUser(ctx, "elsewhere", app.NewUser{Email: email, Name: "B Nurse", Role: ward.RoleClinician, Password: pw}); err != nil {
			t.Fatal(err)
		}
		bNurse[i] = principal(e.token(t, email, pw))
	}
	convB, _, err := e.f.App.CreateConversation(ctx, bNurse[0], app.NewConversation{Kind: ward.Direct, Members: []string{bNurse[1].User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	msgB, _, err := e.f.App.SendMessage(ctx, bNurse[0], convB.ID, app.SendRequest{ClientID: "b-1", Body: "org B's message", Priority: ward.Urgent})
	if err != nil {
		t.Fatal(err)
	}
	// Attachments: the staff member's unsent upload in org A, and a sent one in org B.
	unsentAtt, err := e.f.App.Attachments().Upload(ctx, pStaff, attachments.Upload{ConversationID: conv.ID, Name: "a.txt", Body: strings.NewReader("unsent")})
	if err != nil {
		t.Fatal(err)
	}
	attB, err := e.f.App.Attachments().Upload(ctx, bNurse[0], attachments.Upload{ConversationID: convB.ID, Name: "b.txt", Body: strings.NewReader("org B's file")})
	if err != nil {
		t.Fatal(err)
	}
	// Patient records: two in org A, one in org B.
	pat := func(p *app.Principal, mrn string) patients.Record {
		r, err := e.f.Patients.Create(ctx, p, patients.Fields{MRN: mrn, GivenName: "G", FamilyName: "F", BirthDate: "1970-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	recA, _, recB := pat(pNurse, "A-1"), pat(pNurse, "A-2"), pat(bNurse[0], "B-1")
	recGone := pat(pNurse, "A-3")
	if err := e.f.Patients.Deactivate(ctx, pNurse, recGone.ID); err != nil {
		t.Fatal(err)
	}
	patientJSON := `{"mrn":%q,"given_name":"G","family_name":%q,"birth_date":%q}`
	// Care teams: one in org A, one in org B.
	pAdmin, pPatient, pComp := principal(admin), principal(e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])), principal(comp)
	teamA, err := e.f.Teams.Create(ctx, pAdmin, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	teamB, err := e.f.Teams.Create(ctx, pOther, "Elsewhere team")
	if err != nil {
		t.Fatal(err)
	}
	patTok := e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient])
	member := func(team, user string) string { return "/api/v1/teams/" + team + "/members/" + user }
	assigned := func(team, rec string) string { return "/api/v1/teams/" + team + "/patients/" + rec }
	memberGarbage := func() []badCase { // garbage tokens on a real team and member
		return []badCase{
			{name: "garbage token", path: member(teamA.ID, pStaff.User.ID), token: "ward_s_garbage", status: 401, code: ward.CodeUnauth},
			{name: "no token", path: member(teamA.ID, pStaff.User.ID), status: 401, code: ward.CodeUnauth},
		}
	}
	// Saved replies: the team's in org A, the staff member's own, one in org B.
	mkReply := func(p *app.Principal, n replies.NewReply) replies.Reply {
		r, err := e.f.Replies.Create(ctx, p, n)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	replyA := mkReply(pAdmin, replies.NewReply{TeamID: teamA.ID, Title: "Hello", Body: "Hello {patient.first_name}"})
	replyStaff := mkReply(pStaff, replies.NewReply{Personal: true, Title: "Mine", Body: "Call {clinic.phone}"})
	replyB := mkReply(bNurse[0], replies.NewReply{Personal: true, Title: "B", Body: "org B"})
	replyPath := func(id, tail string) string { return "/api/v1/replies/" + id + tail }
	hoursJSON := `{"time_zone":"America/New_York","open":[{"day":1,"open":"08:00","close":"17:00"}],"holidays":[],"auto_reply":%q}`
	upload := func(id, query string) string { return "/api/v1/conversations/" + id + "/attachments?" + query }
	exe := "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + strings.Repeat("\x00", 600)
	j := "application/json"
	const noID = ""
	garbage := []badCase{
		{name: "garbage token", token: "ward_s_garbage", status: 401, code: ward.CodeUnauth},
		{name: "no token", status: 401, code: ward.CodeUnauth},
	}
	noCSRF := func(tok string) []badCase {
		return []badCase{{name: "cookie without CSRF header", token: tok, cookie: true, status: 403, code: ward.CodeForbidden}}
	}
	login := `{"email":%q,"password":"x","device":{"id":"abcdefgh","name":"x"}}`

	var uploadCases []badCase
	for _, c := range cat(idCases(nurse, convB.ID), garbage, noCSRF(nurse)) {
		if c.id == "" {
			c.id = conv.ID
		}
		c.path, c.body = upload(c.id, "name=x.txt"), "hello"
		uploadCases = append(uploadCases, c)
	}

	table := map[string][]badCase{
		"POST /api/v1/sessions": cat(jsonCases(noID, noID, `{"email":42}`), []badCase{
			{name: "missing device", ctype: j, body: `{"email":"a@b.org","password":"x"}`, status: 400, code: ward.CodeInvalid},
			{name: "device id too short", ctype: j, body: `{"email":"a@b.org","password":"x","device":{"id":"a","name":"x"}}`, status: 400, code: ward.CodeInvalid},
			{name: "missing password", ctype: j, body: `{"email":"a@b.org","device":{"id":"abcdefgh","name":"x"}}`, status: 400, code: ward.CodeInvalid},
			{name: "unknown account", ctype: j, body: fmt.Sprintf(login, "nobody@nowhere.example"), status: 401, code: ward.CodeUnauth},
		}),
		"GET /api/v1/sessions":            garbage,
		"DELETE /api/v1/sessions":         cat(garbage, noCSRF(staff)),
		"DELETE /api/v1/sessions/current": cat(garbage, noCSRF(staff)),
		"DELETE /api/v1/sessions/{id}":    idCases(admin, pOther.Session.ID),
		"GET /api/v1/me":                  garbage,
		"PUT /api/v1/me/password": cat(jsonCases(staff, noID, `{"current_password":1}`), noCSRF(staff), []badCase{
			{name: "wrong current password", token: staff, ctype: j, body: `{"current_password":"not it at all","new_password":"a new long passphrase"}`, status: 400, code: ward.CodeInvalid},
			{name: "common new password", token: staff, ctype: j, body: fmt.Sprintf(`{"current_password":%q,"new_password":"password123456"}`, e.pw[ward.RoleStaff]), status: 400, code: ward.CodeInvalid},
			{name: "missing new password", token: staff, ctype: j, body: fmt.Sprintf(`{"current_password":%q}`, e.pw[ward.RoleStaff]), status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/sessions/current/reauth": cat(jsonCases(staff, noID, `{"password":1}`), noCSRF(staff), []badCase{
			{name: "neither password nor code", token: staff, ctype: j, body: `{}`, status: 400, code: ward.CodeInvalid},
			{name: "both password and code", token: staff, ctype: j, body: `{"password":"x","totp":"123456"}`, status: 400, code: ward.CodeInvalid},
			{name: "wrong password", token: staff, ctype: j, body: `{"password":"not it at all"}`, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/mfa/totp": cat(garbage, noCSRF(staff)),
		"POST /api/v1/mfa/totp/confirm": cat(jsonCases(staff, noID, `{"code":123456}`), []badCase{
			{name: "no enrolment begun", token: staff, ctype: j, body: `{"code":"123456"}`, status: 409, code: ward.CodeConflict},
		}),
		"GET /api/v1/devices":        garbage,
		"GET /api/v1/push/vapid-key": garbage,
		"POST /api/v1/devices/current/push": cat(jsonCases(staff, noID, `{"endpoint":1}`), noCSRF(staff), func() []badCase {
			const p256 = "BOHnDuFHbTaI0-mt3xj9Q9UgmBbUhwyQ2jq2F9kfwm-Pl6SJFJdq4QbYD0BqZ3mZGSMJ7IT0Om4kHObL9xg0K-c"
			sub := `{"endpoint":%q,"keys":{"p256dh":%q,"auth":%q}}`
			fcm, auth := "https://fcm.googleapis.com/fcm/send/abc", "8eDyX_uCN0XRhSbY5hs7Hg"
			return []badCase{
				{name: "http endpoint", token: staff, ctype: j, body: fmt.Sprintf(sub, "http://fcm.googleapis.com/fcm/send/abc", p256, auth), status: 400, code: ward.CodeInvalid},
				{name: "not a push service", token: staff, ctype: j, body: fmt.Sprintf(sub, "https://10.0.0.5/admin", p256, auth), status: 400, code: ward.CodeInvalid},
				{name: "p256dh too short", token: staff, ctype: j, body: fmt.Sprintf(sub, fcm, p256[:60], auth), status: 400, code: ward.CodeInvalid},
				{name: "auth too short", token: staff, ctype: j, body: fmt.Sprintf(sub, fcm, p256, auth[:10]), status: 400, code: ward.CodeInvalid},
				{name: "no keys", token: staff, ctype: j, body: fmt.Sprintf(`{"endpoint":%q}`, fcm), status: 400, code: ward.CodeInvalid},
				{name: "an admin", token: admin, ctype: j, body: fmt.Sprintf(sub, fcm, p256, auth), status: 403, code: ward.CodeForbidden},
			}
		}()),
		"DELETE /api/v1/devices/current/push": cat(garbage, noCSRF(staff)),
		"GET /api/v1/me/notifications":        cat(garbage, []badCase{{name: "a guest", token: guest, status: 403, code: ward.CodeForbidden}}),
		"PUT /api/v1/me/notifications": cat(jsonCases(staff, noID, `{"new_message":1}`), noCSRF(staff), []badCase{
			{name: "not an IANA zone", token: staff, ctype: j, body: `{"quiet_hours":{"from":"22:00","to":"07:00","time_zone":"Mars/Base"}}`, status: 400, code: ward.CodeInvalid},
			{name: "Local zone", token: staff, ctype: j, body: `{"quiet_hours":{"from":"22:00","to":"07:00","time_zone":"Local"}}`, status: 400, code: ward.CodeInvalid},
			{name: "not a time", token: staff, ctype: j, body: `{"quiet_hours":{"from":"22h","to":"07:00","time_zone":"UTC"}}`, status: 400, code: ward.CodeInvalid},
			{name: "from equals to", token: staff, ctype: j, body: `{"quiet_hours":{"from":"07:00","to":"07:00","time_zone":"UTC"}}`, status: 400, code: ward.CodeInvalid},
			{name: "dnd in the past", token: staff, ctype: j, body: `{"dnd_until":"2001-01-01T00:00:00Z"}`, status: 400, code: ward.CodeInvalid},
			{name: "dnd a month ahead", token: staff, ctype: j, body: `{"dnd_until":"2099-01-01T00:00:00Z"}`, status: 400, code: ward.CodeInvalid},
			{name: "dnd not a time", token: staff, ctype: j, body: `{"dnd_until":"tonight"}`, status: 400, code: ward.CodeInvalid},
			{name: "unknown presence", token: staff, ctype: j, body: `{"presence":"away"}`, status: 400, code: ward.CodeInvalid},
			{name: "a patient sets presence", token: patient, ctype: j, body: `{"presence":"busy"}`, status: 403, code: ward.CodeForbidden},
			{name: "a guest", token: guest, ctype: j, body: `{}`, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/me/presence": cat(garbage, []badCase{{name: "a patient", token: patient, status: 403, code: ward.CodeForbidden}}),
		"PUT /api/v1/me/presence": cat(jsonCases(staff, noID, `{"presence":1}`), noCSRF(staff), []badCase{
			{name: "unknown presence", token: staff, ctype: j, body: `{"presence":"away"}`, status: 400, code: ward.CodeInvalid},
			{name: "no presence", token: staff, ctype: j, body: `{}`, status: 400, code: ward.CodeInvalid},
			{name: "a patient", token: patient, ctype: j, body: `{"presence":"busy"}`, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/presence": cat(garbage, []badCase{{name: "a patient", token: patient, status: 403, code: ward.CodeForbidden}}),
		"POST /api/v1/devices/current/wipe-confirmation": cat(garbage, noCSRF(staff), []badCase{
			{name: "no wipe ordered", token: staff, status: 409, code: ward.CodeConflict},
		}),
		"GET /api/v1/users": garbage,
		"POST /api/v1/users": cat(jsonCases(admin, noID, `{"email":42}`), []badCase{
			{name: "bad role", token: admin, ctype: j, body: `{"email":"n@b.org","name":"N","role":"god","password":"long enough passphrase"}`, status: 400, code: ward.CodeInvalid},
			{name: "missing email", token: admin, ctype: j, body: `{"name":"N","role":"staff","password":"long enough passphrase"}`, status: 400, code: ward.CodeInvalid},
			{name: "existing email", token: admin, ctype: j, body: fmt.Sprintf(`{"email":%q,"name":"N","role":"staff","password":"long enough passphrase"}`, e.email[ward.RoleStaff]), status: 409, code: ward.CodeConflict},
		}),
		"PATCH /api/v1/users/{id}": cat(jsonCases(admin, pStaff.User.ID, `{"disabled":"yes"}`), withBody(idCases(admin, e.other.ID), `{"name":"Pwned"}`), []badCase{
			{name: "bad role", id: pStaff.User.ID, token: admin, ctype: j, body: `{"role":"god"}`, status: 400, code: ward.CodeInvalid},
		}),
		"DELETE /api/v1/users/{id}/sessions": idCases(admin, e.other.ID),
		"DELETE /api/v1/users/{id}/mfa":      idCases(admin, e.other.ID),
		"GET /api/v1/teams":                  garbage,
		"POST /api/v1/teams": cat(jsonCases(admin, noID, `{"name":1}`), noCSRF(admin), []badCase{
			{name: "empty name", token: admin, ctype: j, body: `{"name":"  "}`, status: 400, code: ward.CodeInvalid},
			{name: "name over 100 characters", token: admin, ctype: j, body: `{"name":"` + strings.Repeat("n", 101) + `"}`, status: 400, code: ward.CodeInvalid},
			{name: "control character in name", token: admin, ctype: j, body: `{"name":"a\u0007b"}`, status: 400, code: ward.CodeInvalid},
			{name: "taken name", token: admin, ctype: j, body: `{"name":"CARDIOLOGY clinic"}`, status: 409, code: ward.CodeConflict},
		}),
		"PATCH /api/v1/teams/{id}": cat(jsonCases(admin, teamA.ID, `{"name":1}`), withBody(idCases(admin, teamB.ID), `{"name":"Pwned"}`), []badCase{
			{name: "empty name", id: teamA.ID, token: admin, ctype: j, body: `{"name":""}`, status: 400, code: ward.CodeInvalid},
		}),
		"DELETE /api/v1/teams/{id}": idCases(admin, teamB.ID),
		"PUT /api/v1/teams/{id}/members/{user_id}": cat(memberGarbage(), []badCase{
			{name: "a patient", path: member(teamA.ID, pPatient.User.ID), token: admin, status: 400, code: ward.CodeInvalid},
			{name: "a compliance officer", path: member(teamA.ID, pComp.User.ID), token: admin, status: 400, code: ward.CodeInvalid},
			{name: "an admin", path: member(teamA.ID, pAdmin.User.ID), token: admin, status: 400, code: ward.CodeInvalid},
			{name: "other org's user", path: member(teamA.ID, bNurse[0].User.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "other org's team", path: member(teamB.ID, pStaff.User.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "malformed user id", path: member(teamA.ID, "..%2F..%2Fusers"), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "a clinician adds", path: member(teamA.ID, pStaff.User.ID), token: nurse, status: 403, code: ward.CodeForbidden},
		}),
		"DELETE /api/v1/teams/{id}/members/{user_id}": cat(memberGarbage(), []badCase{
			{name: "not a member", path: member(teamA.ID, pStaff.User.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "other org's team", path: member(teamB.ID, pStaff.User.ID), token: admin, status: 404, code: ward.CodeNotFound},
		}),
		"PUT /api/v1/teams/{id}/patients/{patient_id}": {
			{name: "garbage token", path: assigned(teamA.ID, recA.ID), token: "ward_s_garbage", status: 401, code: ward.CodeUnauth},
			{name: "no token", path: assigned(teamA.ID, recA.ID), status: 401, code: ward.CodeUnauth},
			{name: "other org's record", path: assigned(teamA.ID, recB.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "other org's team", path: assigned(teamB.ID, recA.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "malformed record id", path: assigned(teamA.ID, "..%2F..%2Fusers"), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "unknown team", path: assigned("no-such-team", recA.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "deactivated record", path: assigned(teamA.ID, recGone.ID), token: admin, status: 409, code: ward.CodeConflict},
			{name: "a clinician not in the team", path: assigned(teamA.ID, recA.ID), token: nurse, status: 403, code: ward.CodeForbidden},
			{name: "a compliance officer", path: assigned(teamA.ID, recA.ID), token: comp, status: 403, code: ward.CodeForbidden},
		},
		"DELETE /api/v1/teams/{id}/patients/{patient_id}": {
			{name: "no token", path: assigned(teamA.ID, recA.ID), status: 401, code: ward.CodeUnauth},
			{name: "not assigned", path: assigned(teamA.ID, recA.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "other org's team", path: assigned(teamB.ID, recB.ID), token: admin, status: 404, code: ward.CodeNotFound},
			{name: "a clinician not in the team", path: assigned(teamA.ID, recA.ID), token: nurse, status: 403, code: ward.CodeForbidden},
		},
		"GET /api/v1/replies": cat(garbage, []badCase{
			{name: "a team the nurse is not in", path: "/api/v1/replies?team_id=" + teamA.ID, token: nurse, status: 403, code: ward.CodeForbidden},
			{name: "other org's team", path: "/api/v1/replies?team_id=" + teamB.ID, token: admin, status: 404, code: ward.CodeNotFound},
			{name: "team_id not an id", path: "/api/v1/replies?team_id=..%2Fx", token: admin, status: 404, code: ward.CodeNotFound},
			{name: "unknown parameter", path: "/api/v1/replies?user_id=x", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "as compliance", token: comp, status: 403, code: ward.CodeForbidden},
			{name: "as a patient", token: e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient]), status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/replies": cat(jsonCases(nurse, noID, `{"title":1}`), noCSRF(nurse), []badCase{
			{name: "unknown placeholder", token: nurse, ctype: j, body: `{"personal":true,"title":"t","body":"Dear {patient.ssn}"}`, status: 400, code: ward.CodeInvalid},
			{name: "unknown placeholder in the title", token: nurse, ctype: j, body: `{"personal":true,"title":"{x}","body":"b"}`, status: 400, code: ward.CodeInvalid},
			{name: "neither personal nor team", token: nurse, ctype: j, body: `{"title":"t","body":"b"}`, status: 400, code: ward.CodeInvalid},
			{name: "both personal and team", token: admin, ctype: j, body: fmt.Sprintf(`{"personal":true,"team_id":%q,"title":"t","body":"b"}`, teamA.ID), status: 400, code: ward.CodeInvalid},
			{name: "empty body", token: nurse, ctype: j, body: `{"personal":true,"title":"t","body":" "}`, status: 400, code: ward.CodeInvalid},
			{name: "body too long", token: nurse, ctype: j, body: fmt.Sprintf(`{"personal":true,"title":"t","body":%q}`, strings.Repeat("b", 4001)), status: 400, code: ward.CodeInvalid},
			{name: "a team the nurse is not in", token: nurse, ctype: j, body: fmt.Sprintf(`{"team_id":%q,"title":"t","body":"b"}`, teamA.ID), status: 403, code: ward.CodeForbidden},
			{name: "other org's team", token: admin, ctype: j, body: fmt.Sprintf(`{"team_id":%q,"title":"t","body":"b"}`, teamB.ID), status: 404, code: ward.CodeNotFound},
		}),
		"PATCH /api/v1/replies/{id}": cat(jsonCases(staff, replyStaff.ID, `{"body":1}`), withBody(idCases(nurse, replyB.ID), `{"body":"x"}`), []badCase{
			{name: "unknown placeholder", id: replyStaff.ID, token: staff, ctype: j, body: `{"body":"{staff.phone}"}`, status: 400, code: ward.CodeInvalid},
			{name: "another user's personal reply", id: replyStaff.ID, token: nurse, ctype: j, body: `{"body":"x"}`, status: 404, code: ward.CodeNotFound},
			{name: "a team reply of a team the nurse is not in", id: replyA.ID, token: nurse, ctype: j, body: `{"body":"x"}`, status: 403, code: ward.CodeForbidden},
		}),
		"DELETE /api/v1/replies/{id}": cat(idCases(nurse, replyB.ID), []badCase{
			{name: "another user's personal reply", id: replyStaff.ID, token: nurse, status: 404, code: ward.CodeNotFound},
			{name: "a team reply of a team the nurse is not in", id: replyA.ID, token: nurse, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/replies/{id}/render": cat(jsonCases(staff, replyStaff.ID, `{"patient_id":1}`), withBody(idCases(staff, replyB.ID), `{}`), []badCase{
			{name: "other org's patient", path: replyPath(replyStaff.ID, "/render"), token: staff, ctype: j, body: fmt.Sprintf(`{"patient_id":%q}`, recB.ID), status: 404, code: ward.CodeNotFound},
			{name: "patient id not an id", path: replyPath(replyStaff.ID, "/render"), token: staff, ctype: j, body: `{"patient_id":"../x"}`, status: 404, code: ward.CodeNotFound},
			{name: "an admin renders for a patient", path: replyPath(replyA.ID, "/render"), token: admin, ctype: j, body: fmt.Sprintf(`{"patient_id":%q}`, recA.ID), status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/teams/{id}/hours": cat(idCases(admin, teamB.ID), []badCase{
			{name: "as a patient", id: teamA.ID, token: e.token(t, e.email[ward.RolePatient], e.pw[ward.RolePatient]), status: 403, code: ward.CodeForbidden},
		}),
		"PUT /api/v1/teams/{id}/hours": cat(jsonCases(admin, teamA.ID, `{"time_zone":1}`), withBody(idCases(admin, teamB.ID), fmt.Sprintf(hoursJSON, "")), []badCase{
			{name: "unknown time zone", id: teamA.ID, token: admin, ctype: j, body: `{"time_zone":"Mars/Olympus","open":[]}`, status: 400, code: ward.CodeInvalid},
			{name: "close before open", id: teamA.ID, token: admin, ctype: j, body: `{"time_zone":"UTC","open":[{"day":1,"open":"17:00","close":"08:00"}]}`, status: 400, code: ward.CodeInvalid},
			{name: "day 7", id: teamA.ID, token: admin, ctype: j, body: `{"time_zone":"UTC","open":[{"day":7,"open":"08:00","close":"17:00"}]}`, status: 400, code: ward.CodeInvalid},
			{name: "bad holiday", id: teamA.ID, token: admin, ctype: j, body: `{"time_zone":"UTC","holidays":["2026-02-30"]}`, status: 400, code: ward.CodeInvalid},
			{name: "patient placeholder in the auto-reply", id: teamA.ID, token: admin, ctype: j, body: fmt.Sprintf(hoursJSON, "Hi {patient.first_name}"), status: 400, code: ward.CodeInvalid},
			{name: "unknown placeholder in the auto-reply", id: teamA.ID, token: admin, ctype: j, body: fmt.Sprintf(hoursJSON, "{clinic.fax}"), status: 400, code: ward.CodeInvalid},
			{name: "a team the nurse is not in", id: teamA.ID, token: nurse, ctype: j, body: fmt.Sprintf(hoursJSON, ""), status: 403, code: ward.CodeForbidden},
			{name: "as compliance", id: teamA.ID, token: comp, ctype: j, body: fmt.Sprintf(hoursJSON, ""), status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/admin/devices":               garbage,
		"POST /api/v1/admin/devices/{id}/approve": idCases(admin, pOther.Device.ID),
		"POST /api/v1/admin/devices/{id}/lock":    idCases(admin, pOther.Device.ID),
		"POST /api/v1/admin/devices/{id}/unlock":  idCases(admin, pOther.Device.ID),
		"POST /api/v1/admin/devices/{id}/wipe":    idCases(admin, pOther.Device.ID),
		"GET /api/v1/policy":                      garbage,
		"PUT /api/v1/policy": cat(jsonCases(admin, noID, `{"idle_timeout":"long"}`), []badCase{
			{name: "idle timeout too short", token: admin, ctype: j, body: `{"idle_timeout":1,"session_lifetime":60}`, status: 400, code: ward.CodeInvalid},
			{name: "patient retention under a day", token: admin, ctype: j, body: `{"mfa_required":true,"idle_timeout":900,"session_lifetime":43200,"urgent_renotify":300,"urgent_escalate":900,"recall_window":600,"audit_retention":189216000,"patient_retention":3600}`, status: 400, code: ward.CodeInvalid},
			{name: "negative patient retention", token: admin, ctype: j, body: `{"mfa_required":true,"idle_timeout":900,"session_lifetime":43200,"urgent_renotify":300,"urgent_escalate":900,"recall_window":600,"audit_retention":189216000,"patient_retention":-1}`, status: 400, code: ward.CodeInvalid},
			{name: "audit retention under 6 years", token: admin, ctype: j, body: `{"mfa_required":true,"idle_timeout":900,"session_lifetime":43200,"urgent_renotify":300,"urgent_escalate":900,"recall_window":600,"audit_retention":189215999}`, status: 400, code: ward.CodeRetentionTooShort},
			{name: "attachment retention under a day", token: admin, ctype: j, body: `{"mfa_required":true,"idle_timeout":900,"session_lifetime":43200,"urgent_renotify":300,"urgent_escalate":900,"recall_window":600,"audit_retention":189216000,"attachment_retention":3600}`, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/mfa/webauthn": cat(garbage, noCSRF(staff)),
		"POST /api/v1/mfa/webauthn/confirm": cat(jsonCases(staff, noID, `{"challenge_id":1}`), []badCase{
			{name: "response not an object", token: staff, ctype: j, body: `{"challenge_id":"x","response":"x"}`, status: 400, code: ward.CodeInvalid},
			{name: "garbage response", token: staff, ctype: j, body: `{"challenge_id":"x","response":{"id":1}}`, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/mfa/webauthn":         garbage,
		"DELETE /api/v1/mfa/webauthn/{id}": idCases(staff, ""),
		// Single sign-on (internal/sso; the flow itself: internal/sso/oidc_test.go).
		"GET /api/v1/sso/{org}": {
			{name: "unknown org", id: "no-such-org", status: 404, code: ward.CodeSSONotConfigured},
			{name: "org without a provider", id: e.f.Org.Slug, status: 404, code: ward.CodeSSONotConfigured},
		},
		"GET /api/v1/sso/{org}/start": {
			{name: "unknown org", id: "no-such-org", status: 404, code: ward.CodeSSONotConfigured},
			{name: "org without a provider", id: e.f.Org.Slug, status: 404, code: ward.CodeSSONotConfigured},
		},
		"GET /api/v1/sso/callback": {
			{name: "no state", status: 400, code: ward.CodeSSOState},
			{name: "a code without state", path: "/api/v1/sso/callback?code=abc", status: 400, code: ward.CodeSSOState},
		},
		"GET /api/v1/sessions/sso": {
			{name: "no ticket cookie", status: 400, code: ward.CodeSSOState},
			{name: "a session's token is no ticket", token: staff, status: 400, code: ward.CodeSSOState},
		},
		"POST /api/v1/sessions/sso": cat(jsonCases(noID, noID, `{"ticket":42}`), []badCase{
			{name: "no ticket", ctype: j, body: `{"device":{"id":"abcdefgh","name":"x"}}`, status: 400, code: ward.CodeSSOState},
			{name: "unknown ticket", ctype: j, body: `{"ticket":"bm90IGEgdGlja2V0","device":{"id":"abcdefgh","name":"x"}}`, status: 400, code: ward.CodeSSOState},
			{name: "huge ticket", ctype: j, body: `{"ticket":"` + strings.Repeat("A", 4000) + `","device":{"id":"abcdefgh","name":"x"}}`, status: 400, code: ward.CodeSSOState},
		}),
		"POST /api/v1/sessions/sso/webauthn/challenge": cat(jsonCases(noID, noID, `{"ticket":42}`), []badCase{
			{name: "no ticket", ctype: j, body: `{}`, status: 400, code: ward.CodeSSOState},
			{name: "unknown ticket", ctype: j, body: `{"ticket":"bm90IGEgdGlja2V0"}`, status: 400, code: ward.CodeSSOState},
			{name: "huge ticket", ctype: j, body: `{"ticket":"` + strings.Repeat("A", 4000) + `"}`, status: 400, code: ward.CodeSSOState},
		}),
		"GET /api/v1/admin/sso/oidc": append(garbage, badCase{name: "none configured", token: admin, status: 404, code: ward.CodeSSONotConfigured}),
		"PUT /api/v1/admin/sso/oidc": cat(jsonCases(admin, noID, `{"issuer":42}`), noCSRF(admin), []badCase{
			{name: "plain http issuer", token: admin, ctype: j, body: `{"issuer":"http://idp.example.org","client_id":"ward","client_secret":"s"}`, status: 400, code: ward.CodeInvalid},
			{name: "issuer not a URL", token: admin, ctype: j, body: `{"issuer":"idp","client_id":"ward","client_secret":"s"}`, status: 400, code: ward.CodeInvalid},
			{name: "no secret the first time", token: admin, ctype: j, body: `{"issuer":"https://idp.example.org","client_id":"ward"}`, status: 400, code: ward.CodeInvalid},
			{name: "no client id", token: admin, ctype: j, body: `{"issuer":"https://idp.example.org","client_secret":"s"}`, status: 400, code: ward.CodeInvalid},
			{name: "group to owner", token: admin, ctype: j, body: `{"issuer":"https://idp.example.org","client_id":"ward","client_secret":"s","role_map":{"it":"owner"}}`, status: 400, code: ward.CodeInvalid},
			{name: "group to patient", token: admin, ctype: j, body: `{"issuer":"https://idp.example.org","client_id":"ward","client_secret":"s","role_map":{"it":"patient"}}`, status: 400, code: ward.CodeInvalid},
			{name: "bad default role", token: admin, ctype: j, body: `{"issuer":"https://idp.example.org","client_id":"ward","client_secret":"s","default_role":"owner"}`, status: 400, code: ward.CodeInvalid},
			{name: "control character in label", token: admin, ctype: j, body: `{"issuer":"https://idp.example.org","client_id":"ward","client_secret":"s","label":"a\u0007b"}`, status: 400, code: ward.CodeInvalid},
			{name: "space in an acr value", token: admin, ctype: j, body: `{"issuer":"https://idp.example.org","client_id":"ward","client_secret":"s","mfa_acr":["a b"]}`, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/admin/sso/scim-token":    garbage,
		"POST /api/v1/admin/sso/scim-token":   cat(garbage, noCSRF(admin)),
		"DELETE /api/v1/admin/sso/scim-token": append(cat(garbage, noCSRF(admin)), badCase{name: "no token to revoke", token: admin, status: 404, code: ward.CodeNotFound}),

		"POST /api/v1/sessions/webauthn/challenge": cat(jsonCases(noID, noID, `{"email":[]}`), []badCase{
			{name: "unknown account", ctype: j, body: fmt.Sprintf(login, "nobody@nowhere.example"), status: 401, code: ward.CodeUnauth},
		}),

		"POST /api/v1/conversations": cat(jsonCases(nurse, noID, `{"members":"everyone"}`), []badCase{
			{name: "unknown kind", token: nurse, ctype: j, body: fmt.Sprintf(`{"kind":"broadcast","members":[%q]}`, pStaff.User.ID), status: 400, code: ward.CodeInvalid},
			{name: "member of another org", token: nurse, ctype: j, body: fmt.Sprintf(`{"kind":"direct","members":[%q]}`, bNurse[0].User.ID), status: 400, code: ward.CodeInvalid},
			{name: "no members", token: nurse, ctype: j, body: `{"kind":"direct","members":[]}`, status: 400, code: ward.CodeInvalid},
			{name: "title too long", token: nurse, ctype: j, body: fmt.Sprintf(`{"kind":"group","title":%q,"members":[%q]}`, strings.Repeat("t", 201), pStaff.User.ID), status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/patients": cat(jsonCases(nurse, noID, `{"mrn":1}`), []badCase{
			{name: "duplicate MRN", token: nurse, ctype: j, body: fmt.Sprintf(patientJSON, "a 1", "F", "1970-01-01"), status: 409, code: ward.CodeConflict},
			{name: "empty MRN", token: nurse, ctype: j, body: fmt.Sprintf(patientJSON, " ", "F", "1970-01-01"), status: 400, code: ward.CodeInvalid},
			{name: "bad date", token: nurse, ctype: j, body: fmt.Sprintf(patientJSON, "N-1", "F", "1970-02-30"), status: 400, code: ward.CodeInvalid},
			{name: "future date", token: nurse, ctype: j, body: fmt.Sprintf(patientJSON, "N-1", "F", "2999-01-01"), status: 400, code: ward.CodeInvalid},
			{name: "name too long", token: nurse, ctype: j, body: fmt.Sprintf(patientJSON, "N-1", strings.Repeat("f", 201), "1970-01-01"), status: 400, code: ward.CodeInvalid},
			{name: "missing birth date", token: nurse, ctype: j, body: `{"mrn":"N-1","given_name":"G","family_name":"F"}`, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/patients": cat(garbage, []badCase{
			{name: "limit 0", path: "/api/v1/patients?limit=0", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "limit over 100", path: "/api/v1/patients?limit=101", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "limit not a number", path: "/api/v1/patients?limit=ten", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "after not an id", path: "/api/v1/patients?after=..%2Fx", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "limit with an mrn", path: "/api/v1/patients?mrn=a&limit=5", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "the list as an admin", token: admin, status: 403, code: ward.CodeForbidden},
			{name: "empty mrn", path: "/api/v1/patients?mrn=", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "mrn twice", path: "/api/v1/patients?mrn=a&mrn=b", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "both forms", path: "/api/v1/patients?mrn=a&birth_date=1970-01-01&family_name=f", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "bad birth date", path: "/api/v1/patients?birth_date=yesterday&family_name=f", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "unknown parameter", path: "/api/v1/patients?name=Doe", token: nurse, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/patients/{id}": idCases(nurse, recB.ID),
		"PATCH /api/v1/patients/{id}": cat(jsonCases(nurse, recA.ID, `{"phone":5}`), withBody(idCases(nurse, recB.ID), `{"phone":"1"}`), []badCase{
			{name: "MRN of another record", id: recA.ID, token: nurse, ctype: j, body: `{"mrn":"a-2"}`, status: 409, code: ward.CodeConflict},
			{name: "bad date", id: recA.ID, token: nurse, ctype: j, body: `{"birth_date":"1970-1-1"}`, status: 400, code: ward.CodeInvalid},
			{name: "empty family name", id: recA.ID, token: nurse, ctype: j, body: `{"family_name":""}`, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/patients/{id}/deactivate": idCases(nurse, recB.ID),
		"POST /api/v1/patients/{id}/merge": cat(jsonCases(nurse, recA.ID, `{"into":5}`), withBody(idCases(nurse, recB.ID), `{"into":"`+recA.ID+`"}`), []badCase{
			{name: "no into", id: recA.ID, token: nurse, ctype: j, body: `{}`, status: 400, code: ward.CodeInvalid},
			{name: "into itself", id: recA.ID, token: nurse, ctype: j, body: `{"into":"` + recA.ID + `"}`, status: 400, code: ward.CodeInvalid},
			{name: "into an unknown record", id: recA.ID, token: nurse, ctype: j, body: `{"into":"01a20fde-0000-7000-8000-000000000000"}`, status: 404, code: ward.CodeNotFound},
			{name: "into another org's record", id: recA.ID, token: nurse, ctype: j, body: `{"into":"` + recB.ID + `"}`, status: 404, code: ward.CodeNotFound},
			{name: "into a deactivated record", id: recA.ID, token: nurse, ctype: j, body: `{"into":"` + recGone.ID + `"}`, status: 409, code: ward.CodeConflict},
			{name: "as compliance", id: recA.ID, token: comp, ctype: j, body: `{"into":"` + recGone.ID + `"}`, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/patients/{id}/unmerge": cat(idCases(nurse, recB.ID), []badCase{
			{name: "not merged", id: recA.ID, token: nurse, status: 409, code: ward.CodeConflict},
		}),
		"GET /api/v1/patients/{id}/conversations": cat(idCases(nurse, recB.ID), []badCase{
			{name: "a staff user's id", id: pStaff.User.ID, token: nurse, status: 404, code: ward.CodeNotFound},
			{name: "as an admin", id: recA.ID, token: admin, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/patients/{id}/invitations": cat(jsonCases(nurse, recA.ID, `{"channel":5}`), withBody(idCases(nurse, recB.ID), `{"channel":"link"}`), []badCase{
			{name: "unknown channel", id: recA.ID, token: nurse, ctype: j, body: `{"channel":"sms"}`, status: 400, code: ward.CodeInvalid},
			{name: "no channel", id: recA.ID, token: nurse, ctype: j, body: `{}`, status: 400, code: ward.CodeInvalid},
			{name: "email without --smtp", id: recA.ID, token: nurse, ctype: j, body: `{"channel":"email"}`, status: 503, code: ward.CodeUnavailable},
		}),
		"GET /api/v1/patients/{id}/invitations": idCases(nurse, recB.ID),
		"POST /api/v1/patients/{id}/invitations/{inv}/revoke": cat(idCases(nurse, recB.ID), []badCase{
			{name: "unknown invitation", path: "/api/v1/patients/" + recA.ID + "/invitations/01a20fde-0000-7000-8000-000000000000/revoke", token: nurse, status: 404, code: ward.CodeNotFound},
		}),
		"POST /api/v1/patients/{id}/invitations/{inv}/resend": cat(idCases(nurse, recB.ID), []badCase{
			{name: "unknown invitation", path: "/api/v1/patients/" + recA.ID + "/invitations/01a20fde-0000-7000-8000-000000000000/resend", token: nurse, status: 404, code: ward.CodeNotFound},
		}),
		"GET /api/v1/invitations/{token}": {
			{name: "unknown token", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", status: 404, code: ward.CodeNotFound},
			{name: "huge token", id: strings.Repeat("A", 4000), status: 404, code: ward.CodeNotFound},
		},
		"POST /api/v1/invitations/{token}/email-code": {
			{name: "unknown token", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", status: 503, code: ward.CodeUnavailable},
		},
		"POST /api/v1/invitations/{token}/accept": cat(jsonCases("", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `{"password":5}`), []badCase{
			{name: "unknown token", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ctype: j, body: `{"password":"a long enough passphrase 42","device":{"id":"dev-00001","name":"phone"}}`, status: 404, code: ward.CodeNotFound},
			{name: "no password", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ctype: j, body: `{"device":{"id":"dev-00001","name":"phone"}}`, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/outside-messages": cat(jsonCases(nurse, "", `{"email":5}`), []badCase{
			{name: "not an address", token: nurse, ctype: j, body: `{"email":"no address","body":"hi"}`, status: 400, code: ward.CodeInvalid},
			{name: "no body", token: nurse, ctype: j, body: `{"email":"out@side.example","body":""}`, status: 400, code: ward.CodeInvalid},
			{name: "no address", token: nurse, ctype: j, body: `{"body":"hi"}`, status: 400, code: ward.CodeInvalid},
			{name: "attachments without a thread", token: nurse, ctype: j, body: `{"email":"out@side.example","body":"hi","attachment_ids":["x"]}`, status: 400, code: ward.CodeInvalid},
			{name: "a staff address", token: nurse, ctype: j, body: `{"email":"` + e.email[ward.RoleStaff] + `","body":"hi"}`, status: 409, code: ward.CodeAccountExists},
			{name: "not an outside thread", token: nurse, ctype: j, body: `{"conversation_id":"` + conv.ID + `","body":"hi"}`, status: 404, code: ward.CodeNotFound},
			{name: "another org's conversation", token: nurse, ctype: j, body: `{"conversation_id":"` + convB.ID + `","body":"hi"}`, status: 404, code: ward.CodeNotFound},
		}),
		"GET /api/v1/outside-messages": {
			{name: "not an outside thread", path: "/api/v1/outside-messages?conversation_id=" + conv.ID, token: nurse, status: 404, code: ward.CodeNotFound},
		},
		"GET /api/v1/outside/{token}": {
			{name: "unknown token", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", status: 404, code: ward.CodeNotFound},
			{name: "huge token", id: strings.Repeat("A", 4000), status: 404, code: ward.CodeNotFound},
		},
		"POST /api/v1/outside/{token}/email-code": {
			{name: "unknown token", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", status: 404, code: ward.CodeNotFound},
		},
		"POST /api/v1/outside/{token}/open": cat(jsonCases("", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `{"email_code":5}`), []badCase{
			{name: "unknown token", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ctype: j, body: `{"email_code":"123456","device":{"id":"dev-00001","name":"phone"}}`, status: 404, code: ward.CodeNotFound},
			{name: "no device", id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ctype: j, body: `{"email_code":"123456"}`, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/conversations":      garbage,
		"GET /api/v1/conversations/{id}": idCases(nurse, convB.ID),
		"POST /api/v1/conversations/{id}/messages": cat(jsonCases(nurse, conv.ID, `{"client_id":7,"body":"x"}`),
			withBody(idCases(nurse, convB.ID), `{"client_id":"c-1","body":"hello"}`), []badCase{
				{name: "replayed client_id with other content", id: conv.ID, token: staff, ctype: j, body: `{"client_id":"replay-1","body":"other content"}`, status: 409, code: ward.CodeConflict},
				{name: "empty message", id: conv.ID, token: nurse, ctype: j, body: `{"client_id":"c-2","body":""}`, status: 400, code: ward.CodeInvalid},
				{name: "missing client_id", id: conv.ID, token: nurse, ctype: j, body: `{"body":"hello"}`, status: 400, code: ward.CodeInvalid},
				{name: "message over the limit", id: conv.ID, token: nurse, ctype: j, body: fmt.Sprintf(`{"client_id":"c-3","body":%q}`, strings.Repeat("b", ward.MaxBodyLen+1)), status: 413, code: ward.CodeTooLarge},
				{name: "unknown priority", id: conv.ID, token: nurse, ctype: j, body: `{"client_id":"c-4","body":"hi","priority":"stat"}`, status: 400, code: ward.CodeInvalid},
				{name: "backup of another org", id: conv.ID, token: nurse, ctype: j, body: fmt.Sprintf(`{"client_id":"c-5","body":"hi","priority":"urgent","backup_user_id":%q}`, bNurse[1].User.ID), status: 400, code: ward.CodeInvalid},
			}),
		"GET /api/v1/conversations/{id}/messages": cat(idCases(nurse, convB.ID), []badCase{
			{name: "after=-1", path: "/api/v1/conversations/" + conv.ID + "/messages?after=-1", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "limit=abc", path: "/api/v1/conversations/" + conv.ID + "/messages?limit=abc", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "after too big", path: "/api/v1/conversations/" + conv.ID + "/messages?after=99999999999999999999", token: nurse, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/conversations/{id}/receipts": cat(jsonCases(nurse, conv.ID, `{"up_to_seq":"all"}`),
			withBody(idCases(nurse, convB.ID), `{"up_to_seq":1,"kind":"read"}`), []badCase{
				{name: "unknown kind", id: conv.ID, token: nurse, ctype: j, body: `{"up_to_seq":1,"kind":"seen"}`, status: 400, code: ward.CodeInvalid},
				{name: "negative seq", id: conv.ID, token: nurse, ctype: j, body: `{"up_to_seq":-1,"kind":"read"}`, status: 400, code: ward.CodeInvalid},
			}),
		"POST /api/v1/messages/{id}/ack": cat(idCases(nurse, msgB.ID), []badCase{
			{name: "not urgent", id: staffMsg.ID, token: nurse, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/messages/{id}/recall": cat(idCases(staff, msgB.ID), []badCase{
			{name: "someone else's message", id: staffMsg.ID, token: nurse, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/conversations/{id}/attachments": cat(uploadCases, []badCase{
			{name: "no file name", id: conv.ID, token: nurse, body: "hello", status: 400, code: ward.CodeInvalid},
			{name: "bad percent-encoding", path: upload(conv.ID, "name=%ZZ"), token: nurse, body: "hello", status: 400, code: ward.CodeInvalid},
			{name: "empty file", path: upload(conv.ID, "name=x.txt"), token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "an .exe renamed .pdf", path: upload(conv.ID, "name=report.pdf"), token: nurse, ctype: "application/pdf", body: exe, status: 415, code: ward.CodeUnsupported},
			{name: "HTML", path: upload(conv.ID, "name=notes.txt"), token: nurse, ctype: "text/plain", body: "<html><script>alert(1)</script>", status: 415, code: ward.CodeUnsupported},
			{name: "file name over 1 KiB", path: upload(conv.ID, "name="+strings.Repeat("n", 1100)), token: nurse, body: "hello", status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/attachments/{id}": cat(idCases(nurse, attB.ID), []badCase{
			{name: "someone else's unsent upload", id: unsentAtt.ID, token: nurse, status: 404, code: ward.CodeNotFound},
			{name: "inline=2", path: "/api/v1/attachments/" + unsentAtt.ID + "?inline=2", token: staff, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/audit": cat(garbage, []badCase{
			{name: "bad from", path: "/api/v1/audit?from=yesterday", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "bad to date", path: "/api/v1/audit?to=2026-13-45", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "from after to", path: "/api/v1/audit?from=2026-11-24&to=2026-11-01", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "limit=abc", path: "/api/v1/audit?limit=abc", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "limit=0", path: "/api/v1/audit?limit=0", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "limit=999", path: "/api/v1/audit?limit=999", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "before=-1", path: "/api/v1/audit?before=-1", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "unknown action", path: "/api/v1/audit?action=user.deleted", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "free text as user", path: "/api/v1/audit?user=Jane%20Doe", token: comp, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/audit/export": cat(garbage, []badCase{
			{name: "format=xml", path: "/api/v1/audit/export?from=2026-11-01&to=2026-11-24&format=xml", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "no from", path: "/api/v1/audit/export?to=2026-11-24", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "bad to", path: "/api/v1/audit/export?from=2026-11-01&to=soon", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "from after to", path: "/api/v1/audit/export?from=2026-11-24&to=2026-11-01", token: comp, status: 400, code: ward.CodeInvalid},
			{name: "unknown action", path: "/api/v1/audit/export?from=2026-11-01&to=2026-11-24&action=nope", token: comp, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/stats": cat(garbage, []badCase{
			{name: "days=0", path: "/api/v1/stats?days=0", token: admin, status: 400, code: ward.CodeInvalid},
			{name: "days=9999", path: "/api/v1/stats?days=9999", token: admin, status: 400, code: ward.CodeInvalid},
			{name: "days=abc", path: "/api/v1/stats?days=abc", token: admin, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/inbox/stats": cat(garbage, []badCase{
			{name: "from not a date", path: "/api/v1/inbox/stats?from=yesterday", token: admin, status: 400, code: ward.CodeInvalid},
			{name: "to not a date", path: "/api/v1/inbox/stats?to=2026-02-30", token: admin, status: 400, code: ward.CodeInvalid},
			{name: "from after to", path: "/api/v1/inbox/stats?from=2026-03-02&to=2026-03-01", token: admin, status: 400, code: ward.CodeInvalid},
			{name: "over 365 days", path: "/api/v1/inbox/stats?from=2025-01-01&to=2026-01-01", token: admin, status: 400, code: ward.CodeInvalid},
			{name: "as a clinician", path: "/api/v1/inbox/stats", token: nurse, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/inbox/teams": garbage,
		"POST /api/v1/inbox/conversations": cat(jsonCases(patTok, "", `{"team_id":5}`), []badCase{
			{name: "no team_id", token: patTok, ctype: j, body: `{"body":"hi"}`, status: 400, code: ward.CodeInvalid},
			{name: "a team the patient is not assigned to", token: patTok, ctype: j, body: `{"team_id":"` + teamA.ID + `"}`, status: 404, code: ward.CodeNotFound},
			{name: "other org's team", token: patTok, ctype: j, body: `{"team_id":"` + teamB.ID + `"}`, status: 404, code: ward.CodeNotFound},
			{name: "as staff", token: staff, ctype: j, body: `{"team_id":"` + teamA.ID + `"}`, status: 403, code: ward.CodeForbidden},
		}),
		"GET /api/v1/teams/{id}/inbox": cat(idCases(nurse, teamB.ID), []badCase{
			{name: "not a member of the team", id: teamA.ID, token: nurse, status: 404, code: ward.CodeNotFound},
			{name: "as the patient", id: teamA.ID, token: patTok, status: 403, code: ward.CodeForbidden},
			{name: "unknown status", path: "/api/v1/teams/" + teamA.ID + "/inbox?status=done", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "limit=abc", path: "/api/v1/teams/" + teamA.ID + "/inbox?limit=abc", token: nurse, status: 400, code: ward.CodeInvalid},
			{name: "limit=999", path: "/api/v1/teams/" + teamA.ID + "/inbox?limit=999", token: nurse, status: 400, code: ward.CodeInvalid},
		}),
		"POST /api/v1/inbox/{id}/claim": cat(idCases(nurse, convB.ID), []badCase{
			{name: "not an inbox thread", id: conv.ID, token: nurse, status: 404, code: ward.CodeNotFound},
			{name: "as the patient", id: conv.ID, token: patTok, status: 403, code: ward.CodeForbidden},
		}),
		"POST /api/v1/inbox/{id}/assign": cat(jsonCases(nurse, conv.ID, `{"user_id":5}`), withBody(idCases(nurse, convB.ID), `{"user_id":"x"}`)),
		"POST /api/v1/inbox/{id}/status": cat(jsonCases(nurse, conv.ID, `{"status":5}`), withBody(idCases(nurse, convB.ID), `{"status":"open"}`), []badCase{
			{name: "unknown status", id: conv.ID, token: nurse, ctype: j, body: `{"status":"done"}`, status: 400, code: ward.CodeInvalid},
		}),
		"GET /api/v1/ws": {
			{name: "plain GET without upgrade", token: nurse, status: 400, code: ward.CodeInvalid},
		},
	}

	for pattern, cs := range onCallBadCases(t, e, onCallCaller{admin: admin, nurse: nurse, staff: staff, patient: patient, guest: guest,
		nurseID: pNurse.User.ID, staffID: pStaff.User.ID, adminID: pAdmin.User.ID, patientID: pPatient.User.ID, otherOwner: pOther,
		otherNurses: []string{bNurse[0].User.ID, bNurse[1].User.ID}, garbage: garbage, noCSRF: noCSRF}) {
		table[pattern] = append(table[pattern], cs...)
	}
	rc := reviewCaller{comp: comp, admin: admin, nurse: nurse, staff: staff,
		conv: conv.ID, convB: convB.ID, recA: recA.ID, recB: recB.ID, unsentAtt: unsentAtt.ID, attB: attB.ID,
		otherNurse: bNurse[0], garbage: garbage, noCSRF: noCSRF}
	for pattern, cs := range reviewBadCases(t, e, rc) {
		table[pattern] = append(table[pattern], cs...)
	}
	for pattern, cs := range accountingBadCases(t, rc) {
		table[pattern] = append(table[pattern], cs...)
	}

	for pattern, cs := range exportBadCases(t, e, exportCaller{comp: comp, admin: admin, nurse: nurse, conv: conv.ID, convB: convB.ID,
		garbage: garbage, noCSRF: noCSRF}) {
		table[pattern] = append(table[pattern], cs...)
	}
	maps.Copy(table, chainBadCases(t, e)) // badinput_chains_test.go
	for pattern, cs := range alertBadCases(t, e, alertCaller{comp: comp, admin: admin, orgB: e.other.OrgID, garbage: garbage, noCSRF: noCSRF}) {
		table[pattern] = append(table[pattern], cs...)
	}
	for pattern, cs := range holdBadCases(t, e, holdCaller{comp: comp, admin: admin, nurse: nurse, patient: patient, guest: guest,
		convA: conv.ID, convB: convB.ID, recA: recA.ID, recB: recB.ID, userB: bNurse[0].User.ID, garbage: garbage, noCSRF: noCSRF}) {
		table[pattern] = append(table[pattern], cs...)
	}

	for pattern, cs := range incidentBadCases(t, e, incidentCaller{comp: comp, admin: admin, nurse: nurse, staff: staff, patient: patient,
		guest: guest, recA: recA.ID, recB: recB.ID, garbage: garbage, noCSRF: noCSRF}) {
		table[pattern] = append(table[pattern], cs...)
	}

	var last string // the snapshot after the last case
	// A connection of its own on the database file: PRAGMA data_version
	// changes when another connection commits, so a case after which it did
	// not change left the tables as the last snapshot shows them.
	watch, err := sql.Open("sqlite", "file:"+filepath.Join(e.f.DataDir, store.SQLiteFile)+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	wconn, err := watch.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer wconn.Close()
	version := func() int64 {
		var v int64
		if err := wconn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	lastVersion := version()
	for _, rt := range e.h.Routes() {
		if !strings.Contains(rt.Pattern, "/api/") {
			continue
		}
		cases, ok := table[rt.Pattern]
		if !ok || len(cases) == 0 {
			t.Errorf("%s has no bad-input cases: add it to the table in TestBadInputEveryRoute", rt.Pattern)
			continue
		}
		delete(table, rt.Pattern)
		method, _, _ := strings.Cut(rt.Pattern, " ")
		for _, tc := range cases {
			t.Run(rt.Pattern+"/"+tc.name, func(t *testing.T) {
				path := tc.path
				if path == "" {
					_, path = concrete(rt.Pattern, tc.id)
				}
				// The state after the last case is the state before this
				// one: so a write a refused request leaves behind after
				// its answer shows too (as this case's change).
				before := last
				if before == "" {
					var err error
					if before, err = e.f.Store.Snapshot(ctx, tables...); err != nil {
						t.Fatal(err)
					}
				}
				req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(tc.body))
				if tc.ctype != "" {
					req.Header.Set("Content-Type", tc.ctype)
				}
				switch {
				case tc.cookie:
					req.AddCookie(&http.Cookie{Name: auth.SessionCookieName, Value: tc.token})
				case tc.token != "":
					req.Header.Set("Authorization", "Bearer "+tc.token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var p struct {
					Code   string `json:"code"`
					Status int    `json:"status"`
				}
				raw, _ := io.ReadAll(resp.Body)
				if err := json.Unmarshal(raw, &p); err != nil {
					t.Fatalf("%d answer is not JSON: %v: %.200s", resp.StatusCode, err, raw)
				}
				if resp.Header.Get("Content-Type") != "application/problem+json" || resp.StatusCode != tc.status ||
					p.Code != string(tc.code) || p.Status != tc.status {
					t.Errorf("got %d %s (%s), want %d %s", resp.StatusCode, p.Code, resp.Header.Get("Content-Type"), tc.status, tc.code)
				}
				after := last
				if v := version(); v != lastVersion || after == "" {
					if after, err = e.f.Store.Snapshot(ctx, tables...); err != nil {
						t.Fatal(err)
					}
					lastVersion = v
				}
				last = after
				if before != after {
					t.Errorf("the database changed:\n%s", firstDiff(before, after))
				}
			})
		}
	}
	for pattern := range table {
		t.Errorf("the table names %s, which is not a route (renamed?)", pattern)
	}
}

// firstDiff shows the first line where two snapshots differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("before: %.300s\nafter:  %.300s", al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines before, %d after", len(al), len(bl))
}
