package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
)

// Finding 6: guessing the current password through a password change is
// throttled on the sign-in budget of the account, and every failure is
// audited.
func TestPasswordChangeThrottledAndAudited(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	p, _ := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	wrong, limited := 0, 0
	for i := range 25 {
		err := f.App.ChangePassword(ctx, p, fmt.Sprintf("guess number %d", i), "a brand new passphrase")
		switch ward.ErrorCode(err) {
		case ward.CodeInvalid:
			wrong++
		case ward.CodeRateLimited:
			limited++
		default:
			t.Fatalf("guess %d: %v", i, err)
		}
		f.Clock.Advance(100 * time.Millisecond)
	}
	if limited < 15 || wrong > 10 {
		t.Errorf("25 guesses: %d wrong-password answers, %d throttled; want throttling after a few", wrong, limited)
	}
	// One budget with sign-in: the right password cannot sign in now.
	if _, err := f.Login(nurse.Email, npw, "device-nina-2", "10.9.9.9"); ward.ErrorCode(err) != ward.CodeRateLimited {
		t.Errorf("sign-in after the guesses: %v, want rate_limited", err)
	}
	recs, _ := signinAuditRecords(t, f)
	failed := 0
	for _, r := range recs {
		if r.Action == string(audit.PasswordChangeFailed) {
			failed++
			if r.Outcome != string(audit.Failure) || r.ResourceID != nurse.ID {
				t.Errorf("event %+v, want outcome failure on the user", r)
			}
		}
	}
	// Every guess that reached the hasher is audited: the wrong-password
	// answers, and the few that a lock answered after their check.
	if failed < wrong || failed > 10 {
		t.Errorf("%d password.change_failed events for %d wrong-password answers of 25 guesses", failed, wrong)
	}
	// After the lock, the right password changes it, and the session is
	// freshly authenticated by it.
	f.Clock.Advance(16 * time.Minute)
	p, _ = f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	if err := f.App.ChangePassword(ctx, p, npw, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
}

// Finding 6: enrolling or removing a second factor needs a sign-in or a
// re-authentication within the last few minutes.
func TestReauthRequiredForFactorChange(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	p, token := f.MustLogin(t, nurse.Email, npw, "device-nina-1")
	if _, err := f.App.BeginTOTP(ctx, p); err != nil {
		t.Fatalf("right after sign-in: %v", err)
	}
	// Stay active, but let the sign-in get old.
	for range 7 {
		f.Clock.Advance(time.Minute)
		var err error
		if p, err = f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.App.BeginTOTP(ctx, p)
	wantCode(t, err, ward.CodeReauthRequired)
	_, err = f.App.Passkeys().BeginRegistration(ctx, p)
	wantCode(t, err, ward.CodeReauthRequired)
	wantCode(t, f.App.Passkeys().Delete(ctx, p, "AAAA"), ward.CodeReauthRequired)

	wantCode(t, f.App.Reauthenticate(ctx, p, "not my password", ""), ward.CodeInvalid)
	if err := f.App.Reauthenticate(ctx, p, npw, ""); err != nil {
		t.Fatal(err)
	}
	if p, err = f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	en, err := f.App.BeginTOTP(ctx, p)
	if err != nil {
		t.Fatalf("after re-authentication: %v", err)
	}
	code, _ := totp.GenerateCode(en.Secret, f.Clock.Now())
	if _, err := f.App.ConfirmTOTP(ctx, p, code); err != nil {
		t.Fatal(err)
	}

	// A TOTP code re-authenticates too, once.
	f.Clock.Advance(6 * time.Minute)
	if p, err = f.App.Authenticate(ctx, token, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	_, err = f.App.Passkeys().BeginRegistration(ctx, p)
	wantCode(t, err, ward.CodeReauthRequired)
	code, _ = totp.GenerateCode(en.Secret, f.Clock.Now())
	if err := f.App.Reauthenticate(ctx, p, "", code); err != nil {
		t.Fatalf("TOTP re-authentication: %v", err)
	}
	wantCode(t, f.App.Reauthenticate(ctx, p, "", code), ward.CodeInvalid) // a replay
	if _, err := f.App.Passkeys().BeginRegistration(ctx, p); err != nil {
		t.Fatalf("after TOTP re-authentication: %v", err)
	}

	recs, _ := signinAuditRecords(t, f)
	var ok, failed int
	for _, r := range recs {
		switch {
		case r.Action == string(audit.SessionReauthenticated) && r.Outcome == string(audit.Success):
			ok++
		case r.Action == string(audit.SessionReauthenticated) && r.Outcome == string(audit.Failure):
			failed++
		}
	}
	if ok != 2 || failed != 2 {
		t.Errorf("%d successful and %d failed re-authentications audited, want 2 and 2", ok, failed)
	}
}

// Finding 6: a session that must enrol a factor right after its sign-in
// is fresh by that sign-in, however long enrolment takes within the idle
// timeout.
func TestReauthNotNeededForForcedEnrolment(t *testing.T) {
	f := MustFixture(t, true)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	res, err := f.Login(nurse.Email, npw, "device-nina-1", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(10 * time.Minute)
	p, err := f.App.Authenticate(ctx, res.Token, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.BeginTOTP(ctx, p); err != nil {
		t.Fatalf("forced enrolment 10 minutes after sign-in: %v", err)
	}
}

// A session that a later policy change made enrol-only is not fresh by its
// old sign-in: a session left open on a shared workstation must not let the
// finder enrol their authenticator on an account that has none.
func TestReauthNeededForEnrolmentByPolicy(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	po, _ := f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner-1")
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	res, err := f.Login(nurse.Email, npw, "device-nina-1", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(10 * time.Minute)
	pol, err := f.App.Policy(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	pol.MFARequired = true
	if _, err := f.App.UpdatePolicy(ctx, po, pol); err != nil {
		t.Fatal(err)
	}
	p, err := f.App.Authenticate(ctx, res.Token, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Session.MFAPending {
		t.Fatal("a session without a second factor is not enrol-only after MFA became required")
	}
	_, err = f.App.BeginTOTP(ctx, p)
	wantCode(t, err, ward.CodeReauthRequired)
	if err := f.App.Reauthenticate(ctx, p, npw, ""); err != nil {
		t.Fatal(err)
	}
	if p, err = f.App.Authenticate(ctx, res.Token, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.BeginTOTP(ctx, p); err != nil {
		t.Fatalf("enrolment right after re-authenticating: %v", err)
	}
}

// The session list shows each session as the org's policy holds it now: a
// lifetime shortened since sign-in shortens the expiry shown, and a session
// past the new lifetime is not listed as live.
func TestSessionListFollowsPolicy(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	nurse, npw := f.AddUser(t, ward.RoleClinician, "nina@stmary.example", "Nina Nurse")
	if _, err := f.Login(nurse.Email, npw, "device-nina-1", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(3 * time.Hour)
	_, token := f.MustLogin(t, nurse.Email, npw, "device-nina-2")
	po, _ := f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner-1")
	pol, err := f.App.Policy(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	pol.SessionLifetime = ward.Duration(2 * time.Hour)
	if _, err := f.App.UpdatePolicy(ctx, po, pol); err != nil {
		t.Fatal(err)
	}
	p, err := f.App.Authenticate(ctx, token, "10.0.0.1") // a request after the change
	if err != nil {
		t.Fatal(err)
	}
	ss, err := f.App.Sessions(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || ss[0].ID != p.Session.ID {
		t.Fatalf("live sessions %+v, want only the one made after the first ended (%s)", ss, p.Session.ID)
	}
	if want := ss[0].CreatedAt.Add(2 * time.Hour); !ss[0].ExpiresAt.Equal(want) {
		t.Fatalf("expiry shown %v, want the shortened %v", ss[0].ExpiresAt, want)
	}
}
