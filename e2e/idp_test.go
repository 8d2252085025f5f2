package e2e

import (
	"context"
	"crypto/sha256"
	"html/template"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// idp is a real OpenID Connect provider run by the test process on
// loopback: github.com/zitadel/oidc's op package (discovery, keys, the
// authorization code flow with PKCE, signed ID tokens) over its example
// storage, with a login page that is a plain HTML form the browser fills
// in. It is this module's own: the e2e tests see ward only as a binary,
// so they cannot use ward's internal/sso/oidctest.
type idp struct {
	issuer, clientID, clientSecret string

	mu     sync.Mutex
	people map[string]idpPerson // by username (the subject)
}

// idpPerson is an account at the provider.
type idpPerson struct {
	Username, Password string
	Email              string
	Given, Family      string
	Groups             []string
}

// startIdP runs a provider whose one client may redirect to redirectURIs.
func startIdP(t *testing.T, redirectURIs ...string) *idp {
	t.Helper()
	p := &idp{clientID: "ward-e2e", clientSecret: "ward-e2e-client-secret", people: map[string]idpPerson{}}
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	p.issuer = srv.URL

	clients := map[string]*storage.Client{p.clientID: storage.WebClient(p.clientID, p.clientSecret, redirectURIs...)}
	st := &idpStore{Storage: storage.NewStorageWithClients(idpUsers{p}, clients), idp: p}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte("ward-e2e-idp")), CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.English}}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(p.issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	// The login page the provider sends the browser to (the example
	// storage's clients send it to /login/username?authRequestID=…).
	mux.Handle("/login/username", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			id := r.FormValue("authRequestID")
			msg := ""
			if r.Method == http.MethodPost {
				err := st.CheckUsernamePassword(r.FormValue("username"), r.FormValue("password"), id)
				if err == nil {
					http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
					return
				}
				msg = "Wrong username or password."
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			loginPage.Execute(w, map[string]string{"ID": id, "Error": msg})
		}))
	mux.Handle("/", provider)
	handler = mux
	return p
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic IdP: sign in</title>
<style>body{font:16px system-ui;margin:4em auto;max-width:22em}label,input,button{display:block;width:100%;margin:.4em 0}</style>
</head><body>
<h1>Clinic identity provider</h1>
{{if .Error}}<p id="idp-error">{{.Error}}</p>{{end}}
<form method="post" action="/login/username">
<input type="hidden" name="authRequestID" value="{{.ID}}">
<label for="idp-username">Username</label><input id="idp-username" name="username" autocomplete="username">
<label for="idp-password">Password</label><input id="idp-password" name="password" type="password" autocomplete="current-password">
<button id="idp-submit" type="submit">Sign in</button>
</form></body></html>`))

// add adds or replaces a person.
func (p *idp) add(person idpPerson) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.people[person.Username] = person
}

func (p *idp) person(username string) (idpPerson, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	person, ok := p.people[username]
	return person, ok
}

// idpUsers is the example storage's user store over the provider's people.
type idpUsers struct{ idp *idp }

func (u idpUsers) GetUserByID(id string) *storage.User {
	p, ok := u.idp.person(id)
	if !ok {
		return nil
	}
	return &storage.User{ID: p.Username, Username: p.Username, Password: p.Password, FirstName: p.Given, LastName: p.Family,
		Email: p.Email, EmailVerified: true, PreferredLanguage: language.English}
}

func (u idpUsers) GetUserByUsername(name string) *storage.User { return u.GetUserByID(name) }
func (u idpUsers) ExampleClientID() string                     { return "service" }

// idpStore is the example storage with the person's claims, groups
// included, in the ID token (as Okta, Entra ID and Keycloak can be set to
// do).
type idpStore struct {
	*storage.Storage
	idp *idp
}

func (s *idpStore) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return claimsInIDToken{c}, nil
}

type claimsInIDToken struct{ op.Client }

func (claimsInIDToken) IDTokenUserinfoClaimsAssertion() bool { return true }

func (s *idpStore) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, token, scopes); err != nil {
		return err
	}
	if p, ok := s.idp.person(token.GetSubject()); ok && p.Groups != nil {
		ui.AppendClaims("groups", p.Groups)
	}
	return nil
}
