package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/httpapi"
)

// Finding 6 over HTTP: an old sign-in gets 403 reauth_required for a
// factor change; POST /api/v1/sessions/current/reauth with the password
// lets it through.
func TestReauthOverHTTP(t *testing.T) {
	f := apptest.New(t, false)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App}))
	t.Cleanup(srv.Close)
	u, pw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	res, err := f.Login(u.Email, pw, "device-nina-1", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+res.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct{ Code string }
		json.NewDecoder(resp.Body).Decode(&p)
		return resp.StatusCode, p.Code
	}
	f.Clock.Advance(6 * time.Minute)
	if status, code := call(http.MethodPost, "/api/v1/mfa/totp", "{}"); status != http.StatusForbidden || code != string(ward.CodeReauthRequired) {
		t.Fatalf("TOTP enrolment 6 minutes after sign-in: %d %s, want 403 reauth_required", status, code)
	}
	if status, code := call(http.MethodPost, "/api/v1/sessions/current/reauth", `{"password":"not it"}`); status != http.StatusBadRequest {
		t.Errorf("re-authentication with a wrong password: %d %s, want 400", status, code)
	}
	if status, code := call(http.MethodPost, "/api/v1/sessions/current/reauth", `{"password":`+reauthJSONString(pw)+`}`); status != http.StatusNoContent {
		t.Fatalf("re-authentication: %d %s", status, code)
	}
	if status, code := call(http.MethodPost, "/api/v1/mfa/totp", "{}"); status != http.StatusCreated {
		t.Errorf("TOTP enrolment after re-authentication: %d %s, want 201", status, code)
	}
}

func reauthJSONString(s string) string { b, _ := json.Marshal(s); return string(b) }
