package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/passkeys"
)

// webauthnRoutes are passkey enrolment and the challenge step of signing in
// with a passkey (POST /api/v1/sessions finishes it).
func (h *Handler) webauthnRoutes() {
	h.route("POST /api/v1/mfa/webauthn", authz.MFAEnroll, h.beginPasskeyRegistration)
	h.route("POST /api/v1/mfa/webauthn/confirm", authz.MFAEnroll, h.finishPasskeyRegistration)
	h.route("GET /api/v1/mfa/webauthn", authz.MFAEnroll, h.listPasskeys)
	h.route("DELETE /api/v1/mfa/webauthn/{id}", authz.MFAEnroll, h.deletePasskey)
	h.public("POST /api/v1/sessions/webauthn/challenge", h.passkeyLoginChallenge)
}

// passkeyChallengeView is a started ceremony: options go to
// navigator.credentials.create (registration) or .get (sign-in) as they
// are, after the client turns their base64url members into ArrayBuffers
// (PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON).
type passkeyChallengeView struct {
	ChallengeID string          `json:"challenge_id"`
	Options     json.RawMessage `json:"options"`
}

type passkeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func viewPasskey(k passkeys.Passkey) passkeyView {
	v := passkeyView{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt}
	if !k.LastUsedAt.IsZero() {
		v.LastUsedAt = &k.LastUsedAt
	}
	return v
}

// webauthnAnswer is what a client sends back from the authenticator: the
// challenge id and the PublicKeyCredential (its toJSON() form).
type webauthnAnswer struct {
	ChallengeID string          `json:"challenge_id"`
	Response    json.RawMessage `json:"response"`
}

func (a webauthnAnswer) check() error {
	if a.ChallengeID == "" || len(a.ChallengeID) > 64 {
		return ward.Errorf(ward.CodeInvalid, "challenge_id is required")
	}
	if len(a.Response) == 0 || a.Response[0] != '{' {
		return ward.Errorf(ward.CodeInvalid, "response must be the authenticator's PublicKeyCredential as a JSON object")
	}
	return nil
}

func (h *Handler) beginPasskeyRegistration(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	ch, err := h.app.Passkeys().BeginRegistration(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, passkeyChallengeView{ChallengeID: ch.ID, Options: ch.Options})
	return nil
}

func (h *Handler) finishPasskeyRegistration(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		webauthnAnswer
		Name string `json:"name"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	reg, err := h.app.Passkeys().FinishRegistration(r.Context(), p, req.ChallengeID, req.Name, req.Response)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"passkey": viewPasskey(reg.Passkey), "recovery_codes": reg.RecoveryCodes})
	return nil
}

func (h *Handler) listPasskeys(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	keys, err := h.app.Passkeys().List(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]passkeyView, len(keys))
	for i, k := range keys {
		out[i] = viewPasskey(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"passkeys": out})
	return nil
}

func (h *Handler) deletePasskey(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if err := h.app.Passkeys().Delete(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// passkeyLoginChallenge checks the password (as POST /api/v1/sessions
// does) and answers a challenge for the user's passkeys.
func (h *Handler) passkeyLoginChallenge(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Org      string `json:"org"`
		Email    string `json:"email"`
		Password string `json:"password"`
		Device   struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Secret string `json:"secret"` // accepted as in POST /api/v1/sessions; checked at that sign-in
		} `json:"device"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	ch, err := h.app.BeginPasskeyLogin(r.Context(), app.LoginRequest{Org: req.Org, Email: req.Email, Password: req.Password,
		DeviceID: req.Device.ID, DeviceName: req.Device.Name, IP: h.clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, passkeyChallengeView{ChallengeID: ch.ID, Options: ch.Options})
	return nil
}
