package sso

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/store"
)

// How long the steps of an IdP sign-in may take.
const (
	StateTTL  = 10 * time.Minute // from the start to the callback (the person signs in at the IdP)
	TicketTTL = 5 * time.Minute  // from the callback to the finish (device, ward's second factor)
	// maxTicketFailures wrong second factors end a ticket.
	maxTicketFailures = 5
	providerTTL       = 10 * time.Minute // how long a discovery document is kept
	// maxPending bounds the sign-ins under way (all orgs): /start is public,
	// and each leaves a row for StateTTL.
	maxPending = 20000
)

// mfaMethods are the amr values (RFC 8176) that name a second factor or
// several: a password alone ("pwd"), SMS or a phone call do not count.
var mfaMethods = []string{"mfa", "mca", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"}

type cachedProvider struct {
	issuer string
	p      *oidc.Provider
	at     time.Time
}

// provider is the org's provider from its discovery document, kept for a
// few minutes.
func (s *Service) provider(ctx context.Context, orgID, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	c, ok := s.providers[orgID]
	s.mu.Unlock()
	if ok && c.issuer == issuer && s.now().Sub(c.at) < providerTTL {
		return c.p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.client), issuer)
	if err != nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "the identity provider's discovery document could not be read")
	}
	s.mu.Lock()
	s.providers[orgID] = cachedProvider{issuer: issuer, p: p, at: s.now()}
	s.mu.Unlock()
	return p, nil
}

func (s *Service) forgetProvider(orgID string) {
	s.mu.Lock()
	delete(s.providers, orgID)
	s.mu.Unlock()
}

// oauthConfig is the authorization code flow's client for an org.
func (s *Service) oauthConfig(ctx context.Context, c OIDCSettings, orgID string, sealed []byte, p *oidc.Provider, redirectURI string) (*oauth2.Config, error) {
	sec, err := s.keys.Open(ctx, secretRef(orgID), sealed)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: string(sec), Endpoint: p.Endpoint(), RedirectURL: redirectURI,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

// Start begins an IdP sign-in for an org: it answers the URL to send the
// browser to and the state the browser must keep (in a cookie) and bring
// back. The state's hash, the nonce and the PKCE verifier wait in the
// database for the callback.
func (s *Service) Start(ctx context.Context, orgSlug, redirectURI string) (authURL, state string, err error) {
	o, err := s.orgBySlug(ctx, orgSlug)
	if err != nil {
		return "", "", err
	}
	c, sealed, err := s.enabledConfig(ctx, o.ID)
	if err != nil {
		return "", "", err
	}
	p, err := s.provider(ctx, o.ID, c.Issuer)
	if err != nil {
		return "", "", err
	}
	oc, err := s.oauthConfig(ctx, c, o.ID, sealed, p, redirectURI)
	if err != nil {
		return "", "", err
	}
	state, nonce, verifier := secret(), secret(), oauth2.GenerateVerifier()
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if n, err := tx.CountSSOPending(ctx); err != nil || n >= maxPending {
			if err == nil {
				err = ward.Errorf(ward.CodeRateLimited, "too many sign-ins under way; try again in a few minutes")
			}
			return err
		}
		return tx.PutSSOPending(ctx, store.SSOPending{ID: hashOf(state), Kind: "state", OrgID: o.ID, Nonce: nonce,
			Verifier: verifier, ExpiresAt: tx.Now.Add(StateTTL)})
	})
	if err != nil {
		return "", "", err
	}
	return oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), state, nil
}

// Callback is the IdP's answer. IdPError is its error parameter, if any.
type Callback struct {
	State       string // the state parameter
	StateCookie string // the state the browser kept
	Code        string
	IdPError    string
	RedirectURI string // the same as at the start
	IP          string
}

// Identity is what a verified ID token says about a person.
type Identity struct {
	Subject, Email, Name string
	EmailVerified        bool
	Groups, AMR          []string
	ACR                  string
}

// Finish is the callback's work: the state is checked and used up, the
// code exchanged (with the PKCE verifier), the ID token verified
// (signature, issuer, audience, expiry, nonce), the account found by its
// link or email or made, its role synced from the groups. It answers a
// ticket, which the browser redeems with its device (and ward's second
// factor) at FinishSignIn. Nothing is created when any check fails.
func (s *Service) Callback(ctx context.Context, cb Callback) (ticket string, err error) {
	if cb.State == "" || len(cb.State) > 200 || subtle.ConstantTimeCompare([]byte(cb.State), []byte(cb.StateCookie)) != 1 {
		return "", ward.Errorf(ward.CodeSSOState, "this sign-in was not started in this browser, or it expired: start again")
	}
	var pend store.SSOPending
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if pend, err = tx.SSOPendingByID(ctx, "state", hashOf(cb.State)); err != nil {
			return err
		}
		_, err = tx.DeleteSSOPending(ctx, pend.ID) // used once, whatever follows
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return "", ward.Errorf(ward.CodeSSOState, "this sign-in expired or was already used: start again")
	}
	if err != nil {
		return "", err
	}
	if cb.IdPError != "" {
		return "", ward.Errorf(ward.CodeSSOToken, "the identity provider refused the sign-in (%s)", safeWord(cb.IdPError))
	}
	c, sealed, err := s.enabledConfig(ctx, pend.OrgID)
	if err != nil {
		return "", err
	}
	id, err := s.verify(ctx, pend, c, sealed, cb)
	if err != nil {
		return "", err
	}
	user, err := s.account(ctx, pend.OrgID, c, id, cb.IP)
	if err != nil {
		return "", err
	}
	ticket = secret()
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		return tx.PutSSOPending(ctx, store.SSOPending{ID: hashOf(ticket), Kind: "ticket", OrgID: pend.OrgID, UserID: user.ID,
			IdPMFA: c.TrustIdPMFA && id.assertsMFA(c.MFAACR), ExpiresAt: tx.Now.Add(TicketTTL)})
	})
	return ticket, err
}

// verify exchanges the code and verifies the ID token.
func (s *Service) verify(ctx context.Context, pend store.SSOPending, c OIDCSettings, sealed []byte, cb Callback) (Identity, error) {
	p, err := s.provider(ctx, pend.OrgID, c.Issuer)
	if err != nil {
		return Identity{}, err
	}
	oc, err := s.oauthConfig(ctx, c, pend.OrgID, sealed, p, cb.RedirectURI)
	if err != nil {
		return Identity{}, err
	}
	hctx := oidc.ClientContext(ctx, s.client)
	tok, err := oc.Exchange(hctx, cb.Code, oauth2.VerifierOption(pend.Verifier))
	if err != nil {
		return Identity{}, ward.Errorf(ward.CodeSSOToken, "the identity provider did not accept the code")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, ward.Errorf(ward.CodeSSOToken, "the identity provider sent no ID token")
	}
	idt, err := p.VerifierContext(hctx, &oidc.Config{ClientID: c.ClientID}).Verify(hctx, raw)
	if err != nil {
		return Identity{}, ward.Errorf(ward.CodeSSOToken, "the ID token failed verification (signature, issuer, audience or expiry)")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pend.Nonce)) != 1 {
		return Identity{}, ward.Errorf(ward.CodeSSOToken, "the ID token's nonce is not this sign-in's")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, ward.Errorf(ward.CodeSSOToken, "the ID token's claims are not readable")
	}
	if _, ok := claims["email"]; !ok && p.UserInfoEndpoint() != "" {
		// Some providers put the email only in the userinfo answer.
		if ui, err := p.UserInfo(hctx, oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == idt.Subject {
			var more map[string]any
			if ui.Claims(&more) == nil {
				for k, v := range more {
					if _, ok := claims[k]; !ok {
						claims[k] = v
					}
				}
			}
		}
	}
	return identityOf(idt.Subject, claims, c.GroupsClaim), nil
}

func identityOf(sub string, claims map[string]any, groupsClaim string) Identity {
	id := Identity{Subject: sub, Email: ward.NormalizeEmail(str(claims["email"])), ACR: str(claims["acr"]),
		Groups: strs(claims[groupsClaim]), AMR: strs(claims["amr"])}
	switch v := claims["email_verified"].(type) {
	case bool:
		id.EmailVerified = v
	case string:
		id.EmailVerified = v == "true"
	}
	id.Name = strings.TrimSpace(str(claims["name"]))
	if id.Name == "" {
		id.Name = strings.TrimSpace(str(claims["given_name"]) + " " + str(claims["family_name"]))
	}
	if id.Name == "" {
		id.Name, _, _ = strings.Cut(id.Email, "@")
	}
	if len(id.Name) > 200 {
		id.Name = strings.ToValidUTF8(id.Name[:200], "")
	}
	return id
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs reads a claim that is a list of strings or one string.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// assertsMFA reports whether the token says the person used a second
// factor at the IdP: an amr method of mfaMethods, or an acr of acrs.
func (id Identity) assertsMFA(acrs []string) bool {
	for _, m := range id.AMR {
		for _, x := range mfaMethods {
			if strings.EqualFold(m, x) {
				return true
			}
		}
	}
	for _, a := range acrs {
		if id.ACR != "" && id.ACR == a {
			return true
		}
	}
	return false
}

// safeWord keeps an IdP's error code to what may be shown: letters,
// digits and underscores, at most 64.
func safeWord(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
	return s[:min(len(s), 64)]
}

// subjectKey is how an identity's link is stored: the issuer and the sub
// claim (a sub is unique only within its issuer).
func subjectKey(issuer, sub string) string { return issuer + " " + sub }

// account finds the ward account of a verified identity, or makes it, and
// syncs its role from the groups. The link by subject comes first, so an
// email changed at the IdP keeps the account; an unlinked identity takes
// the account with its verified email, or gets a new one.
func (s *Service) account(ctx context.Context, orgID string, c OIDCSettings, id Identity, ip string) (ward.User, error) {
	role := c.roleFor(id.Groups)
	key := subjectKey(c.Issuer, id.Subject)
	var u ward.User
	linked := false
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.LinkedUser(ctx, orgID, "oidc", key); err == nil {
			linked = true
			return nil
		} else if ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		if !id.EmailVerified || id.Email == "" {
			return nil
		}
		if u, err = tx.UserByEmail(ctx, orgID, id.Email); ward.ErrorCode(err) == ward.CodeNotFound {
			return nil
		}
		return err
	})
	if err != nil {
		return ward.User{}, err
	}
	if !linked && (!id.EmailVerified || id.Email == "") {
		return ward.User{}, ward.Errorf(ward.CodeSSOToken, "the identity provider does not say the email is verified")
	}
	if u.ID != "" && u.Role.External() {
		return ward.User{}, ward.Errorf(ward.CodeForbidden, "patient and guest accounts cannot sign in through the identity provider")
	}
	if u.ID != "" && !linked && u.Role == ward.RoleOwner {
		// An admin configures the IdP; an IdP that vouches for the owner's
		// email must not make an admin the owner. Owners sign in with
		// their password (and second factor).
		return ward.User{}, s.refuse(ctx, orgID, u, ip, "the owner's account is never linked to an IdP identity",
			ward.Errorf(ward.CodeForbidden, "the owner's account signs in with its password, not through the identity provider"))
	}
	if u.ID != "" && u.Disabled {
		return ward.User{}, s.refuse(ctx, orgID, u, ip, "account disabled (single sign-on)", app.ErrAccountDisabled())
	}
	if role == "" && u.Role != ward.RoleOwner {
		return ward.User{}, s.refuse(ctx, orgID, u, ip, "no IdP group maps to a ward role",
			ward.Errorf(ward.CodeSSONoRole, "none of your groups at the identity provider gives you a role in ward; ask an admin"))
	}
	if u.ID == "" {
		if u, err = s.accounts.ProvisionUser(ctx, orgID, ssoActor(ip), app.NewUser{Email: id.Email, Name: id.Name, Role: role}); err != nil {
			return ward.User{}, err
		}
	} else if u.Role != role && u.Role != ward.RoleOwner {
		if u, err = s.accounts.UpdateUser(ctx, app.ServicePrincipal(orgID, "sso", ip), u.ID, app.UserChange{Role: &role}); err != nil {
			return ward.User{}, err
		}
	}
	if !linked {
		err = s.store.Write(ctx, func(tx *store.Tx) error {
			return tx.PutIdentityLink(ctx, store.IdentityLink{OrgID: orgID, Kind: "oidc", Subject: key, UserID: u.ID})
		})
	}
	return u, err
}

// refuse audits an IdP sign-in that ward refused (login.failed, outcome
// denied) and returns answer.
func (s *Service) refuse(ctx context.Context, orgID string, u ward.User, ip, reason string, answer error) error {
	ev := audit.Event{OrgID: orgID, Action: audit.LoginFailed, ResourceType: "user", ResourceID: u.ID,
		Actor: audit.Actor{UserID: u.ID, Role: string(u.Role), IP: ip}, Outcome: audit.Denied, Reason: reason}
	if u.ID == "" {
		ev.ResourceID, ev.Actor.Role = "unprovisioned", "sso"
	}
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, ev) }); err != nil {
		return err
	}
	return answer
}

func ssoActor(ip string) audit.Actor { return app.ServicePrincipal("", "sso", ip).Actor() }

// BeginPasskey starts ward's second factor by passkey for a sign-in
// ticket: the options for navigator.credentials.get, for the person the
// provider vouched for. The ticket stays; FinishSignIn, given the answer,
// redeems it.
func (s *Service) BeginPasskey(ctx context.Context, ticket string) (passkeys.Challenge, error) {
	if ticket == "" || len(ticket) > 200 {
		return passkeys.Challenge{}, ward.Errorf(ward.CodeSSOState, "no sign-in ticket: start the sign-in again")
	}
	var t store.SSOPending
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		t, err = tx.SSOPendingByID(ctx, "ticket", hashOf(ticket))
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return passkeys.Challenge{}, ward.Errorf(ward.CodeSSOState, "this sign-in ticket expired or was already used: start again")
	}
	if err != nil {
		return passkeys.Challenge{}, err
	}
	return s.accounts.BeginExternalPasskey(ctx, t.OrgID, t.UserID)
}

// TicketAccount names the account a sign-in's ticket is for, the person
// who just proved who they are at the provider: their email and their
// org's slug. The web client asks it before the finish, to send the
// device secret it keeps for that account; the ticket stays usable.
func (s *Service) TicketAccount(ctx context.Context, ticket string) (email, org string, err error) {
	if ticket == "" || len(ticket) > 200 {
		return "", "", ward.Errorf(ward.CodeSSOState, "no sign-in ticket: start the sign-in again")
	}
	err = s.store.Read(ctx, func(tx *store.Tx) error {
		t, err := tx.SSOPendingByID(ctx, "ticket", hashOf(ticket))
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, t.OrgID, t.UserID)
		if err != nil {
			return err
		}
		o, err := tx.OrgByID(ctx, t.OrgID)
		email, org = u.Email, o.Slug
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return "", "", ward.Errorf(ward.CodeSSOState, "this sign-in ticket expired or was already used: start again")
	}
	return email, org, err
}

// FinishSignIn redeems a ticket: the device, and ward's second factor
// unless the IdP asserted one, on the path of a password sign-in
// (app.ExternalSignIn). The ticket is used once; an answer that asks for
// the second factor (mfa_required) or a wrong code gives it back, up to
// maxTicketFailures wrong codes.
func (s *Service) FinishSignIn(ctx context.Context, ticket string, req app.LoginRequest) (access.LoginResult, error) {
	if ticket == "" || len(ticket) > 200 {
		return access.LoginResult{}, ward.Errorf(ward.CodeSSOState, "no sign-in ticket: start the sign-in again")
	}
	var t store.SSOPending
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = tx.SSOPendingByID(ctx, "ticket", hashOf(ticket)); err != nil {
			return err
		}
		ok, err := tx.DeleteSSOPending(ctx, t.ID)
		if err == nil && !ok {
			err = ward.Errorf(ward.CodeNotFound, "used")
		}
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return access.LoginResult{}, ward.Errorf(ward.CodeSSOState, "this sign-in ticket expired or was already used: start again")
	}
	if err != nil {
		return access.LoginResult{}, err
	}
	res, err := s.accounts.ExternalSignIn(ctx, app.ExternalLogin{LoginRequest: req, OrgID: t.OrgID, UserID: t.UserID,
		IdPMFA: t.IdPMFA, How: "single sign-on"})
	switch ward.ErrorCode(err) {
	case ward.CodeMFARequired, ward.CodeUnauth, ward.CodeInvalid:
		if ward.ErrorCode(err) != ward.CodeMFARequired {
			t.Failures++
		}
		if t.Failures < maxTicketFailures {
			if perr := s.store.Write(ctx, func(tx *store.Tx) error { return tx.PutSSOPending(ctx, t) }); perr != nil {
				return res, perr
			}
		}
	}
	return res, err
}
