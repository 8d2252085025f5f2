package sso_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
)

// scimToken signs the owner in and has them issue the org's SCIM token.
func (h *harness) scimToken(t *testing.T) string {
	t.Helper()
	res, err := h.f.Login(h.f.Owner.Email, h.f.OwnerPW, "owner-laptop", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	st, out := h.call(t, nil, "POST", "/api/v1/admin/sso/scim-token", res.Token, map[string]any{})
	if st != http.StatusCreated {
		t.Fatalf("issue SCIM token: %d %v", st, out)
	}
	return out["token"].(string)
}

// scim sends a SCIM request and decodes the answer.
func (h *harness) scim(t *testing.T, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 400 && (out["schemas"] == nil || out["status"] == nil) {
		t.Errorf("%s %s: error %d not in SCIM's error schema: %v", method, path, resp.StatusCode, out)
	}
	return resp.StatusCode, out
}

func newUser(email, given string, extra map[string]any) map[string]any {
	u := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": email,
		"externalId": "ext-" + given, "name": map[string]any{"givenName": given, "familyName": "Provisioned"}, "active": true}
	for k, v := range extra {
		u[k] = v
	}
	return u
}

func patch(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

// Create, read, list with a filter, replace, patch and delete a user.
func TestSCIMUsers(t *testing.T) {
	h := newHarness(t, false)
	tok := h.scimToken(t)

	st, u := h.scim(t, tok, "POST", "/scim/v2/Users", newUser("pat.porter@stmary.example", "Pat", map[string]any{
		"roles": []map[string]any{{"value": "clinician", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Cardiology"}}))
	if st != http.StatusCreated || u["userName"] != "pat.porter@stmary.example" || u["externalId"] != "ext-Pat" || u["active"] != true {
		t.Fatalf("create: %d %v", st, u)
	}
	id := u["id"].(string)
	if got, ok := h.userByEmail(t, "pat.porter@stmary.example"); !ok || got.Role != ward.RoleClinician || got.Name != "Pat Provisioned" {
		t.Errorf("the account: %+v", got)
	}
	if st, _ := h.scim(t, tok, "POST", "/scim/v2/Users", newUser("pat.porter@stmary.example", "Pat", nil)); st != http.StatusConflict {
		t.Errorf("create again: %d, want 409", st)
	}
	if st, g := h.scim(t, tok, "GET", "/scim/v2/Users/"+id, nil); st != 200 || g["id"] != id {
		t.Errorf("get: %d %v", st, g)
	}
	q := url.Values{"filter": {`userName eq "Pat.Porter@stmary.example"`}}
	st, list := h.scim(t, tok, "GET", "/scim/v2/Users?"+q.Encode(), nil)
	if st != 200 || list["totalResults"] != float64(1) {
		t.Errorf("filter: %d %v", st, list)
	}
	q = url.Values{"filter": {`userName eq "nobody@stmary.example"`}}
	if _, list := h.scim(t, tok, "GET", "/scim/v2/Users?"+q.Encode(), nil); list["totalResults"] != float64(0) {
		t.Errorf("filter for nobody: %v", list)
	}
	// The owner is not SCIM's to see.
	q = url.Values{"filter": {`userName eq "` + h.f.Owner.Email + `"`}}
	if _, list := h.scim(t, tok, "GET", "/scim/v2/Users?"+q.Encode(), nil); list["totalResults"] != float64(0) {
		t.Errorf("the owner is listed: %v", list)
	}

	rep := newUser("pat.porter@stmary.example", "Patricia", map[string]any{"roles": []map[string]any{{"value": "staff"}}})
	if st, r := h.scim(t, tok, "PUT", "/scim/v2/Users/"+id, rep); st != 200 || r["displayName"] != "Patricia Provisioned" {
		t.Errorf("replace: %d %v", st, r)
	}
	if got, _ := h.userByEmail(t, "pat.porter@stmary.example"); got.Role != ward.RoleStaff {
		t.Errorf("role after replace: %s", got.Role)
	}
	// Entra ID sends "False" as a string.
	if st, r := h.scim(t, tok, "PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Replace", "path": "active", "value": "False"})); st != 200 || r["active"] != false {
		t.Errorf("patch active False: %d %v", st, r)
	}
	if st, r := h.scim(t, tok, "PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "replace", "value": map[string]any{"active": true, "displayName": "Pat P."}})); st != 200 || r["active"] != true || r["displayName"] != "Pat P." {
		t.Errorf("patch without a path: %d %v", st, r)
	}
	if st, _ := h.scim(t, tok, "DELETE", "/scim/v2/Users/"+id, nil); st != http.StatusNoContent {
		t.Errorf("delete: %d", st)
	}
	if st, _ := h.scim(t, tok, "GET", "/scim/v2/Users/"+id, nil); st != http.StatusNotFound {
		t.Errorf("get after delete: %d", st)
	}
	if got, _ := h.userByEmail(t, "pat.porter@stmary.example"); !got.Disabled {
		t.Errorf("the deleted account is not disabled")
	}
	if len(h.f.AuditEvents(t, audit.SCIMUserDeleted)) != 1 {
		t.Errorf("no scim.user_deleted")
	}
	// Provisioned again: the same account comes back, enabled.
	if st, r := h.scim(t, tok, "POST", "/scim/v2/Users", newUser("pat.porter@stmary.example", "Pat", nil)); st != http.StatusCreated || r["id"] != id || r["active"] != true {
		t.Errorf("provision again: %d %v", st, r)
	}
}

// The identity provider renames people: a new userName, by PUT or PATCH,
// becomes the account's email (the same account, its id and sessions
// kept), audited without either address.
func TestSCIMChangesEmail(t *testing.T) {
	h := newHarness(t, false)
	tok := h.scimToken(t)
	_, u := h.scim(t, tok, "POST", "/scim/v2/Users", newUser("ren.old@stmary.example", "Ren", nil))
	id := u["id"].(string)
	if st, r := h.scim(t, tok, "PUT", "/scim/v2/Users/"+id, newUser("Ren.Married@stmary.example", "Ren", nil)); st != 200 || r["userName"] != "ren.married@stmary.example" || r["id"] != id {
		t.Fatalf("PUT with a new userName: %d %v", st, r)
	}
	if _, ok := h.userByEmail(t, "ren.old@stmary.example"); ok {
		t.Error("the old email still names an account")
	}
	if got, ok := h.userByEmail(t, "ren.married@stmary.example"); !ok || got.ID != id {
		t.Errorf("the new email: %+v %v", got, ok)
	}
	if st, r := h.scim(t, tok, "PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "replace", "path": "userName", "value": "ren@stmary.example"})); st != 200 || r["userName"] != "ren@stmary.example" {
		t.Fatalf("PATCH userName: %d %v", st, r)
	}
	var changes []string
	for _, ev := range h.f.AuditEvents(t, audit.UserUpdated) {
		if ev["resource_id"] == id {
			reason := ev["reason"].(string)
			if strings.Contains(reason, "stmary.example") {
				t.Errorf("the audit names an address: %q", reason)
			}
			changes = append(changes, reason)
		}
	}
	if len(changes) != 2 || changes[0] != "email changed" || changes[1] != "email changed" {
		t.Errorf("user.updated reasons %q, want two \"email changed\"", changes)
	}
	// The same userName again changes nothing and writes nothing.
	if st, _ := h.scim(t, tok, "PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "replace", "path": "userName", "value": "REN@stmary.example"})); st != 200 {
		t.Errorf("PATCH to the same email: %d", st)
	}
	if n := len(h.f.AuditEvents(t, audit.UserUpdated)); n != 2 {
		t.Errorf("%d user.updated events after a no-op, want 2", n)
	}
}

// A SCIM disable ends the person's sessions and closes their open socket
// at once.
func TestSCIMDisableClosesSocket(t *testing.T) {
	h := newHarness(t, false)
	tok := h.scimToken(t)
	u, pw := h.f.AddUser(t, ward.RoleClinician, "cal.clinician@stmary.example", "Cal Clinician")
	res, err := h.f.Login(u.Email, pw, "cal-phone", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(h.srv.URL, "https")+"/api/v1/ws", &websocket.DialOptions{HTTPClient: h.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	auth, _ := json.Marshal(map[string]string{"type": "auth", "token": res.Token})
	if err := ws.Write(ctx, websocket.MessageText, auth); err != nil {
		t.Fatal(err)
	}
	if _, hello, err := ws.Read(ctx); err != nil || !strings.Contains(string(hello), "hello") {
		t.Fatalf("hello: %s %v", hello, err)
	}

	start := time.Now()
	st, r := h.scim(t, tok, "PATCH", "/scim/v2/Users/"+u.ID, patch(map[string]any{"op": "replace", "path": "active", "value": false}))
	if st != 200 || r["active"] != false {
		t.Fatalf("disable: %d %v", st, r)
	}
	for {
		if _, _, err = ws.Read(ctx); err != nil {
			break
		}
	}
	status := websocket.CloseStatus(err)
	if status == -1 || time.Since(start) > 2*time.Second {
		t.Errorf("the socket ended with %v after %v, want a close frame at once", err, time.Since(start))
	}
	if st, _ := h.call(t, nil, "GET", "/api/v1/me", res.Token, nil); st != http.StatusUnauthorized {
		t.Errorf("the session after the disable: %d, want 401", st)
	}
	dis := h.f.AuditEvents(t, audit.UserDisabled)
	if len(dis) != 1 || dis[0]["actor_role"] != "scim" {
		t.Errorf("user.disabled: %v", dis)
	}
}

// SCIM takes its bearer token and nothing else: no token, a session's
// token, an unknown or a rotated one are 401 in SCIM's error schema.
func TestSCIMAuthentication(t *testing.T) {
	h := newHarness(t, false)
	tok := h.scimToken(t)
	res, err := h.f.Login(h.f.Owner.Email, h.f.OwnerPW, "owner-laptop", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for name, bearer := range map[string]string{"none": "", "session": res.Token, "unknown": "ward_scim_" + strings.Repeat("A", 43)} {
		if st, p := h.scim(t, bearer, "GET", "/scim/v2/Users", nil); st != http.StatusUnauthorized || p["status"] != "401" {
			t.Errorf("%s: %d %v", name, st, p)
		}
	}
	// Refusals from one address are audited once a minute, with a count.
	if n := len(h.f.AuditEvents(t, audit.SCIMRefused)); n != 1 {
		t.Errorf("%d scim.refused events, want 1", n)
	}
	h.f.Clock.Advance(61 * time.Second)
	h.scim(t, "", "GET", "/scim/v2/Users", nil)
	if evs := h.f.AuditEvents(t, audit.SCIMRefused); len(evs) != 2 || !strings.Contains(evs[1]["reason"].(string), "2 more") {
		t.Errorf("scim.refused after a minute: %v", evs)
	}
	// Rotation: the old token stops working at once.
	st, out := h.call(t, nil, "POST", "/api/v1/admin/sso/scim-token", res.Token, map[string]any{})
	if st != http.StatusCreated {
		t.Fatal(st)
	}
	if st, _ := h.scim(t, tok, "GET", "/scim/v2/Users", nil); st != http.StatusUnauthorized {
		t.Errorf("the rotated-out token: %d", st)
	}
	if st, _ := h.scim(t, out["token"].(string), "GET", "/scim/v2/Users", nil); st != http.StatusOK {
		t.Errorf("the new token: %d", st)
	}
	if st, _ := h.call(t, nil, "DELETE", "/api/v1/admin/sso/scim-token", res.Token, nil); st != http.StatusNoContent {
		t.Errorf("revoke: %d", st)
	}
	if st, _ := h.scim(t, out["token"].(string), "GET", "/scim/v2/Users", nil); st != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d", st)
	}
}

// Bad SCIM input gets SCIM's error with a stable scimType, and changes
// nothing.
func TestSCIMBadInput(t *testing.T) {
	h := newHarness(t, false)
	tok := h.scimToken(t)
	_, u := h.scim(t, tok, "POST", "/scim/v2/Users", newUser("bo.base@stmary.example", "Bo", nil))
	id := u["id"].(string)
	before := len(h.users(t))
	cases := []struct {
		name, method, path string
		body               any
		status             int
		scimType           string
	}{
		{"unknown attribute", "POST", "/scim/v2/Users", newUser("x1@stmary.example", "X", map[string]any{"favouriteColour": "blue"}), 400, "invalidSyntax"},
		{"password", "POST", "/scim/v2/Users", newUser("x2@stmary.example", "X", map[string]any{"password": "hunter2hunter2"}), 400, "invalidValue"},
		{"no userName", "POST", "/scim/v2/Users", newUser("", "X", nil), 400, "invalidValue"},
		{"not an email", "POST", "/scim/v2/Users", newUser("not-an-email", "X", nil), 400, "invalidValue"},
		{"owner role", "POST", "/scim/v2/Users", newUser("x3@stmary.example", "X", map[string]any{"roles": []map[string]any{{"value": "owner"}}}), 400, "invalidValue"},
		{"bad filter", "GET", "/scim/v2/Users?filter=" + url.QueryEscape(`userName co "x"`), nil, 400, "invalidFilter"},
		{"unparsable filter", "GET", "/scim/v2/Users?filter=" + url.QueryEscape(`userName eq`), nil, 400, "invalidFilter"},
		{"userName not an email", "PATCH", "/scim/v2/Users/" + id, patch(map[string]any{"op": "replace", "path": "userName", "value": "not-an-email"}), 400, "invalidValue"},
		{"userName of another", "PUT", "/scim/v2/Users/" + id, newUser(h.f.Owner.Email, "Bo", nil), 409, "uniqueness"},
		{"patch unknown path", "PATCH", "/scim/v2/Users/" + id, patch(map[string]any{"op": "replace", "path": "shoeSize", "value": 9}), 400, "invalidPath"},
		{"patch bad op", "PATCH", "/scim/v2/Users/" + id, patch(map[string]any{"op": "frobnicate", "path": "active", "value": false}), 400, "invalidSyntax"},
		{"patch bad active", "PATCH", "/scim/v2/Users/" + id, patch(map[string]any{"op": "replace", "path": "active", "value": "maybe"}), 400, "invalidValue"},
		{"patch without schema", "PATCH", "/scim/v2/Users/" + id, map[string]any{"Operations": []any{}}, 400, "invalidSyntax"},
		{"unknown user", "GET", "/scim/v2/Users/01a20fde-0000-7000-8000-000000000000", nil, 404, ""},
		{"unknown group", "GET", "/scim/v2/Groups/surgeons", nil, 404, ""},
		{"delete a group", "DELETE", "/scim/v2/Groups/staff", nil, 400, "mutability"},
		{"group of no role", "POST", "/scim/v2/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Kitchen"}, 400, "invalidValue"},
	}
	for _, tc := range cases {
		st, p := h.scim(t, tok, tc.method, tc.path, tc.body)
		if st != tc.status || (tc.scimType != "" && p["scimType"] != tc.scimType) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, st, p, tc.status, tc.scimType)
		}
	}
	if n := len(h.users(t)); n != before {
		t.Errorf("%d users after bad input, %d before", n, before)
	}
	if got, ok := h.userByEmail(t, "bo.base@stmary.example"); !ok || got.Disabled || got.Name != "Bo Provisioned" {
		t.Errorf("the user changed: %+v", got)
	}
}

// Groups are ward's roles: adding a member gives the role, removing one
// gives the default role back.
func TestSCIMGroups(t *testing.T) {
	h := newHarness(t, false)
	tok := h.scimToken(t)
	_, u := h.scim(t, tok, "POST", "/scim/v2/Users", newUser("gil.group@stmary.example", "Gil", nil))
	id := u["id"].(string)
	st, list := h.scim(t, tok, "GET", "/scim/v2/Groups", nil)
	if st != 200 || list["totalResults"] != float64(4) {
		t.Fatalf("groups: %d %v", st, list)
	}
	if st, g := h.scim(t, tok, "PATCH", "/scim/v2/Groups/admin", patch(map[string]any{"op": "add", "path": "members", "value": []map[string]string{{"value": id}}})); st != 200 || len(g["members"].([]any)) != 1 {
		t.Fatalf("add member: %d %v", st, g)
	}
	if got, _ := h.userByEmail(t, "gil.group@stmary.example"); got.Role != ward.RoleAdmin {
		t.Errorf("role after joining admin: %s", got.Role)
	}
	if st, g := h.scim(t, tok, "PATCH", "/scim/v2/Groups/admin", patch(map[string]any{"op": "remove", "path": `members[value eq "` + id + `"]`})); st != 200 || len(g["members"].([]any)) != 0 {
		t.Fatalf("remove member: %d %v", st, g)
	}
	if got, _ := h.userByEmail(t, "gil.group@stmary.example"); got.Role != ward.RoleStaff {
		t.Errorf("role after leaving admin: %s, want the default staff", got.Role)
	}
	q := url.Values{"filter": {`displayName eq "clinician"`}}
	if _, l := h.scim(t, tok, "GET", "/scim/v2/Groups?"+q.Encode(), nil); l["totalResults"] != float64(1) {
		t.Errorf("group filter: %v", l)
	}
}
