package passkeys_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/passkeytest"
)

// The fixture's relying party is the zero passkeys.Config: localhost.
const testOrigin = "https://localhost"

// enrolPasskey registers a new software passkey for p.
func enrolPasskey(t *testing.T, f *apptest.Fixture, p *app.Principal, name string) (*passkeytest.Authenticator, passkeys.Registration) {
	t.Helper()
	ctx := context.Background()
	key, err := passkeytest.New(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := f.App.Passkeys().BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := key.Register(ch.Options)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := f.App.Passkeys().FinishRegistration(ctx, p, ch.ID, name, resp)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return key, reg
}

// passkeyLogin signs in with a password and the passkey's answer to a new
// challenge; tamper, if set, changes the authenticator before it answers.
func passkeyLogin(f *apptest.Fixture, email, pw string, key *passkeytest.Authenticator, tamper func()) (app.LoginResult, error) {
	ctx := context.Background()
	req := app.LoginRequest{Email: email, Password: pw, DeviceID: "device-passkey-1", DeviceName: "laptop", IP: "10.0.0.2"}
	ch, err := f.App.BeginPasskeyLogin(ctx, req)
	if err != nil {
		return app.LoginResult{}, err
	}
	if tamper != nil {
		tamper()
	}
	resp, err := key.Assert(ch.Options)
	if err != nil {
		return app.LoginResult{}, err
	}
	req.WebAuthn = &passkeys.Assertion{ChallengeID: ch.ID, Response: resp}
	return f.App.Login(ctx, req)
}

// With MFA required, a user without a second factor enrols a passkey
// instead of TOTP, then signs in with password + passkey.
func TestPasskeyEnrolAndSignIn(t *testing.T) {
	f := apptest.New(t, true)
	ctx := context.Background()
	u, pw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	p, token := f.MustLogin(t, u.Email, pw, "device-nina-1")
	if !p.Session.MFAPending {
		t.Fatal("the session is not restricted to enrolment")
	}

	// A malformed answer changes nothing: the challenge stays usable.
	ch, err := f.App.Passkeys().BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.App.Passkeys().FinishRegistration(ctx, p, ch.ID, "x", []byte(`{"id":"nope"}`))
	apptest.WantCode(t, err, ward.CodeInvalid)

	key, reg := enrolPasskey(t, f, p, "Work laptop")
	if len(reg.RecoveryCodes) != 10 || reg.Passkey.Name != "Work laptop" || reg.Passkey.ID != key.CredentialID() {
		t.Fatalf("registration %+v", reg)
	}
	p2, err := f.App.Authenticate(ctx, token, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Directory(ctx, p2); err != nil {
		t.Errorf("after passkey enrolment the session is still restricted: %v", err)
	}
	list, err := f.App.Passkeys().List(ctx, p2)
	if err != nil || len(list) != 1 || list[0].Name != "Work laptop" || !list[0].LastUsedAt.IsZero() {
		t.Fatalf("Passkeys = %+v %v", list, err)
	}

	// Password alone: mfa_required, naming the factor the user has.
	_, err = f.Login(u.Email, pw, "device-nina-1", "10.0.0.1")
	var we *ward.Error
	if !errors.As(err, &we) || we.Code != ward.CodeMFARequired || !slices.Equal(we.Factors, []string{"webauthn"}) {
		t.Fatalf("password alone: %v (factors %v), want mfa_required [webauthn]", err, we)
	}
	// A TOTP code is no second factor for a user without TOTP.
	_, err = f.App.Login(ctx, app.LoginRequest{Email: u.Email, Password: pw, TOTP: "123456", DeviceID: "device-nina-1",
		DeviceName: "phone", IP: "10.0.0.1"})
	apptest.WantCode(t, err, ward.CodeUnauth)

	res, err := passkeyLogin(f, u.Email, pw, key, nil)
	if err != nil {
		t.Fatalf("password + passkey: %v", err)
	}
	if len(res.EnrollmentRequired) != 0 {
		t.Errorf("EnrollmentRequired %v after a passkey sign-in", res.EnrollmentRequired)
	}
	if _, err := f.App.Authenticate(ctx, res.Token, "10.0.0.2"); err != nil {
		t.Fatal(err)
	}

	// The challenge step checks the password like Login does.
	_, err = f.App.BeginPasskeyLogin(ctx, app.LoginRequest{Email: u.Email, Password: "wrong wrong wrong",
		DeviceID: "device-passkey-1", DeviceName: "laptop", IP: "10.0.0.2"})
	apptest.WantCode(t, err, ward.CodeUnauth)
	_, err = f.App.BeginPasskeyLogin(ctx, app.LoginRequest{Email: "nobody@stmary.example", Password: pw,
		DeviceID: "device-passkey-1", DeviceName: "laptop", IP: "10.0.0.2"})
	apptest.WantCode(t, err, ward.CodeUnauth)

	actions := f.AuditActions(t)
	for _, want := range []string{"mfa.enrolled", "login.succeeded", "login.failed"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}

// Phishing, replay, a stale challenge and a cloned key all fail.
func TestPasskeyAttacks(t *testing.T) {
	f := apptest.New(t, true)
	ctx := context.Background()
	u, pw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	p, _ := f.MustLogin(t, u.Email, pw, "device-nina-1")
	key, _ := enrolPasskey(t, f, p, "key")

	// A registration challenge is single-use.
	ch, err := f.App.Passkeys().BeginRegistration(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := passkeytest.New(testOrigin)
	resp, _ := other.Register(ch.Options)
	if _, err := f.App.Passkeys().FinishRegistration(ctx, p, ch.ID, "second", resp); err != nil {
		t.Fatal(err)
	}
	_, err = f.App.Passkeys().FinishRegistration(ctx, p, ch.ID, "second again", resp)
	apptest.WantCode(t, err, ward.CodeConflict)

	// A registration from the wrong origin is refused.
	ch, _ = f.App.Passkeys().BeginRegistration(ctx, p)
	phished, _ := passkeytest.New("https://stmary-login.example")
	resp, _ = phished.Register(ch.Options)
	_, err = f.App.Passkeys().FinishRegistration(ctx, p, ch.ID, "phished", resp)
	apptest.WantCode(t, err, ward.CodeInvalid)

	// Replay: the same assertion and challenge a second time.
	req := app.LoginRequest{Email: u.Email, Password: pw, DeviceID: "device-nina-2", DeviceName: "laptop", IP: "10.0.0.2"}
	lc, err := f.App.BeginPasskeyLogin(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	assertion, _ := key.Assert(lc.Options)
	req.WebAuthn = &passkeys.Assertion{ChallengeID: lc.ID, Response: assertion}
	if _, err := f.App.Login(ctx, req); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, err = f.App.Login(ctx, req)
	apptest.WantCode(t, err, ward.CodeUnauth)

	// The wrong origin (a phishing site relaying the challenge) fails.
	_, err = passkeyLogin(f, u.Email, pw, key, func() { key.Origin = "https://stmary-login.example" })
	apptest.WantCode(t, err, ward.CodeUnauth)
	key.Origin = testOrigin

	// A cloned key: its counter is behind the one ward saw last.
	seen := key.Counter - 1 // the phished attempt was never accepted
	_, err = passkeyLogin(f, u.Email, pw, key, func() { key.Counter = seen - 1 })
	apptest.WantCode(t, err, ward.CodeUnauth)
	key.Counter = seen + 10
	if _, err := passkeyLogin(f, u.Email, pw, key, nil); err != nil {
		t.Fatalf("the real key after a clone attempt: %v", err)
	}

	// A challenge older than five minutes has expired.
	_, err = passkeyLogin(f, u.Email, pw, key, func() { f.Clock.Advance(5*time.Minute + time.Second) })
	apptest.WantCode(t, err, ward.CodeUnauth)
	// Another user's challenge, or another user's passkey, is of no use.
	v, vpw := f.AddUser(t, ward.RoleClinician, "vic@stmary.example", "Vic")
	vreq := app.LoginRequest{Email: v.Email, Password: vpw, DeviceID: "device-vic-1", DeviceName: "pc", IP: "10.0.0.3"}
	_, err = f.App.BeginPasskeyLogin(ctx, vreq)
	apptest.WantCode(t, err, ward.CodeConflict) // Vic has no passkey yet
	pv, _ := f.MustLogin(t, v.Email, vpw, "device-vic-1")
	enrolPasskey(t, f, pv, "vic's key")
	lc, err = f.App.BeginPasskeyLogin(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	assertion, _ = key.Assert(lc.Options)
	vreq.WebAuthn = &passkeys.Assertion{ChallengeID: lc.ID, Response: assertion}
	_, err = f.App.Login(ctx, vreq)
	apptest.WantCode(t, err, ward.CodeUnauth)
	vc, err := f.App.BeginPasskeyLogin(ctx, vreq)
	if err != nil {
		t.Fatal(err)
	}
	assertion, _ = key.Assert(vc.Options)
	vreq.WebAuthn = &passkeys.Assertion{ChallengeID: vc.ID, Response: assertion}
	_, err = f.App.Login(ctx, vreq)
	apptest.WantCode(t, err, ward.CodeUnauth)
}

// Passkeys and TOTP together; removing passkeys; an admin reset.
func TestPasskeyWithTOTPAndRemoval(t *testing.T) {
	f := apptest.New(t, true)
	ctx := context.Background()
	u, pw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	p, _ := f.MustLogin(t, u.Email, pw, "device-nina-1")
	key, reg := enrolPasskey(t, f, p, "key")

	// Only factor under required MFA: it cannot be removed.
	apptest.WantCode(t, f.App.Passkeys().Delete(ctx, p, reg.Passkey.ID), ward.CodeConflict)
	apptest.WantCode(t, f.App.Passkeys().Delete(ctx, p, "not-a-passkey"), ward.CodeNotFound)
	apptest.WantCode(t, f.App.Passkeys().Delete(ctx, p, "%%%"), ward.CodeNotFound)

	// TOTP next to it: recovery codes from the passkey enrolment survive
	// BeginTOTP; ConfirmTOTP gives a fresh set.
	en, err := f.App.BeginTOTP(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, f.Clock.Now())
	recovery, err := f.App.ConfirmTOTP(ctx, p, code)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Login(u.Email, pw, "device-nina-1", "10.0.0.1")
	var we *ward.Error
	if !errors.As(err, &we) || !slices.Equal(we.Factors, []string{"totp", "webauthn"}) {
		t.Fatalf("password alone: %v, want factors [totp webauthn]", err)
	}
	if _, err := f.App.Login(ctx, app.LoginRequest{Email: u.Email, Password: pw, RecoveryCode: recovery[0],
		DeviceID: "device-nina-1", DeviceName: "phone", IP: "10.0.0.1"}); err != nil {
		t.Fatalf("recovery code: %v", err)
	}

	// Now the passkey can go; another user cannot remove it.
	v, vpw := f.AddUser(t, ward.RoleClinician, "vic@stmary.example", "Vic")
	pv, _ := f.MustLogin(t, v.Email, vpw, "device-vic-1")
	_, vreg := enrolPasskey(t, f, pv, "vic's key")
	apptest.WantCode(t, f.App.Passkeys().Delete(ctx, pv, reg.Passkey.ID), ward.CodeNotFound)
	if err := f.App.Passkeys().Delete(ctx, p, reg.Passkey.ID); err != nil {
		t.Fatal(err)
	}
	_, err = passkeyLogin(f, u.Email, pw, key, nil)
	apptest.WantCode(t, err, ward.CodeConflict) // no passkey left

	// An admin's MFA reset removes passkeys too.
	admin, apw := f.AddUser(t, ward.RoleAdmin, "ada@stmary.example", "Ada Admin")
	pa, _ := f.MustLogin(t, admin.Email, apw, "device-ada-1")
	enrolPasskey(t, f, pa, "ada's key")
	if err := f.App.ResetMFA(ctx, pa, v.ID); err != nil {
		t.Fatal(err)
	}
	res, err := f.Login(v.Email, vpw, "device-vic-1", "10.0.0.3")
	if err != nil || len(res.EnrollmentRequired) == 0 {
		t.Fatalf("after a reset: %+v %v", res.EnrollmentRequired, err)
	}
	pv2, _ := f.App.Authenticate(ctx, res.Token, "10.0.0.3")
	if list, err := f.App.Passkeys().List(ctx, pv2); err != nil || len(list) != 0 {
		t.Errorf("passkeys after a reset: %+v %v (had %s)", list, err, vreg.Passkey.ID)
	}
}
