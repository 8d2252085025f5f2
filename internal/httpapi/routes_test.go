package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/holds"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/oncall"
	"github.com/wardhealth/ward/internal/outside"
	"github.com/wardhealth/ward/internal/sso"
)

// publicRoutes are the routes that need no session. A new public route must
// be added here on purpose; anything else must name an authz action.
var publicRoutes = []string{
	"GET /healthz", "GET /readyz", "POST /api/v1/sessions", "/",
	"POST /api/v1/sessions/webauthn/challenge",
	// An invitation's link: its token is the proof (internal/invitations).
	"GET /api/v1/invitations/{token}", "POST /api/v1/invitations/{token}/email-code", "POST /api/v1/invitations/{token}/accept",
	// A secure message's link: its token and the mailed code are the proof (internal/outside).
	"GET /api/v1/outside/{token}", "POST /api/v1/outside/{token}/email-code", "POST /api/v1/outside/{token}/open",
	// Single sign-on: the IdP's redirect flow; its state, then its ticket, is the proof (internal/sso).
	"GET /api/v1/sso/{org}", "GET /api/v1/sso/{org}/start", "GET /api/v1/sso/callback", "GET /api/v1/sessions/sso", "POST /api/v1/sessions/sso", "POST /api/v1/sessions/sso/webauthn/challenge",
	// SCIM 2.0: the org's SCIM bearer token is the proof, never a session (scim_test.go).
	"GET /scim/v2/ServiceProviderConfig", "GET /scim/v2/Users", "POST /scim/v2/Users", "GET /scim/v2/Users/{id}",
	"PUT /scim/v2/Users/{id}", "PATCH /scim/v2/Users/{id}", "DELETE /scim/v2/Users/{id}", "GET /scim/v2/Groups",
	"POST /scim/v2/Groups", "GET /scim/v2/Groups/{id}", "PUT /scim/v2/Groups/{id}", "PATCH /scim/v2/Groups/{id}",
	"DELETE /scim/v2/Groups/{id}",
}

// env is a running API with users of every role in one org and an owner in
// another.
type env struct {
	f       *apptest.Fixture
	srv     *httptest.Server
	h       *httpapi.Handler
	pw      map[ward.Role]string
	email   map[ward.Role]string
	other   ward.User
	otherPW string
	device  int
	// outside serves secure messages to outside addresses, mailing
	// through inbox, a real SMTP server in the test (outside_test.go).
	outside *outside.Service
	inbox   *mailtest.Inbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	f := apptest.New(t, false)
	in, m := startInbox(t)
	out := outside.New(outside.Config{Store: f.Store, Messaging: f.App, Mailer: m, Now: f.Clock.Now})
	oc := oncall.New(oncall.Config{Store: f.Store, Now: f.Clock.Now})
	h := httpapi.New(httpapi.Config{App: f.App, Patients: f.Patients, Replies: f.Replies, Teams: f.Teams, Inbox: f.Inbox, Invitations: f.Invitations, Outside: out, Push: newPush(t, f.Store, f.Keyring, nil, nil),
		Prefs: prefs.New(f.Store).WithSchedule(oc), OnCall: oc, Holds: holds.New(f.Store),
		Compliance: compliance.New(compliance.Config{Store: f.Store, Keyring: f.Keyring, Transcripts: f.App, Now: f.Clock.Now}),
		Incidents:  incidents.New(incidents.Config{Store: f.Store, Keyring: f.Keyring, Contacts: f.Patients, PlainPDF: true, Now: f.Clock.Now}),
		BAAs:       baa.New(baa.Config{Store: f.Store, Keyring: f.Keyring, Blobs: f.Blobs, Now: f.Clock.Now}),
		Exports:    newExports(t, f),
		Monitor:    monitor.New(monitor.Config{Store: f.Store, Keyring: f.Keyring, Now: f.Clock.Now}),
		Accounting: accounting.New(accounting.Config{Store: f.Store, Patients: f.Patients, Now: f.Clock.Now}),
		Reports:    &conformance.Reporter{Store: f.Store, Keyring: f.Keyring, Now: f.Clock.Now},
		SSO:        sso.New(sso.Config{Store: f.Store, Keyring: f.Keyring, Accounts: f.App, Now: f.Clock.Now})})

	e := &env{f: f, h: h, srv: httptest.NewServer(h), pw: map[ward.Role]string{}, email: map[ward.Role]string{}, outside: out, inbox: in}
	t.Cleanup(e.srv.Close)
	e.email[ward.RoleOwner], e.pw[ward.RoleOwner] = f.Owner.Email, f.OwnerPW
	for _, r := range ward.Roles[1:] {
		if r == ward.RoleGuest { // made by a secure message, never by hand (roleToken)
			e.email[r] = "guest@outside.example"
			continue
		}
		u, pw := f.AddUser(t, r, string(r)+"@stmary.example", "A "+string(r))
		e.email[r], e.pw[r] = u.Email, pw
	}
	e.otherPW = "other org owner passphrase"
	var err error
	_, e.other, _, err = f.App.CreateOrg(context.Background(), app.InitOrg{Name: "Elsewhere", AdminEmail: "boss@elsewhere.example", Password: e.otherPW})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// token signs in afresh (routes such as sign-out end the session).
func (e *env) token(t *testing.T, email, pw string) string {
	t.Helper()
	e.device++
	body := fmt.Sprintf(`{"email":%q,"password":%q,"device":{"id":"route-device-%04d","name":"test"}}`, email, pw, e.device)
	resp, err := http.Post(e.srv.URL+"/api/v1/sessions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusCreated || out.Token == "" {
		t.Fatalf("login %s: %d", email, resp.StatusCode)
	}
	return out.Token
}

// call sends a request with an empty JSON object as body where one fits.
func (e *env) call(t *testing.T, method, path, token string) (int, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		body = strings.NewReader("{}")
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct{ Code string }
	json.NewDecoder(resp.Body).Decode(&p)
	return resp.StatusCode, p.Code
}

// concrete turns a route pattern into a method and a path with ids filled in.
func concrete(pattern, id string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = http.MethodGet, pattern
	}
	for strings.Contains(path, "{") {
		i, j := strings.Index(path, "{"), strings.Index(path, "}")
		path = path[:i] + id + path[j+1:]
	}
	return method, path
}

// routeID fills the {id} of the routes TestRouteRoleTable walks: a UUID
// of nothing.
const routeID = "01a20fde-0000-7000-8000-000000000000"

// phiRoute reports whether a route's action is on PHI: its refusals are
// audited (access.denied).
func phiRoute(a authz.Action) bool {
	switch a.Resource() {
	case "conversation", "message", "receipt", "attachment", "patient", "compliance", "breakglass", "incident", "disclosure":
		return true
	}
	return false
}

// userOf is the id of the user signed in with token.
func (e *env) userOf(t *testing.T, token string) string {
	t.Helper()
	p, err := e.f.App.Authenticate(context.Background(), token, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p.User.ID
}

// TestRouteRoleTable walks every route as anonymous, as each role and as a
// user of another org, and checks each answer against the authz table. A
// refusal on a PHI route leaves an access.denied event (outcome denied)
// for the user in the audit trail; no other answer leaves one.
func TestRouteRoleTable(t *testing.T) {
	e := newEnv(t)
	routes := e.h.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	// A role's session is kept from route to route while it stays valid
	// (a sign-out route or the idle timeout ends it: then a new sign-in),
	// so the walk does not hash a password for every route and role.
	tokens := map[ward.Role]string{}
	tokenOf := func(t *testing.T, role ward.Role) (tok, userID string) {
		if tok = tokens[role]; tok != "" {
			if p, err := e.f.App.Authenticate(context.Background(), tok, "127.0.0.1"); err == nil {
				return tok, p.User.ID
			}
		}
		tok = e.roleToken(t, role)
		tokens[role] = tok
		return tok, e.userOf(t, tok)
	}
	for _, rt := range routes {
		if rt.Action == "" {
			if !slices.Contains(publicRoutes, rt.Pattern) {
				t.Errorf("%s is public but not listed in publicRoutes: give it an authz action", rt.Pattern)
			}
			continue
		}
		if !rt.Action.Valid() {
			t.Errorf("%s names action %q, which has no row in the authz table", rt.Pattern, rt.Action)
			continue
		}
		method, path := concrete(rt.Pattern, routeID)
		t.Run(rt.Pattern, func(t *testing.T) {
			// A fresh denial budget per route (app/denials.go: 20 a minute per
			// user), so the number of routes does not fold refusals.
			e.f.Clock.Advance(time.Minute + time.Second)
			if status, _ := e.call(t, method, path, ""); status != http.StatusUnauthorized {
				t.Errorf("anonymous: %d, want 401", status)
			}
			for _, role := range ward.Roles {
				tok, userID := tokenOf(t, role)
				before := len(eventsOf(t, e.f, audit.AccessDenied, userID))
				status, code := e.call(t, method, path, tok)
				allowed := authz.Allowed(role, rt.Action)
				switch {
				case allowed && (status == http.StatusForbidden && code == string(ward.CodeForbidden) || status == http.StatusUnauthorized):
					t.Errorf("%s: %d %s, but the table allows %s", role, status, code, rt.Action)
				case !allowed && (status != http.StatusForbidden || code != string(ward.CodeForbidden)):
					t.Errorf("%s: %d %s, but the table denies %s: want 403 forbidden", role, status, code, rt.Action)
				}
				// A refusal on PHI leaves a denied event, with the requested id.
				denied := eventsOf(t, e.f, audit.AccessDenied, userID)
				if !phiRoute(rt.Action) || (status != http.StatusForbidden && status != http.StatusNotFound) {
					if len(denied) != before {
						t.Errorf("%s: %d %s left %d access.denied events: only refusals on PHI are", role, status, code, len(denied)-before)
					}
					continue
				}
				wantID := ""
				if strings.Contains(rt.Pattern, "{id}") {
					wantID = routeID
				}
				if len(denied) != before+1 {
					t.Errorf("%s: %d %s on PHI left %d access.denied events, want 1", role, status, code, len(denied)-before)
				} else if ev := denied[before]; ev.Outcome != string(audit.Denied) || ev.ResourceID != wantID ||
					!strings.HasPrefix(ev.Reason, string(rt.Action)+": ") || ev.ActorRole != string(role) {
					t.Errorf("%s: %d %s left %+v", role, status, code, ev)
				}
			}
		})
	}
}

// TestOtherOrgSeesNothing: an owner of another org, who may do everything
// in its own org, gets nothing of this org's users, devices or sessions.
func TestOtherOrgSeesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nurseToken := e.token(t, e.email[ward.RoleClinician], e.pw[ward.RoleClinician])
	p, err := e.f.App.Authenticate(ctx, nurseToken, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{"/users/": p.User.ID, "/devices/": p.Device.ID, "/sessions/": p.Session.ID}
	for _, rt := range e.h.Routes() {
		if rt.Action == "" || !strings.Contains(rt.Pattern, "{id}") {
			continue
		}
		id := ""
		for prefix, v := range ids {
			if strings.Contains(rt.Pattern, prefix) {
				id = v
			}
		}
		if id == "" {
			continue
		}
		method, path := concrete(rt.Pattern, id)
		status, _ := e.call(t, method, path, e.token(t, e.other.Email, e.otherPW))
		if status < 400 {
			t.Errorf("%s with this org's id as another org's owner: %d", rt.Pattern, status)
		}
	}
	// The other org's directory does not list this org's people.
	status, _ := e.call(t, http.MethodGet, "/api/v1/users", e.token(t, e.other.Email, e.otherPW))
	if status != http.StatusOK {
		t.Fatalf("directory: %d", status)
	}
	if _, err := e.f.App.Authenticate(ctx, nurseToken, "127.0.0.1"); err != nil {
		t.Errorf("the nurse's session was touched by the other org: %v", err)
	}
}
