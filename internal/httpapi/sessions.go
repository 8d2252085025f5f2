package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/passkeys"
)

type loginRequest struct {
	Org          string `json:"org"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	TOTP         string `json:"totp"`
	RecoveryCode string `json:"recovery_code"`
	// WebAuthn is a passkey's answer to POST /api/v1/sessions/webauthn/challenge.
	WebAuthn *webauthnAnswer `json:"webauthn"`
	Device   struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		// Secret is what the server issued the device at its first
		// sign-in (device_secret); without it the device is a new one.
		Secret string `json:"secret"`
		// OtherSecrets are the secrets the client keeps for this device
		// id under its other sign-ins (an email an admin changed since,
		// another account of a shared browser), at most 8: a device of
		// this account found by one of them is this device, and the answer
		// carries its secret back as device_secret.
		OtherSecrets []string `json:"other_secrets"`
	} `json:"device"`
	// Cookie asks for the session in an HttpOnly cookie (web clients)
	// instead of a token in the answer (API clients).
	Cookie bool `json:"cookie"`
}

type loginResponse struct {
	Token              string      `json:"token,omitempty"`
	CSRFToken          string      `json:"csrf_token,omitempty"`
	User               userView    `json:"user"`
	Device             deviceView  `json:"device"`
	ExpiresAt          time.Time   `json:"expires_at"`
	IdleTimeout        int64       `json:"idle_timeout"` // seconds
	EnrollmentRequired []string    `json:"enrollment_required,omitempty"`
	Session            sessionView `json:"session"`
	// DeviceSecret, on a device's first sign-in, or when the device was
	// found by one of device.other_secrets: keep it, send it as
	// device.secret from then on.
	DeviceSecret string `json:"device_secret,omitempty"`
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	lr := app.LoginRequest{
		Org: req.Org, Email: req.Email, Password: req.Password, TOTP: req.TOTP, RecoveryCode: req.RecoveryCode,
		DeviceID: req.Device.ID, DeviceSecret: req.Device.Secret, OtherDeviceSecrets: req.Device.OtherSecrets, DeviceName: req.Device.Name,
		IP: h.clientIP(r), UserAgent: r.UserAgent(),
	}
	if req.WebAuthn != nil {
		if err := req.WebAuthn.check(); err != nil {
			return err
		}
		lr.WebAuthn = &passkeys.Assertion{ChallengeID: req.WebAuthn.ChallengeID, Response: req.WebAuthn.Response}
	}
	res, err := h.app.Login(r.Context(), lr)
	if err != nil {
		return err
	}
	h.writeLogin(w, res, req.Cookie)
	return nil
}

// writeLogin answers a new session (a sign-in, an accepted invitation).
func (h *Handler) writeLogin(w http.ResponseWriter, res app.LoginResult, cookie bool) {
	out := loginResponse{User: viewUser(res.User), Device: viewDevice(res.Device), ExpiresAt: res.Session.ExpiresAt,
		IdleTimeout: int64(res.IdleTimeout / time.Second), EnrollmentRequired: res.EnrollmentRequired,
		Session: viewSession(res.Session, res.Session.ID), DeviceSecret: res.DeviceSecret}
	if cookie {
		http.SetCookie(w, &http.Cookie{Name: auth.SessionCookieName, Value: res.Token, Path: "/",
			Expires: res.Session.ExpiresAt, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
		out.CSRFToken = auth.CSRFToken(res.Token)
	} else {
		out.Token = res.Token
	}
	writeJSON(w, http.StatusCreated, out)
}

func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if err := h.app.Logout(r.Context(), p); err != nil {
		return err
	}
	clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) signOutEverywhere(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if err := h.app.SignOutEverywhere(r.Context(), p); err != nil {
		return err
	}
	clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	ss, err := h.app.Sessions(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]sessionView, len(ss))
	for i, s := range ss {
		out[i] = viewSession(s, p.Session.ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if err := h.app.RevokeSession(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meResponse struct {
	User        userView    `json:"user"`
	Device      deviceView  `json:"device"`
	Session     sessionView `json:"session"`
	IdleTimeout int64       `json:"idle_timeout"` // seconds; the client warns before it runs out
	MFAPending  bool        `json:"mfa_enrollment_required"`
	Org         orgView     `json:"org"`
}

// orgView is the caller's org as every member of it may see it: the
// clinic's name is not PHI (a guest's thread is titled with it).
type orgView struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	o, err := h.app.OrgOf(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meResponse{User: viewUser(p.User), Device: viewDevice(p.Device),
		Session: viewSession(p.Session, p.Session.ID), IdleTimeout: int64(p.Policy.IdleTimeout.D() / time.Second),
		MFAPending: p.Session.MFAPending, Org: orgView{ID: o.ID, Slug: o.Slug, Name: o.Name}})
	return nil
}

func (h *Handler) beginTOTP(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	en, err := h.app.BeginTOTP(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"secret": en.Secret, "otpauth_url": en.URL})
	return nil
}

func (h *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	codes, err := h.app.ConfirmTOTP(r.Context(), p, req.Code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
	return nil
}

func (h *Handler) confirmWipe(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if err := h.app.ConfirmWipe(r.Context(), p); err != nil {
		return err
	}
	clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := h.app.ChangePassword(r.Context(), p, req.Current, req.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reauth proves again who the caller is, with the password or a TOTP code,
// so that the session may change a second factor for the next few minutes
// (routes that need it answer 403 reauth_required).
func (h *Handler) reauth(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		Password string `json:"password"`
		TOTP     string `json:"totp"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := h.app.Reauthenticate(r.Context(), p, req.Password, req.TOTP); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
