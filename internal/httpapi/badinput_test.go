package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
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
