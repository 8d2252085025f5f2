package oidctest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Person is an account at the provider.
type Person struct {
	Subject       string
	Email         string
	EmailVerified bool
	Given, Family string
	Groups        []string
	AMR           []string // how they signed in: ["pwd"], ["pwd","otp"], ["mfa"]
	ACR           string
}

// IdP is a running provider.
type IdP struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Server       *httptest.Server

	mu      sync.Mutex
	people  map[string]*Person // by subject
	signsIn string             // the subject the login page signs in
	tamper  func(idToken string, resign func(claims map[string]any) string) string
	st      *store
}

// Start runs a provider whose one client (ClientID, ClientSecret) may
// redirect to redirectURI. It stops when the test ends.
func Start(tb testing.TB, redirectURI string) *IdP {
	tb.Helper()
	idp := &IdP{ClientID: "ward-test", ClientSecret: "ward-test-secret", people: map[string]*Person{}}
	var handler http.Handler
	idp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	tb.Cleanup(idp.Server.Close)
	idp.Issuer = idp.Server.URL

	clients := map[string]*storage.Client{idp.ClientID: storage.WebClient(idp.ClientID, idp.ClientSecret, redirectURI)}
	st := &store{Storage: storage.NewStorageWithClients(users{idp}, clients), idp: idp}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte("oidctest")), CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.English}}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(idp.Issuer), op.WithAllowInsecure())
	if err != nil {
		tb.Fatal(err)
	}
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	// The login page the provider sends the browser to: it signs in the
	// chosen person at once and hands back to the provider.
	mux.Handle("/login/username", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("authRequestID")
		idp.mu.Lock()
		sub := idp.signsIn
		idp.mu.Unlock()
		if err := st.CheckUsernamePassword(sub, "password", id); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	}))
	mux.Handle("/", provider)
	idp.st = st
	handler = idp.tamperTokens(mux)
	return idp
}

// Tamper makes the token endpoint answer fn's ID token instead of the
// real one (nil: the real one). fn may re-sign changed claims with the
// provider's own key (resign), so that only the claims are wrong, or break
// the signature itself: what a forged or misdirected token looks like.
func (idp *IdP) Tamper(fn func(idToken string, resign func(claims map[string]any) string) string) {
	idp.mu.Lock()
	idp.tamper = fn
	idp.mu.Unlock()
}

// tamperTokens rewrites the token endpoint's answer when Tamper asks.
func (idp *IdP) tamperTokens(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idp.mu.Lock()
		fn := idp.tamper
		idp.mu.Unlock()
		if fn == nil || r.URL.Path != "/oauth/token" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			if tok, ok := body["id_token"].(string); ok {
				body["id_token"] = fn(tok, func(claims map[string]any) string { return idp.resign(r.Context(), claims) })
			}
		}
		out, _ := json.Marshal(body)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(out)
	})
}

// resign signs claims with the provider's key, as it signs its tokens.
func (idp *IdP) resign(ctx context.Context, claims map[string]any) string {
	key, err := idp.st.SigningKey(ctx)
	if err != nil {
		panic(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.SignatureAlgorithm(),
		Key: jose.JSONWebKey{Key: key.Key(), KeyID: key.ID()}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	sig, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, _ := sig.CompactSerialize()
	return out
}

// Claims reads an ID token's claims (without checking anything).
func Claims(idToken string) map[string]any {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return nil
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// Add adds or replaces a person.
func (idp *IdP) Add(p Person) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	cp := p
	idp.people[p.Subject] = &cp
}

// Change changes a person in place (a new email, new groups, another amr).
func (idp *IdP) Change(subject string, fn func(*Person)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	fn(idp.people[subject])
}

// SignsIn chooses who the login page signs in next.
func (idp *IdP) SignsIn(subject string) {
	idp.mu.Lock()
	idp.signsIn = subject
	idp.mu.Unlock()
}

func (idp *IdP) person(subject string) (Person, bool) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	p, ok := idp.people[subject]
	if !ok {
		return Person{}, false
	}
	return *p, true
}

// users is the example storage's user store over the IdP's people; the
// username is the subject and every password is "password".
type users struct{ idp *IdP }

func (u users) GetUserByID(id string) *storage.User {
	p, ok := u.idp.person(id)
	if !ok {
		return nil
	}
	return &storage.User{ID: p.Subject, Username: p.Subject, Password: "password", FirstName: p.Given, LastName: p.Family,
		Email: p.Email, EmailVerified: p.EmailVerified, PreferredLanguage: language.English}
}

func (u users) GetUserByUsername(name string) *storage.User { return u.GetUserByID(name) }
func (u users) ExampleClientID() string                     { return "service" }

// store is the example storage with the person's groups in the ID token
// and their amr and acr.
type store struct {
	*storage.Storage
	idp *IdP
}

// GetClientByClientID answers the client with the user's claims in the ID
// token (as Okta, Entra ID and Keycloak can be set to do).
func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return claimsInIDToken{c}, nil
}

type claimsInIDToken struct{ op.Client }

func (claimsInIDToken) IDTokenUserinfoClaimsAssertion() bool { return true }

// SetUserinfoFromRequest adds the groups claim.
func (s *store) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, token, scopes); err != nil {
		return err
	}
	if p, ok := s.idp.person(token.GetSubject()); ok && p.Groups != nil {
		ui.AppendClaims("groups", p.Groups)
	}
	return nil
}

// AuthRequestByCode answers the request with the person's amr and acr.
func (s *store) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	p, _ := s.idp.person(r.GetSubject())
	return withAMR{AuthRequest: r, amr: p.AMR, acr: p.ACR}, nil
}

type withAMR struct {
	op.AuthRequest
	amr []string
	acr string
}

func (w withAMR) GetAMR() []string { return w.amr }
func (w withAMR) GetACR() string   { return w.acr }
