package sso_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/sso"
	"github.com/wardhealth/ward/internal/sso/oidctest"
)

// harness is a real ward server over TLS on loopback (the HTTP API with a
// WebSocket hub and single sign-on) and a real OpenID Connect provider
// beside it.
type harness struct {
	f   *apptest.Fixture
	hub *realtime.Hub
	srv *httptest.Server
	svc *sso.Service
	idp *oidctest.IdP
}

func newHarness(t *testing.T, mfa bool) *harness {
	t.Helper()
	return harnessOver(t, apptest.New(t, mfa))
}

func harnessOver(t *testing.T, f *apptest.Fixture) *harness {
	t.Helper()
	hub := realtime.NewHub(f.App.Broker(), realtime.HubOptions{})
	svc := sso.New(sso.Config{Store: f.Store, Keyring: f.Keyring, Accounts: f.App, Now: f.Clock.Now})
	h := httpapi.New(httpapi.Config{App: f.App, Hub: hub, SSO: svc})
	srv := httptest.NewTLSServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hub.Close(ctx)
		srv.Close()
	})
	return &harness{f: f, hub: hub, srv: srv, svc: svc, idp: oidctest.Start(t, srv.URL+"/api/v1/sso/callback")}
}

// configure sets the org's provider to the test IdP, as the host's admin
// command would (the owner of an MFA org must enrol a factor before using
// the admin API).
func (h *harness) configure(t *testing.T, set sso.OIDCSettings) {
	t.Helper()
	p, err := h.f.App.SystemPrincipal(context.Background(), h.f.Org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	set.Issuer, set.ClientID, set.ClientSecret, set.Enabled = h.idp.Issuer, h.idp.ClientID, h.idp.ClientSecret, true
	if set.RoleMap == nil {
		set.RoleMap = map[string]ward.Role{"ward-clinicians": ward.RoleClinician, "ward-admins": ward.RoleAdmin}
	}
	if _, err := h.svc.PutOIDCConfig(context.Background(), p, set); err != nil {
		t.Fatal(err)
	}
}

// browser is a client with a cookie jar, trusting the server's certificate.
// tamper, when not nil, may change each redirect before it is followed.
func (h *harness) browser(t *testing.T, tamper func(*http.Request)) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: h.srv.Client().Transport, Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if tamper != nil {
				tamper(req)
			}
			if len(via) > 15 {
				return http.ErrUseLastResponse
			}
			return nil
		}}
}

// signIn runs the redirect flow from ward's start to the page ward sends
// the browser to after the callback, and answers that page's query
// (sso=1, or sso_error=<code>).
func (h *harness) signIn(t *testing.T, c *http.Client) url.Values {
	t.Helper()
	resp, err := c.Get(h.srv.URL + "/api/v1/sso/" + h.f.Org.Slug + "/start")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	final := resp.Request.URL
	if final.Host != strings.TrimPrefix(h.srv.URL, "https://") || final.Path != "/" {
		t.Fatalf("the flow ended at %s (%d), not at ward's page", final, resp.StatusCode)
	}
	return final.Query()
}

// finish is the web client's POST /api/v1/sessions/sso.
func (h *harness) finish(t *testing.T, c *http.Client, body map[string]any) (int, map[string]any) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["device"]; !ok {
		body["device"] = map[string]string{"id": "sso-browser-0001", "name": "test browser"}
	}
	return h.call(t, c, "POST", "/api/v1/sessions/sso", "", body)
}

// call sends a JSON request and decodes the JSON answer.
func (h *harness) call(t *testing.T, c *http.Client, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c == nil {
		c = h.srv.Client()
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// userByEmail reads a user of the org.
func (h *harness) userByEmail(t *testing.T, email string) (ward.User, bool) {
	t.Helper()
	users := h.users(t)
	for _, u := range users {
		if u.Email == email {
			return u, true
		}
	}
	return ward.User{}, false
}

func (h *harness) users(t *testing.T) []ward.User {
	t.Helper()
	p, err := h.f.App.SystemPrincipal(context.Background(), h.f.Org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	users, err := h.f.App.Directory(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return users
}
