package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// Issue 4, show 1: password + TOTP; with MFA required, a user without a
// second factor is led to enrol first.
func TestLoginWithTOTPAndEnrolment(t *testing.T) {
	f := MustFixture(t, true)
	ctx := context.Background()
	u, pw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")

	res, err := f.Login(u.Email, pw, "device-nina-1", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.EnrollmentRequired, []string{"totp", "webauthn"}) { // either one
		t.Fatalf("EnrollmentRequired %v, want [totp webauthn]", res.EnrollmentRequired)
	}
	p, err := f.App.Authenticate(ctx, res.Token, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.App.Directory(ctx, p)
	wantCode(t, err, ward.CodeMFAEnrollment)

	en, err := f.App.BeginTOTP(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.App.ConfirmTOTP(ctx, p, "000000")
	wantCode(t, err, ward.CodeInvalid)
	code, _ := totp.GenerateCode(en.Secret, f.Clock.Now())
	recovery, err := f.App.ConfirmTOTP(ctx, p, code)
	if err != nil {
		t.Fatal(err)
	}
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(recovery))
	}
	if _, err := f.App.Directory(ctx, p); err != nil {
		t.Errorf("after enrolment the session is still restricted: %v", err)
	}

	// The next sign-in needs the second factor.
	f.Clock.Advance(time.Minute)
	_, err = f.Login(u.Email, pw, "device-nina-1", "10.0.0.1")
	wantCode(t, err, ward.CodeMFARequired)
	code, _ = totp.GenerateCode(en.Secret, f.Clock.Now())
	login := func(totpCode, recoveryCode string) error {
		_, err := f.App.Login(ctx, app.LoginRequest{Email: u.Email, Password: pw, TOTP: totpCode, RecoveryCode: recoveryCode,
			DeviceID: "device-nina-1", DeviceName: "phone", IP: "10.0.0.1"})
		return err
	}
	if err := login(code, ""); err != nil {
		t.Fatalf("password + TOTP: %v", err)
	}
	wantCode(t, login(code, ""), ward.CodeUnauth) // the same code again is a replay
	if err := login("", recovery[3]); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	wantCode(t, login("", recovery[3]), ward.CodeUnauth) // one use only
	wantCode(t, login("", "zzzz-zzzz-zzzz"), ward.CodeUnauth)

	actions := f.AuditActions(t)
	for _, want := range []string{"login.succeeded", "mfa.enrolled", "login.failed"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}

// Issue 4, show 2: after the idle timeout the server refuses the session.
func TestIdleTimeoutIsEnforcedByTheServer(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	u, pw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	_, token := f.MustLogin(t, u.Email, pw, "device-nina-1")
	idle := ward.DefaultPolicy().IdleTimeout.D()

	// Activity keeps the session alive past one idle period.
	for range 3 {
		f.Clock.Advance(idle / 2)
		if _, err := f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
			t.Fatalf("active session refused: %v", err)
		}
	}
	f.Clock.Advance(idle)
	_, err := f.App.Authenticate(ctx, token, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)
	// Coming back does not revive it.
	f.Clock.Advance(-idle)
	_, err = f.App.Authenticate(ctx, token, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)
	if !slices.Contains(f.AuditActions(t), "session.expired") {
		t.Error("idle logoff is not in the audit trail")
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	u, pw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	_, token := f.MustLogin(t, u.Email, pw, "device-nina-1")
	life := ward.DefaultPolicy().SessionLifetime.D()
	step := ward.DefaultPolicy().IdleTimeout.D() / 2
	for elapsed := step; elapsed < life; elapsed += step {
		f.Clock.Advance(step)
		if _, err := f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
			t.Fatalf("refused after %v of activity: %v", elapsed, err)
		}
	}
	f.Clock.Advance(step)
	_, err := f.App.Authenticate(ctx, token, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)
}

// Issue 4, show 3: an admin wipes a device; its very next call gets the
// wipe order; the audit trail shows requested, delivered and confirmed.
func TestRemoteWipe(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	admin, apw := f.AddUser(t, ward.RoleAdmin, "ada@stmary.example", "Ada Admin")
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	pa, _ := f.MustLogin(t, admin.Email, apw, "device-admin-1")
	pn, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")

	// A clinician may not wipe anyone.
	_, err := f.App.ActOnDevice(ctx, pn, pn.Device.ID, app.WipeDevice)
	wantCode(t, err, ward.CodeForbidden)

	d, err := f.App.ActOnDevice(ctx, pa, pn.Device.ID, app.WipeDevice)
	if err != nil || d.Wipe != ward.WipeRequested {
		t.Fatalf("wipe: %+v %v", d, err)
	}
	p, err := f.App.Authenticate(ctx, token, "10.0.0.1")
	wantCode(t, err, ward.CodeDeviceWiped)
	if p == nil {
		t.Fatal("no principal with the wipe order")
	}
	// It cannot do anything else, but it can confirm.
	if err := f.App.ConfirmWipe(ctx, p); err != nil {
		t.Fatal(err)
	}
	devices, err := f.App.Devices(ctx, pa, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		if d.ID == pn.Device.ID && (d.Wipe != ward.WipeConfirmed || d.Status != ward.DeviceWiped) {
			t.Errorf("device after confirmation: %+v", d)
		}
	}
	_, err = f.App.Authenticate(ctx, token, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)
	// The wiped device cannot sign in again.
	_, err = f.Login(nurse.Email, npw, "device-nina-1", "10.0.0.1")
	wantCode(t, err, ward.CodeDeviceWiped)

	var wipes []string
	for _, a := range f.AuditActions(t) {
		if len(a) > 11 && a[:11] == "device.wipe" {
			wipes = append(wipes, a)
		}
	}
	want := []string{"device.wipe_requested", "device.wipe_delivered", "device.wipe_confirmed"}
	if !slices.Equal(wipes, want) {
		t.Errorf("wipe audit trail %v, want %v", wipes, want)
	}
}

func TestLockRevokesAtOnceAndApproval(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	po, _ := f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner-1")
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	pn, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	if _, err := f.App.ActOnDevice(ctx, po, pn.Device.ID, app.LockDevice); err != nil {
		t.Fatal(err)
	}
	_, err := f.App.Authenticate(ctx, token, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)

	// With device approval on, a new device waits for an admin.
	pol := ward.DefaultPolicy()
	pol.MFARequired, pol.DeviceApproval = false, true
	if _, err := f.App.UpdatePolicy(ctx, po, pol); err != nil {
		t.Fatal(err)
	}
	_, err = f.Login(nurse.Email, npw, "device-nina-2", "10.0.0.1")
	wantCode(t, err, ward.CodeDevicePending)
	ds, _ := f.App.Devices(ctx, po, true)
	var pending string
	for _, d := range ds {
		if d.ClientID == "device-nina-2" {
			pending = d.ID
		}
	}
	if _, err := f.App.ActOnDevice(ctx, po, pending, app.ApproveDevice); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Login(nurse.Email, npw, "device-nina-2", "10.0.0.1"); err != nil {
		t.Errorf("approved device: %v", err)
	}
}

// Issue 4, show 5: 200 wrong passwords from one address against one
// account are throttled; the real user gets in from another address once
// the lock expires.
func TestPasswordGuessingIsThrottled(t *testing.T) {
	f := MustFixture(t, false)
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	limited, wrong := 0, 0
	for i := range 200 {
		_, err := f.Login(nurse.Email, "not the password at all", "device-attacker", "203.0.113.9")
		switch ward.ErrorCode(err) {
		case ward.CodeRateLimited:
			limited++
			var we *ward.Error
			if e, ok := err.(*ward.Error); ok {
				we = e
			}
			if we == nil || we.RetryAfter <= 0 {
				t.Fatalf("attempt %d: rate_limited without RetryAfter: %v", i, err)
			}
		case ward.CodeUnauth:
			wrong++
		default:
			t.Fatalf("attempt %d: %v", i, err)
		}
		f.Clock.Advance(time.Second)
	}
	if wrong > 20 || limited < 180 {
		t.Errorf("%d wrong-password answers and %d throttled of 200; the throttle let too many through", wrong, limited)
	}
	// While locked, even the right password from elsewhere waits.
	_, err := f.Login(nurse.Email, npw, "device-nina-1", "198.51.100.7")
	wantCode(t, err, ward.CodeRateLimited)
	f.Clock.Advance(16 * time.Minute)
	if _, err := f.Login(nurse.Email, npw, "device-nina-1", "198.51.100.7"); err != nil {
		t.Errorf("real user after the lock expired: %v", err)
	}
}

// An unknown user and a wrong password get the same answer.
func TestNoAccountDiscovery(t *testing.T) {
	f := MustFixture(t, false)
	nurse, _ := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	_, e1 := f.Login(nurse.Email, "wrong password here", "device-x-1", "10.0.0.2")
	_, e2 := f.Login("nobody@stmary.example", "wrong password here", "device-x-1", "10.0.0.3")
	if ward.ErrorCode(e1) != ward.CodeUnauth || e1.Error() != e2.Error() {
		t.Errorf("answers differ: %v / %v", e1, e2)
	}
}

func TestUserAdministration(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	admin, apw := f.AddUser(t, ward.RoleAdmin, "ada@stmary.example", "Ada Admin")
	pa, _ := f.MustLogin(t, admin.Email, apw, "device-admin-1")
	_, err := f.App.CreateUser(ctx, pa, app.NewUser{Email: "x@stmary.example", Name: "X", Role: ward.RoleOwner, Password: "a long enough passphrase"})
	wantCode(t, err, ward.CodeForbidden)
	_, err = f.App.CreateUser(ctx, pa, app.NewUser{Email: "x@stmary.example", Name: "X", Role: ward.RoleClinician, Password: "password1234"})
	wantCode(t, err, ward.CodeInvalid)
	u, err := f.App.CreateUser(ctx, pa, app.NewUser{Email: "X@stmary.example", Name: "X Ray", Role: ward.RoleClinician, Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.App.CreateUser(ctx, pa, app.NewUser{Email: "x@stmary.example", Name: "X again", Role: ward.RoleStaff, Password: "a long enough passphrase"})
	wantCode(t, err, ward.CodeConflict)
	px, token := f.MustLogin(t, u.Email, "a long enough passphrase", "device-x-1")
	_ = px
	yes := true
	if _, err := f.App.UpdateUser(ctx, pa, u.ID, app.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	_, err = f.App.Authenticate(ctx, token, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)
	_, err = f.Login(u.Email, "a long enough passphrase", "device-x-1", "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)
}

func TestAccountAndAdminCutOff(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	admin, apw := f.AddUser(t, ward.RoleAdmin, "ada@stmary.example", "Ada Admin")
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	pa, _ := f.MustLogin(t, admin.Email, apw, "device-admin-1")
	pn, token1 := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	_, token2 := f.MustLogin(t, nurse.Email, npw, "device-nina-2")

	// Changing one's password ends one's other sessions.
	wantCode(t, f.App.ChangePassword(ctx, pn, "not it at all", "a brand new passphrase"), ward.CodeInvalid)
	wantCode(t, f.App.ChangePassword(ctx, pn, npw, "password123456"), ward.CodeInvalid)
	if err := f.App.ChangePassword(ctx, pn, npw, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Authenticate(ctx, token1, "10.0.0.1"); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	_, err := f.App.Authenticate(ctx, token2, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)
	if _, err := f.Login(nurse.Email, "a brand new passphrase", "device-nina-2", "10.0.0.1"); err != nil {
		t.Fatalf("new password: %v", err)
	}

	// An admin cuts every session of a user at once.
	wantCode(t, f.App.RevokeUserSessions(ctx, pn, admin.ID), ward.CodeForbidden)
	if err := f.App.RevokeUserSessions(ctx, pa, nurse.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.App.Authenticate(ctx, token1, "10.0.0.1")
	wantCode(t, err, ward.CodeUnauth)

	// A reset second factor: with MFA required, the next sign-in must enrol.
	pol := ward.DefaultPolicy()
	if _, err := f.App.UpdatePolicy(ctx, pa, pol); err != nil {
		t.Fatal(err)
	}
	if err := f.App.ResetMFA(ctx, pa, nurse.ID); err != nil {
		t.Fatal(err)
	}
	res, err := f.Login(nurse.Email, "a brand new passphrase", "device-nina-1", "10.0.0.1")
	if err != nil || len(res.EnrollmentRequired) == 0 {
		t.Errorf("after an MFA reset under required MFA: %+v %v", res.EnrollmentRequired, err)
	}
	wantCode(t, f.App.ResetMFA(ctx, pa, f.Owner.ID), ward.CodeForbidden)
}
