package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/realtime"
)

// TestPolicyAppliesToLiveSessions: a policy change applies to sessions
// already signed in, at their next request, and their open sockets close
// at once (the periodic check is an hour away): MFA now required makes a
// session without a second factor enrol-only; a shorter lifetime or idle
// timeout ends sessions older or idler than it.
func TestPolicyAppliesToLiveSessions(t *testing.T) {
	e := newWSEnv(t, realtime.HubOptions{Recheck: time.Hour})
	ctx := context.Background()
	admin, _ := e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop-1")
	nurse, pw := e.f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	patient, ppw := e.f.AddUser(t, ward.RolePatient, "pat@mail.example", "Pat Patient")
	nurse2, pw2 := e.f.AddUser(t, ward.RoleClinician, "nurse2@stmary.example", "Nora Nurse") // no second factor
	setPolicy := func(change func(*ward.Policy)) {
		t.Helper()
		pol, err := e.f.App.Policy(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		change(&pol)
		if _, err := e.f.App.UpdatePolicy(ctx, admin, pol); err != nil {
			t.Fatal(err)
		}
	}
	status := func(token, path string) int {
		t.Helper()
		return wsCall(t, e, http.MethodGet, path, token, "")
	}

	t.Run("mfa required", func(t *testing.T) {
		tok := e.login(t, nurse.Email, pw, "nurse-phone-1")
		c, _ := e.signedIn(t, tok)
		ptok := e.login(t, patient.Email, ppw, "pat-phone-1")
		pc, _ := e.signedIn(t, ptok)
		if st := status(tok, "/api/v1/conversations"); st != http.StatusOK {
			t.Fatalf("before the change: %d", st)
		}
		setPolicy(func(p *ward.Policy) { p.MFARequired = true })
		if st, _ := closed(t, c); st != realtime.StatusDeviceRevoked {
			t.Errorf("the socket of a session without a second factor closed with %d, want 4403", st)
		}
		if st := status(tok, "/api/v1/conversations"); st != http.StatusForbidden {
			t.Errorf("a session without a second factor lists conversations: %d, want 403 (enrol first)", st)
		}
		if st := status(tok, "/api/v1/me"); st != http.StatusOK {
			t.Errorf("the enrol-only session reads its account: %d, want 200", st)
		}
		if c2, _, err := e.dial(t, http.Header{"Authorization": {"Bearer " + tok}}); err == nil {
			if st, _ := closed(t, c2); st != realtime.StatusDeviceRevoked {
				t.Errorf("a new socket of the enrol-only session closed with %d, want 4403", st)
			}
		}
		// Patients are not held to the staff MFA rule.
		e.mustStayOpen(t, pc, patient.ID, "the patient's")
		if st := status(ptok, "/api/v1/conversations"); st != http.StatusOK {
			t.Errorf("a patient's session after the change: %d", st)
		}
		// Enrolling a second factor lifts the restriction.
		pn, err := e.f.App.AuthenticateAutomatic(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		en, err := e.f.App.BeginTOTP(ctx, pn)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(en.Secret, e.f.Clock.Now())
		if _, err := e.f.App.ConfirmTOTP(ctx, pn, code); err != nil {
			t.Fatal(err)
		}
		if st := status(tok, "/api/v1/conversations"); st != http.StatusOK {
			t.Errorf("after enrolling a second factor: %d, want 200", st)
		}
		setPolicy(func(p *ward.Policy) { p.MFARequired = false })
		if st := status(ptok, "/api/v1/conversations"); st != http.StatusOK {
			t.Errorf("with MFA no longer required: %d", st)
		}
	})

	t.Run("shorter lifetime", func(t *testing.T) {
		setPolicy(func(p *ward.Policy) {
			p.IdleTimeout, p.SessionLifetime = ward.Duration(time.Hour), ward.Duration(12*time.Hour)
		})
		admin, _ = e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop-2")
		tok := e.login(t, nurse2.Email, pw2, "nurse-phone-2")
		for range 3 { // in use, 2½ hours
			e.f.Clock.Advance(50 * time.Minute)
			if st := status(tok, "/api/v1/me"); st != http.StatusOK {
				t.Fatalf("a session in use: %d", st)
			}
		}
		c, _ := e.signedIn(t, tok)
		fresh := e.login(t, nurse2.Email, pw2, "nurse-phone-3")
		setPolicy(func(p *ward.Policy) { p.SessionLifetime = ward.Duration(2 * time.Hour) })
		if st, _ := closed(t, c); st != realtime.StatusUnauthenticated {
			t.Errorf("the socket of a session past the new lifetime closed with %d, want 4401", st)
		}
		if st := status(tok, "/api/v1/me"); st != http.StatusUnauthorized {
			t.Errorf("a session 2½ hours old under a 2-hour lifetime: %d, want 401", st)
		}
		if st := status(fresh, "/api/v1/me"); st != http.StatusOK {
			t.Errorf("a new session under the new lifetime: %d, want 200", st)
		}
	})

	t.Run("shorter idle timeout", func(t *testing.T) {
		setPolicy(func(p *ward.Policy) {
			p.IdleTimeout, p.SessionLifetime = ward.Duration(time.Hour), ward.Duration(12*time.Hour)
		})
		admin, _ = e.f.MustLogin(t, e.f.Owner.Email, e.f.OwnerPW, "owner-laptop-3")
		tok := e.login(t, nurse2.Email, pw2, "nurse-phone-4")
		c, _ := e.signedIn(t, tok)
		e.f.Clock.Advance(40 * time.Minute)
		setPolicy(func(p *ward.Policy) { p.IdleTimeout = ward.Duration(30 * time.Minute) })
		if st, _ := closed(t, c); st != realtime.StatusUnauthenticated {
			t.Errorf("the socket of a session idle past the new timeout closed with %d, want 4401", st)
		}
		if st := status(tok, "/api/v1/me"); st != http.StatusUnauthorized {
			t.Errorf("a session idle 40 minutes under a 30-minute timeout: %d, want 401", st)
		}
	})
}
