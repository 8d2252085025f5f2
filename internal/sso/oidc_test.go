package sso_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/sso"
	"github.com/wardhealth/ward/internal/sso/oidctest"
)

var nurse = oidctest.Person{Subject: "idp-0001", Email: "nina.nurse@stmary.example", EmailVerified: true,
	Given: "Nina", Family: "Nurse", Groups: []string{"everyone", "ward-clinicians"}, AMR: []string{"pwd"}}

// A first sign-in through the IdP makes the account with the role the
// groups map to and the verified email; the session it opens works.
func TestOIDCJustInTimeAccount(t *testing.T) {
	h := newHarness(t, false)
	h.configure(t, sso.OIDCSettings{Label: "St Mary SSO"})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)

	// The sign-in screen learns that the org has a provider.
	st, btn := h.call(t, nil, "GET", "/api/v1/sso/"+h.f.Org.Slug, "", nil)
	if st != 200 || btn["label"] != "St Mary SSO" {
		t.Fatalf("button: %d %v", st, btn)
	}
	c := h.browser(t, nil)
	if st, p := h.call(t, c, "GET", "/api/v1/sessions/sso", "", nil); st != http.StatusBadRequest || p["code"] != "sso_state_invalid" {
		t.Errorf("whose sign-in, before any: %d %v, want sso_state_invalid", st, p)
	}
	if q := h.signIn(t, c); q.Get("sso") != "1" {
		t.Fatalf("callback: %v", q)
	}
	// The page asks whose sign-in its ticket is (to send the device secret
	// it keeps for them); asking leaves the ticket usable. Another browser,
	// without the ticket's cookie, learns nothing.
	if st, who := h.call(t, c, "GET", "/api/v1/sessions/sso", "", nil); st != 200 || who["email"] != nurse.Email || who["org"] != h.f.Org.Slug {
		t.Errorf("whose sign-in: %d %v, want %s in %s", st, who, nurse.Email, h.f.Org.Slug)
	}
	if st, p := h.call(t, h.browser(t, nil), "GET", "/api/v1/sessions/sso", "", nil); st != http.StatusBadRequest || p["email"] != nil {
		t.Errorf("whose sign-in, from another browser: %d %v, want 400 and no email", st, p)
	}
	st, res := h.finish(t, c, nil)
	if st != http.StatusCreated {
		t.Fatalf("finish: %d %v", st, res)
	}
	if st, p := h.call(t, c, "GET", "/api/v1/sessions/sso", "", nil); st != http.StatusBadRequest || p["email"] != nil {
		t.Errorf("whose sign-in, once used: %d %v, want 400", st, p)
	}
	user := res["user"].(map[string]any)
	if user["email"] != nurse.Email || user["role"] != "clinician" || user["name"] != "Nina Nurse" {
		t.Errorf("the new account: %v", user)
	}
	if st, me := h.call(t, nil, "GET", "/api/v1/me", res["token"].(string), nil); st != 200 {
		t.Errorf("GET /api/v1/me with the new session: %d %v", st, me)
	}
	// It has no ward password: a password change says so; a password
	// sign-in finds no account.
	if st, p := h.call(t, nil, "PUT", "/api/v1/me/password", res["token"].(string),
		map[string]string{"current_password": "anything at all", "new_password": "a brand new passphrase"}); st != http.StatusConflict {
		t.Errorf("password change: %d %v, want 409", st, p)
	}
	if _, err := h.f.Login(nurse.Email, "anything at all here", "sso-browser-0002", "127.0.0.1"); ward.ErrorCode(err) != ward.CodeUnauth {
		t.Errorf("a password sign-in: %v, want unauthenticated", err)
	}
	// The ticket is used once.
	if st, p := h.finish(t, c, nil); st != http.StatusBadRequest || p["code"] != "sso_state_invalid" {
		t.Errorf("the ticket again: %d %v", st, p)
	}
	created := h.f.AuditEvents(t, audit.UserCreated)
	last := created[len(created)-1]
	if last["actor_role"] != "sso" || !strings.Contains(last["reason"].(string), "identity provider") {
		t.Errorf("user.created: %v", last)
	}
}

// A later sign-in reaches the same account through the subject link, even
// after the email changed at the IdP; a change of groups changes the role.
func TestOIDCSameAccountAndRoleFromGroups(t *testing.T) {
	h := newHarness(t, false)
	h.configure(t, sso.OIDCSettings{})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)
	first := h.signInFully(t)
	n := len(h.users(t))

	h.idp.Change(nurse.Subject, func(p *oidctest.Person) {
		p.Email = "nina.married@stmary.example"
		p.Groups = []string{"ward-admins", "ward-clinicians"}
	})
	second := h.signInFully(t)
	if second["id"] != first["id"] {
		t.Fatalf("second sign-in reached account %v, first %v", second["id"], first["id"])
	}
	if len(h.users(t)) != n {
		t.Errorf("a second account was made")
	}
	if second["role"] != "admin" {
		t.Errorf("role after the groups changed: %v, want admin (admin wins over clinician)", second["role"])
	}
	if second["email"] != nurse.Email {
		t.Errorf("email %v: ward keeps the account's email", second["email"])
	}
	ups := h.f.AuditEvents(t, audit.UserUpdated)
	if len(ups) == 0 || ups[len(ups)-1]["actor_role"] != "sso" {
		t.Errorf("the role sync is not audited as sso: %v", ups)
	}

	// Groups that map to nothing: refused, the account unchanged.
	h.idp.Change(nurse.Subject, func(p *oidctest.Person) { p.Groups = []string{"kitchen"} })
	if q := h.signIn(t, h.browser(t, nil)); q.Get("sso_error") != "sso_no_role" {
		t.Errorf("no mapped group: %v", q)
	}
}

// signInFully runs the flow and the finish, and answers the user.
func (h *harness) signInFully(t *testing.T) map[string]any {
	t.Helper()
	c := h.browser(t, nil)
	if q := h.signIn(t, c); q.Get("sso") != "1" {
		t.Fatalf("callback: %v", q)
	}
	st, res := h.finish(t, c, nil)
	if st != http.StatusCreated {
		t.Fatalf("finish: %d %v", st, res)
	}
	return res["user"].(map[string]any)
}

// In an org that requires MFA, ward asks for its own second factor unless
// the IdP asserted one and the org trusts it.
func TestOIDCMFA(t *testing.T) {
	h := newHarness(t, true)
	h.configure(t, sso.OIDCSettings{TrustIdPMFA: true})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)

	// Password only at the IdP: a new account must enrol a factor first.
	c := h.browser(t, nil)
	h.signIn(t, c)
	st, res := h.finish(t, c, nil)
	if st != http.StatusCreated || res["enrollment_required"] == nil {
		t.Fatalf("pwd only, no factor yet: %d %v, want a session that must enrol", st, res)
	}
	// It enrols TOTP; from then on the IdP's password is not enough.
	p, err := h.f.App.Authenticate(context.Background(), res["token"].(string), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := h.f.App.BeginTOTP(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(enr.Secret, h.f.Clock.Now())
	if _, err := h.f.App.ConfirmTOTP(context.Background(), p, code); err != nil {
		t.Fatal(err)
	}
	h.f.Clock.Advance(60e9) // a fresh TOTP step
	device := map[string]any{"id": "sso-browser-0001", "name": "test browser", "secret": res["device_secret"]}
	c = h.browser(t, nil)
	h.signIn(t, c)
	if st, p := h.finish(t, c, map[string]any{"device": device}); st != http.StatusUnauthorized || p["code"] != "mfa_required" {
		t.Fatalf("pwd at the IdP, TOTP enrolled: %d %v, want mfa_required", st, p)
	}
	if st, p := h.finish(t, c, map[string]any{"device": device, "totp": "000000"}); st != http.StatusUnauthorized || p["code"] != "unauthenticated" {
		t.Fatalf("a wrong code: %d %v", st, p)
	}
	code, _ = totp.GenerateCode(enr.Secret, h.f.Clock.Now())
	if st, p := h.finish(t, c, map[string]any{"device": device, "totp": code}); st != http.StatusCreated || p["enrollment_required"] != nil {
		t.Fatalf("the right code: %d %v", st, p)
	}

	// The IdP asserts MFA (amr otp): ward asks for nothing more.
	h.idp.Change(nurse.Subject, func(p *oidctest.Person) { p.AMR = []string{"pwd", "otp"} })
	c = h.browser(t, nil)
	h.signIn(t, c)
	if st, p := h.finish(t, c, map[string]any{"device": device}); st != http.StatusCreated {
		t.Fatalf("amr otp, trusted: %d %v", st, p)
	}

	// An org that does not trust its IdP's MFA asks all the same.
	h.configure(t, sso.OIDCSettings{TrustIdPMFA: false})
	c = h.browser(t, nil)
	h.signIn(t, c)
	if st, p := h.finish(t, c, map[string]any{"device": device}); st != http.StatusUnauthorized || p["code"] != "mfa_required" {
		t.Fatalf("amr otp, not trusted: %d %v, want mfa_required", st, p)
	}
}

// A state or nonce that is not the sign-in's own is refused and makes no
// account; so is a callback in another browser.
func TestOIDCWrongStateOrNonce(t *testing.T) {
	h := newHarness(t, false)
	h.configure(t, sso.OIDCSettings{})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)
	before := len(h.users(t))
	rewrite := func(param, path, value string) func(*http.Request) {
		return func(r *http.Request) {
			if strings.HasPrefix(r.URL.Path, path) && r.URL.Query().Get(param) != "" {
				q := r.URL.Query()
				q.Set(param, value)
				r.URL.RawQuery = q.Encode()
			}
		}
	}
	cases := []struct {
		name   string
		tamper func(*http.Request)
		want   string
	}{
		{"state", rewrite("state", "/api/v1/sso/callback", "forged-state"), "sso_state_invalid"},
		{"nonce", rewrite("nonce", "/authorize", "forged-nonce"), "sso_token_invalid"},
		{"code", rewrite("code", "/api/v1/sso/callback", "forged-code"), "sso_token_invalid"},
	}
	for _, tc := range cases {
		if q := h.signIn(t, h.browser(t, tc.tamper)); q.Get("sso_error") != tc.want {
			t.Errorf("%s: %v, want sso_error=%s", tc.name, q, tc.want)
		}
	}
	// The callback in another browser (without the state cookie).
	var callback string
	stop := h.browser(t, func(r *http.Request) {
		if r.URL.Path == "/api/v1/sso/callback" && callback == "" {
			callback = r.URL.String()
		}
	})
	stop.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/api/v1/sso/callback" {
			callback = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := stop.Get(h.srv.URL + "/api/v1/sso/" + h.f.Org.Slug + "/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	other := h.browser(t, nil)
	other.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = other.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/?sso_error=sso_state_invalid" {
		t.Errorf("callback in another browser: %q", loc)
	}
	if n := len(h.users(t)); n != before {
		t.Errorf("%d accounts after refused sign-ins, %d before", n, before)
	}
}

// A disabled ward account cannot sign in through the IdP.
func TestOIDCDisabledAccount(t *testing.T) {
	h := newHarness(t, false)
	h.configure(t, sso.OIDCSettings{})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)
	u := h.signInFully(t)
	admin, err := h.f.App.SystemPrincipal(context.Background(), h.f.Org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	off := true
	if _, err := h.f.App.UpdateUser(context.Background(), admin, u["id"].(string), app.UserChange{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	if q := h.signIn(t, h.browser(t, nil)); q.Get("sso_error") != string(ward.CodeAccountDisabled) {
		t.Errorf("disabled account: %v", q)
	}
	failed := h.f.AuditEvents(t, audit.LoginFailed)
	if len(failed) == 0 || !strings.Contains(failed[len(failed)-1]["reason"].(string), "disabled") {
		t.Errorf("the refusal is not audited: %v", failed)
	}
}

// An IdP that vouches for the owner's email does not get the owner's
// account: an admin configures the IdP, and must not become the owner.
func TestOIDCNeverLinksTheOwner(t *testing.T) {
	h := newHarness(t, false)
	h.configure(t, sso.OIDCSettings{})
	h.idp.Add(oidctest.Person{Subject: "idp-owner", Email: h.f.Owner.Email, EmailVerified: true, Given: "Not", Family: "Owner",
		Groups: []string{"ward-admins"}})
	h.idp.SignsIn("idp-owner")
	if q := h.signIn(t, h.browser(t, nil)); q.Get("sso_error") != "forbidden" {
		t.Errorf("the owner's email: %v", q)
	}
	if got, _ := h.userByEmail(t, h.f.Owner.Email); got.Role != ward.RoleOwner {
		t.Errorf("the owner's role is now %s", got.Role)
	}
}

// An org with no provider: the button and the start say so.
func TestOIDCNotConfigured(t *testing.T) {
	h := newHarness(t, false)
	if st, p := h.call(t, nil, "GET", "/api/v1/sso/"+h.f.Org.Slug, "", nil); st != 404 || p["code"] != "sso_not_configured" {
		t.Errorf("button: %d %v", st, p)
	}
	if st, p := h.call(t, nil, "GET", "/api/v1/sso/no-such-org/start", "", nil); st != 404 || p["code"] != "sso_not_configured" {
		t.Errorf("start: %d %v", st, p)
	}
}

// An ID token with a broken signature, or signed by the provider's own key
// but for another audience, from another issuer, expired or with another
// sign-in's nonce, is refused (sso_token_invalid) and makes no account.
// The same token re-signed unchanged passes: the re-signing is sound, so
// each refusal is the change's.
func TestOIDCForgedIDTokens(t *testing.T) {
	h := newHarness(t, false)
	h.configure(t, sso.OIDCSettings{})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)
	before := len(h.users(t))
	resigned := func(change func(map[string]any)) func(string, func(map[string]any) string) string {
		return func(tok string, resign func(map[string]any) string) string {
			c := oidctest.Claims(tok)
			change(c)
			return resign(c)
		}
	}
	cases := []struct {
		name   string
		tamper func(string, func(map[string]any) string) string
	}{
		{"broken signature", func(tok string, _ func(map[string]any) string) string {
			b := []byte(tok)
			i := len(b) - 10
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			return string(b)
		}},
		{"alg none", func(tok string, _ func(map[string]any) string) string {
			parts := strings.Split(tok, ".")
			return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
		}},
		{"wrong audience", resigned(func(c map[string]any) { c["aud"] = []string{"another-app"} })},
		{"another issuer", resigned(func(c map[string]any) { c["iss"] = "https://idp.elsewhere.example" })},
		{"expired", resigned(func(c map[string]any) { c["exp"] = float64(time.Now().Add(-time.Hour).Unix()) })},
		{"stale nonce", resigned(func(c map[string]any) { c["nonce"] = "the-nonce-of-an-older-sign-in" })},
	}
	for _, tc := range cases {
		h.idp.Tamper(tc.tamper)
		if q := h.signIn(t, h.browser(t, nil)); q.Get("sso_error") != "sso_token_invalid" {
			t.Errorf("%s: %v, want sso_error=sso_token_invalid", tc.name, q)
		}
	}
	if n := len(h.users(t)); n != before {
		t.Errorf("%d accounts after forged tokens, %d before", n, before)
	}
	h.idp.Tamper(resigned(func(map[string]any) {}))
	if q := h.signIn(t, h.browser(t, nil)); q.Get("sso") != "1" {
		t.Errorf("re-signed unchanged: %v, want a sign-in", q)
	}
}
