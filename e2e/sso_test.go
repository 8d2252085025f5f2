package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Issue 26, show 3: single sign-on in Chromium against a real OpenID
// Connect provider run by this test on loopback (docs/sso.md). The admin
// configures the provider and makes a SCIM token in the admin console; a
// person who has no ward account opens the link the admin hands out
// (/?org=<slug>), clicks "Sign in with <label>", signs in at the provider's
// own login form and comes back signed in to ward with an account made just
// in time, with the role their group maps to. Then the IdP disables them
// over SCIM: the open page's socket closes and the sign-in screen shows at
// once.
func TestOIDCSignIn(t *testing.T) {
	skipWithoutBrowser(t)
	t.Parallel() // its org's sign-in setting shows only to browsers that ask with ?org=
	callback := suite.base + "/api/v1/sso/callback"
	// The person browses https://localhost:PORT, the host passkeys are
	// bound to without --public-url; ward then names that callback.
	local := strings.Replace(suite.base, "127.0.0.1", "localhost", 1)
	provider := startIdP(t, callback, local+"/api/v1/sso/callback")
	const label = "Clinic IdP"
	nurse := idpPerson{Username: "rivera.sso", Password: "idp-password-of-rivera", Email: "e2e-sso-rivera@demo-clinic.example",
		Given: "Sam", Family: "Rivera", Groups: []string{"staff-all", "ward-nurses"}}
	provider.add(nurse)
	porter := idpPerson{Username: "okafor.sso", Password: "idp-password-of-okafor", Email: "e2e-sso-okafor@demo-clinic.example",
		Given: "Ade", Family: "Okafor", Groups: []string{"staff-all", "ward-nurses"}}
	provider.add(porter)

	// The owner configures the provider in the admin console.
	admin := demoLoginFor(t, "owner")
	a := newTab(t, "sso-admin", false)
	a.signIn(admin.Email, admin.Password)
	a.do(15*time.Second, "configure the identity provider",
		chromedp.Navigate(suite.base+"/admin/sso"),
		chromedp.WaitVisible(chromedp.ID("sso-issuer")),
		chromedp.SendKeys(chromedp.ID("sso-issuer"), provider.issuer),
		chromedp.SendKeys(chromedp.ID("sso-client_id"), provider.clientID),
		chromedp.SendKeys(chromedp.ID("sso-secret"), provider.clientSecret),
		chromedp.SendKeys(chromedp.ID("sso-label"), label),
		chromedp.SendKeys(chromedp.ID("sso-rolemap"), "ward-nurses = clinician"),
		chromedp.Click(chromedp.ID("sso-save")),
	)
	a.waitJS(10*time.Second, "the configuration saved",
		`(document.querySelector('#sso-oidc [role=status]')?.textContent ?? '').includes('Saved')`)
	if got := a.text("#sso-redirect"); got != callback {
		t.Errorf("the admin page shows the redirect URI %q, want %q", got, callback)
	}
	eval[bool](a, `(document.querySelector('#sso-title').scrollIntoView(), true)`)
	a.shot("sso-1-admin-provider")
	link := a.text("#sso-link")
	if want := suite.base + "/?org=demo-clinic"; link != want {
		t.Errorf("the admin page gives the sign-in link %q, want %q", link, want)
	}
	a.click("#scim-issue")
	a.waitJS(10*time.Second, "the SCIM token shows", `!!document.querySelector('#scim-token')`)
	scimToken := a.text("#scim-token")
	if !strings.HasPrefix(scimToken, "ward_scim_") {
		t.Fatalf("SCIM token %q", scimToken)
	}
	a.shot("sso-1-admin-scim-token")

	// The person opens the link the admin handed out, in a browser that
	// never visited ward (no org remembered), and signs in at the provider.
	start := time.Now()
	u := newTab(t, "sso-user", false)
	u.do(15*time.Second, "the sign-in screen offers the provider",
		chromedp.Navigate(strings.Replace(link, suite.base, local, 1)),
		chromedp.WaitVisible(chromedp.ID("signin-sso")),
	)
	if got := u.text("#signin-sso"); !strings.Contains(got, "Sign in with "+label) {
		t.Errorf("the SSO button says %q", got)
	}
	u.shot("sso-2-sign-in-screen")
	u.click("#signin-sso")
	u.do(15*time.Second, "sign in at the provider",
		chromedp.WaitVisible(chromedp.ID("idp-username")),
	)
	if loc := eval[string](u, `location.origin`); loc != provider.issuer {
		t.Errorf("the login form is at %s, want the provider %s", loc, provider.issuer)
	}
	u.shot("sso-3-provider-login")
	u.do(15*time.Second, "sign in at the provider",
		chromedp.SendKeys(chromedp.ID("idp-username"), nurse.Username),
		chromedp.SendKeys(chromedp.ID("idp-password"), nurse.Password),
		chromedp.Click(chromedp.ID("idp-submit")),
		chromedp.WaitVisible(chromedp.ID("live-status")),
	)
	u.waitJS(10*time.Second, "live socket open", `document.querySelector('#live-status.live-open') !== null`)
	signedIn := time.Since(start)
	var me struct {
		User struct {
			Email, Name, Role string
		} `json:"user"`
		Org struct{ Slug string } `json:"org"`
	}
	if err := json.Unmarshal([]byte(eval[string](u, `fetch('/api/v1/me').then(r => r.text())`)), &me); err != nil {
		t.Fatal(err)
	}
	if me.User.Email != nurse.Email || me.User.Role != "clinician" || me.Org.Slug != "demo-clinic" {
		t.Errorf("signed in as %+v in %s; want %s, a clinician (the group ward-nurses) of demo-clinic", me.User, me.Org.Slug, nurse.Email)
	}
	u.waitJS(5*time.Second, "the clinician's screen", `!!document.querySelector('#nav-inbox') && !document.querySelector('#nav-admin')`)
	u.shot("sso-4-signed-in")

	// A shared workstation: a colleague signs in through the provider on the
	// same browser, then she does again. Each finds their own device: the
	// page asks whose sign-in the ticket is and sends that person's secret.
	for _, p := range []idpPerson{porter, nurse} {
		u.click("#nav-account")
		u.click("#sign-out")
		u.do(15*time.Second, "sign in through the provider as "+p.Username,
			append(atProvider(p), chromedp.WaitVisible(chromedp.ID("live-status")))...)
	}
	u.waitJS(10*time.Second, "live socket open again", `document.querySelector('#live-status.live-open') !== null`)
	devicesOf := func(email string) int {
		t.Helper()
		owner := apiLogin(t, admin.Email, admin.Password)
		var users struct {
			Users []struct{ ID, Email string } `json:"users"`
		}
		owner.do("GET", "/api/v1/users", nil, &users, 200)
		var devs struct {
			Devices []struct {
				UserID string `json:"user_id"`
			} `json:"devices"`
		}
		owner.do("GET", "/api/v1/admin/devices", nil, &devs, 200)
		n := 0
		for _, usr := range users.Users {
			for _, d := range devs.Devices {
				if usr.Email == email && d.UserID == usr.ID {
					n++
				}
			}
		}
		return n
	}
	if n, m := devicesOf(nurse.Email), devicesOf(porter.Email); n != 1 || m != 1 {
		t.Errorf("after alternating sign-ins on one browser: %d devices of hers, %d of her colleague's, want one each", n, m)
	}

	// She adds a passkey (a virtual authenticator stands in for her
	// phone's fingerprint reader), signs out, and signs in through the
	// provider again: ward's second factor is now her passkey.
	u.addAuthenticator()
	u.click("#nav-account")
	u.waitJS(10*time.Second, "no passkeys yet", `!!document.querySelector('#passkeys-none')`)
	u.click("#add-passkey")
	u.waitJS(15*time.Second, "the passkey is added", `!!document.querySelector('#passkey-added') && document.querySelectorAll('#passkeys li').length === 1`)
	u.click("#sign-out")
	u.do(15*time.Second, "sign in through the provider, then the passkey step",
		append(atProvider(nurse), chromedp.WaitVisible(chromedp.ID("passkey-hint")))...)
	u.shot("sso-4-passkey-step")
	u.click("#signin-submit")
	u.waitJS(15*time.Second, "signed in with the passkey after the provider", `document.querySelector('#live-status.live-open') !== null`)

	// The IdP disables the person over SCIM: the open page is signed out
	// at once, its socket closed by the server.
	id := scimUserID(t, scimToken, nurse.Email)
	scim(t, scimToken, "PATCH", "/scim/v2/Users/"+id, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "replace", "value": map[string]any{"active": false}}},
	}, nil, 200)
	disabled := time.Now()
	u.waitJS(3*time.Second, "the page signed out", `!!document.querySelector('#signin-submit') && !document.querySelector('#live-status')`)
	out := time.Since(disabled)
	if notice := u.text("#signin-notice"); !strings.Contains(notice, "session ended") {
		t.Errorf("the sign-in screen says %q after the SCIM disable", notice)
	}
	if status := eval[int](u, `fetch('/api/v1/me').then(r => r.status)`); status != 401 {
		t.Errorf("GET /api/v1/me after the SCIM disable: %d, want 401", status)
	}
	u.shot("sso-5-disabled-signed-out")
	t.Logf("signed in through the provider in %v; signed out %v after the SCIM disable", signedIn.Round(time.Millisecond), out.Round(time.Millisecond))
	if out > 2*time.Second {
		t.Errorf("the page showed the sign-in screen %v after the SCIM disable, want within 2 s", out)
	}

	// Signing in again through the provider is refused: the account is
	// disabled.
	u.do(15*time.Second, "sign in again through the provider",
		append(append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(link)}, atProvider(nurse)...),
			chromedp.WaitVisible(chromedp.ID("signin-error")))...)
	if got := u.text("#signin-error"); !strings.Contains(got, "Your ward account is disabled") {
		t.Errorf("after a disabled person's sign-in at the provider the sign-in screen says %q", got)
	}
	u.shot("sso-6-disabled-refused")
}

// atProvider is a sign-in through the provider from ward's sign-in screen:
// its button, then the person's name and password at the provider.
func atProvider(p idpPerson) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.ID("signin-sso")),
		chromedp.Click(chromedp.ID("signin-sso")),
		chromedp.WaitVisible(chromedp.ID("idp-username")),
		chromedp.SendKeys(chromedp.ID("idp-username"), p.Username),
		chromedp.SendKeys(chromedp.ID("idp-password"), p.Password),
		chromedp.Click(chromedp.ID("idp-submit")),
	}
}

// scimUserID finds an account's SCIM id by its userName.
func scimUserID(t *testing.T, token, email string) string {
	t.Helper()
	var list struct {
		Resources []struct {
			ID       string `json:"id"`
			UserName string `json:"userName"`
			Active   bool   `json:"active"`
		} `json:"Resources"`
	}
	scim(t, token, "GET", "/scim/v2/Users?filter="+url.QueryEscape(fmt.Sprintf("userName eq %q", email)), nil, &list, 200)
	if len(list.Resources) != 1 || !list.Resources[0].Active {
		t.Fatalf("SCIM sees %+v for %s, want one active account", list.Resources, email)
	}
	return list.Resources[0].ID
}

// scim makes one SCIM request with the org's bearer token, as an IdP does.
func scim(t *testing.T, token, method, path string, body, out any, want int) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, suite.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := suite.httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}
