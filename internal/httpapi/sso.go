package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/sso"
)

// The cookies of an IdP sign-in (docs/sso.md). The state cookie comes back
// on the IdP's top-level redirect to the callback, so it is SameSite=Lax;
// the ticket is only ever sent by ward's own page, so Strict.
const (
	ssoStateCookie  = "__Host-ward_sso_state"
	ssoTicketCookie = "__Host-ward_sso_ticket"
	ssoCallbackPath = "/api/v1/sso/callback"
)

// ssoRoutes are OpenID Connect sign-in, its admin configuration and the
// SCIM token (internal/sso).
func (h *Handler) ssoRoutes() {
	h.public("GET /api/v1/sso/{org}", h.ssoButton)
	h.public("GET /api/v1/sso/{org}/start", h.ssoStart)
	h.public("GET "+ssoCallbackPath, h.ssoCallback)
	h.public("GET /api/v1/sessions/sso", h.ssoAccount)
	h.public("POST /api/v1/sessions/sso", h.ssoFinish)
	h.public("POST /api/v1/sessions/sso/webauthn/challenge", h.ssoPasskeyChallenge)
	h.route("GET /api/v1/admin/sso/oidc", authz.SSOManage, withService(h.ssoService, h.getOIDCConfig))
	h.route("PUT /api/v1/admin/sso/oidc", authz.SSOManage, withService(h.ssoService, h.putOIDCConfig))
	h.route("GET /api/v1/admin/sso/scim-token", authz.SSOManage, withService(h.ssoService, h.getSCIMToken))
	h.route("POST /api/v1/admin/sso/scim-token", authz.SSOManage, withService(h.ssoService, h.issueSCIMToken))
	h.route("DELETE /api/v1/admin/sso/scim-token", authz.SSOManage, withService(h.ssoService, h.revokeSCIMToken))
	h.scimRoutes()
}

func (h *Handler) ssoService() (*sso.Service, error) {
	if h.sso == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "single sign-on is not available")
	}
	return h.sso, nil
}

// ownOrigin is ward's origin as browsers reach it: the public URL, or the
// host the request came to.
func (h *Handler) ownOrigin(r *http.Request) string {
	if h.origin != "" {
		return h.origin
	}
	scheme := "http"
	if r.TLS != nil || h.tlsProxy {
		scheme = "https"
	}
	o, _ := normalOrigin(scheme + "://" + r.Host)
	return o
}

func (h *Handler) ssoButton(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.ssoService()
	if err != nil {
		return err
	}
	label, err := svc.Button(r.Context(), r.PathValue("org"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"enabled": true, "label": label,
		"start": "/api/v1/sso/" + url.PathEscape(r.PathValue("org")) + "/start"})
	return nil
}

func (h *Handler) ssoStart(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.ssoService()
	if err != nil {
		return err
	}
	to, state, err := svc.Start(r.Context(), r.PathValue("org"), h.ownOrigin(r)+ssoCallbackPath)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Value: state, Path: "/", MaxAge: int(sso.StateTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// ssoCallback is where the IdP sends the browser back. It answers a
// redirect to the web client: with the ticket in a cookie on success, with
// ?sso_error=<code> otherwise (the client shows what it means).
func (h *Handler) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.ssoService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("state") == "" { // no identity provider sends this: nothing to show a person
		return ward.Errorf(ward.CodeSSOState, "the callback has no state: start the sign-in again")
	}
	cb := sso.Callback{State: q.Get("state"), Code: q.Get("code"), IdPError: q.Get("error"),
		RedirectURI: h.ownOrigin(r) + ssoCallbackPath, IP: h.clientIP(r)}
	if c, err := r.Cookie(ssoStateCookie); err == nil {
		cb.StateCookie = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true,
		SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	ticket, err := svc.Callback(r.Context(), cb)
	if err != nil {
		code := ward.ErrorCode(err)
		if code == ward.CodeInternal || code == "" {
			h.log.ErrorContext(r.Context(), "single sign-on callback failed", "err", err.Error())
			code = ward.CodeInternal
		}
		http.Redirect(w, r, "/?sso_error="+url.QueryEscape(string(code)), http.StatusSeeOther)
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: ssoTicketCookie, Value: ticket, Path: "/", MaxAge: int(sso.TicketTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/?sso=1", http.StatusSeeOther)
	return nil
}

// ssoFinishRequest is the body of POST /api/v1/sessions/sso: the sign-in
// request's device and second factor; the ticket comes in its cookie (or,
// for a client without cookies, in the body).
type ssoFinishRequest struct {
	loginRequest
	Ticket string `json:"ticket"`
}

// ssoTicket is a sign-in's ticket: the one in the body (a client without
// cookies), else its cookie's.
func ssoTicket(r *http.Request, inBody string) string {
	if inBody != "" {
		return inBody
	}
	if c, err := r.Cookie(ssoTicketCookie); err == nil {
		return c.Value
	}
	return ""
}

// ssoPasskeyChallenge starts ward's second factor by passkey after an
// identity provider's sign-in: the ticket (its cookie, or "ticket" in the
// body) names the person; POST /api/v1/sessions/sso with the answer
// finishes.
func (h *Handler) ssoPasskeyChallenge(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.ssoService()
	if err != nil {
		return err
	}
	var req struct {
		Ticket string `json:"ticket"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	ch, err := svc.BeginPasskey(r.Context(), ssoTicket(r, req.Ticket))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, passkeyChallengeView{ChallengeID: ch.ID, Options: ch.Options})
	return nil
}

// ssoAccount names the account the sign-in's ticket (its cookie) is for,
// so that the client can send the device secret it keeps for it.
func (h *Handler) ssoAccount(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.ssoService()
	if err != nil {
		return err
	}
	email, org, err := svc.TicketAccount(r.Context(), ssoTicket(r, ""))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"email": email, "org": org})
	return nil
}

func (h *Handler) ssoFinish(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.ssoService()
	if err != nil {
		return err
	}
	var req ssoFinishRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ticket := ssoTicket(r, req.Ticket)
	lr := app.LoginRequest{TOTP: req.TOTP, RecoveryCode: req.RecoveryCode, DeviceID: req.Device.ID, DeviceSecret: req.Device.Secret,
		OtherDeviceSecrets: req.Device.OtherSecrets, DeviceName: req.Device.Name, IP: h.clientIP(r), UserAgent: r.UserAgent()}
	if req.WebAuthn != nil {
		if err := req.WebAuthn.check(); err != nil {
			return err
		}
		lr.WebAuthn = &passkeys.Assertion{ChallengeID: req.WebAuthn.ChallengeID, Response: req.WebAuthn.Response}
	}
	res, err := svc.FinishSignIn(r.Context(), ticket, lr)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: ssoTicketCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode})
	h.writeLogin(w, res, req.Cookie)
	return nil
}

// oidcConfigView is GET and PUT /api/v1/admin/sso/oidc; client_secret is
// write-only (secret_set says whether one is stored).
type oidcConfigView struct {
	Enabled      bool                 `json:"enabled"`
	Issuer       string               `json:"issuer"`
	ClientID     string               `json:"client_id"`
	ClientSecret string               `json:"client_secret,omitempty"`
	SecretSet    bool                 `json:"secret_set"`
	Label        string               `json:"label"`
	GroupsClaim  string               `json:"groups_claim"`
	RoleMap      map[string]ward.Role `json:"role_map"`
	DefaultRole  ward.Role            `json:"default_role"`
	TrustIdPMFA  bool                 `json:"trust_idp_mfa"`
	MFAACR       []string             `json:"mfa_acr"`
	RedirectURI  string               `json:"redirect_uri"`
	UpdatedAt    time.Time            `json:"updated_at"`
}

func (h *Handler) viewOIDC(r *http.Request, s sso.OIDCSettings) oidcConfigView {
	v := oidcConfigView{Enabled: s.Enabled, Issuer: s.Issuer, ClientID: s.ClientID, SecretSet: s.SecretSet, Label: s.Label,
		GroupsClaim: s.GroupsClaim, RoleMap: s.RoleMap, DefaultRole: s.DefaultRole, TrustIdPMFA: s.TrustIdPMFA, MFAACR: s.MFAACR,
		RedirectURI: h.ownOrigin(r) + ssoCallbackPath, UpdatedAt: s.UpdatedAt}
	if v.RoleMap == nil {
		v.RoleMap = map[string]ward.Role{}
	}
	if v.MFAACR == nil {
		v.MFAACR = []string{}
	}
	return v
}

func (h *Handler) getOIDCConfig(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *sso.Service) error {
	s, err := svc.OIDCConfig(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.viewOIDC(r, s))
	return nil
}

func (h *Handler) putOIDCConfig(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *sso.Service) error {
	var v oidcConfigView
	if err := decode(r, &v); err != nil {
		return err
	}
	s, err := svc.PutOIDCConfig(r.Context(), p, sso.OIDCSettings{Enabled: v.Enabled, Issuer: v.Issuer, ClientID: v.ClientID,
		ClientSecret: v.ClientSecret, Label: v.Label, GroupsClaim: v.GroupsClaim, RoleMap: v.RoleMap, DefaultRole: v.DefaultRole,
		TrustIdPMFA: v.TrustIdPMFA, MFAACR: v.MFAACR})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.viewOIDC(r, s))
	return nil
}

func (h *Handler) getSCIMToken(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *sso.Service) error {
	t, err := svc.SCIMTokenInfo(r.Context(), p)
	if err != nil {
		return err
	}
	out := map[string]any{"exists": !t.CreatedAt.IsZero(), "base_url": h.ownOrigin(r) + "/scim/v2"}
	if !t.CreatedAt.IsZero() {
		out["created_at"] = t.CreatedAt
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) issueSCIMToken(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *sso.Service) error {
	tok, err := svc.IssueSCIMToken(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "base_url": h.ownOrigin(r) + "/scim/v2"})
	return nil
}

func (h *Handler) revokeSCIMToken(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *sso.Service) error {
	if err := svc.RevokeSCIMToken(r.Context(), p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
