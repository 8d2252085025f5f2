package sso_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/passkeytest"
	"github.com/wardhealth/ward/internal/sso"
)

// A clinician whose only second factor is a passkey confirms an identity
// provider's sign-in with it: mfa_required names webauthn, the ticket gets
// a challenge (POST /api/v1/sessions/sso/webauthn/challenge), and the
// passkey's answer finishes the sign-in. An answer to another challenge is
// refused and the ticket is kept for a second try; a ticket that is gone
// gets no challenge.
func TestOIDCPasskeyAsSecondFactor(t *testing.T) {
	h := newHarness(t, true)
	h.configure(t, sso.OIDCSettings{})
	h.idp.Add(nurse)
	h.idp.SignsIn(nurse.Subject)
	ctx := context.Background()

	// First sign-in: a session that must enrol a factor; it enrols a passkey.
	c := h.browser(t, nil)
	h.signIn(t, c)
	st, res := h.finish(t, c, nil)
	if st != http.StatusCreated || res["enrollment_required"] == nil {
		t.Fatalf("first sign-in: %d %v", st, res)
	}
	p, err := h.f.App.Authenticate(ctx, res["token"].(string), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	key, err := passkeytest.New("https://localhost")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := h.f.App.Passkeys().BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	made, err := key.Register(reg.Options)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.f.App.Passkeys().FinishRegistration(ctx, p, reg.ID, "phone", made); err != nil {
		t.Fatal(err)
	}
	device := map[string]any{"id": "sso-browser-0001", "name": "test browser", "secret": res["device_secret"]}

	c = h.browser(t, nil)
	h.signIn(t, c)
	st, res = h.finish(t, c, map[string]any{"device": device})
	if st != http.StatusUnauthorized || res["code"] != "mfa_required" || !slices.Contains(res["factors"].([]any), any("webauthn")) {
		t.Fatalf("passkey enrolled: %d %v, want mfa_required naming webauthn", st, res)
	}
	answer := func(k *passkeytest.Authenticator) map[string]any {
		t.Helper()
		st, ch := h.call(t, c, "POST", "/api/v1/sessions/sso/webauthn/challenge", "", map[string]any{})
		if st != http.StatusOK || ch["challenge_id"] == nil {
			t.Fatalf("challenge: %d %v", st, ch)
		}
		opts, _ := json.Marshal(ch["options"])
		resp, err := k.Assert(opts)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{"challenge_id": ch["challenge_id"], "response": json.RawMessage(resp)}
	}
	wrong := answer(key)
	wrong["challenge_id"] = "01a20fde-0000-7000-8000-000000000000"
	if st, res := h.finish(t, c, map[string]any{"device": device, "webauthn": wrong}); st != http.StatusUnauthorized || res["code"] != "unauthenticated" {
		t.Fatalf("an answer to another challenge: %d %v", st, res)
	}
	before := len(h.f.AuditEvents(t, audit.LoginSucceeded))
	st, res = h.finish(t, c, map[string]any{"device": device, "webauthn": answer(key)})
	if st != http.StatusCreated || res["enrollment_required"] != nil || res["token"] == nil {
		t.Fatalf("the passkey: %d %v", st, res)
	}
	if _, err := h.f.App.Authenticate(ctx, res["token"].(string), "127.0.0.1"); err != nil {
		t.Errorf("the session does not work: %v", err)
	}
	if evs := h.f.AuditEvents(t, audit.LoginSucceeded); len(evs) != before+1 || evs[before]["reason"] != "single sign-on" {
		t.Errorf("login.succeeded after the passkey: %v", evs[before:])
	}
	// The ticket was redeemed: no challenge for it any more.
	if st, res := h.call(t, c, "POST", "/api/v1/sessions/sso/webauthn/challenge", "", map[string]any{}); st != http.StatusBadRequest || res["code"] != "sso_state_invalid" {
		t.Errorf("challenge for a used ticket: %d %v", st, res)
	}
}
