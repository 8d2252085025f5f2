package app

import (
	"context"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// ReauthWindow is how recent a session's sign-in or re-authentication must
// be for it to change a second factor.
const ReauthWindow = 5 * time.Minute

// requireRecentAuth refuses, with CodeReauthRequired, a session whose user
// has not proved who they are (sign-in, re-authentication) within
// ReauthWindow: a session left open on a shared workstation must not be
// able to enrol the finder's authenticator. A session that must enrol a
// factor right after its sign-in is fresh by that sign-in; one that a later
// policy change made enrol-only is not.
func (a *App) requireRecentAuth(ctx context.Context, p *Principal) error {
	if (p.Session.MFAPending && !p.EnrolByPolicy) || p.System {
		return nil
	}
	now := a.now()
	if now.Sub(p.Session.AuthAt) < ReauthWindow {
		return nil
	}
	// The cached session may predate a re-authentication on another node.
	var at time.Time
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		at, err = tx.SessionAuthAt(ctx, p.Session.ID)
		return err
	}); err != nil {
		return err
	}
	if now.Sub(at) < ReauthWindow {
		p.Session.AuthAt = at
		return nil
	}
	return ward.Errorf(ward.CodeReauthRequired,
		"confirm it is you first: your password or an authenticator code (POST /api/v1/sessions/current/reauth), then try again")
}

// Reauthenticate proves again who the caller is, with their password or a
// TOTP code (exactly one), so that the session may change a second factor
// for the next ReauthWindow. Attempts count on the account's sign-in
// throttle and are audited, failures included.
//
// It is allowed where enrolment is (authz.MFAEnroll): a session that the
// org's policy made enrol-only must re-authenticate before it enrols.
func (a *App) Reauthenticate(ctx context.Context, p *Principal, password, totpCode string) error {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return err
	}
	totpCode = strings.TrimSpace(totpCode)
	if (password == "") == (totpCode == "") || len(password) > 4096 || len(totpCode) > 16 {
		return ward.Errorf(ward.CodeInvalid, "give either password or totp")
	}
	key := "user:" + p.User.ID
	if wait, ok := a.account.Check(key); !ok {
		if err := a.refused(ctx, key, p.User.OrgID, p.IP); err != nil {
			return err
		}
		return rateLimited(wait)
	}
	how, failure := "password", ""
	var err error
	if password != "" {
		failure, err = a.checkCurrentPassword(ctx, p, password)
	} else {
		how = "totp"
		failure, err = a.checkTOTP(ctx, p, totpCode)
	}
	if err != nil {
		return err
	}
	if failure != "" {
		wait := a.account.Failure(key)
		ev := p.Event(audit.SessionReauthenticated, "session", p.Session.ID)
		ev.Outcome, ev.Reason = audit.Failure, failure
		if err := a.audit.Record(ctx, ev); err != nil {
			return err
		}
		if wait > 0 {
			return rateLimited(wait)
		}
		return ward.Errorf(ward.CodeInvalid, "the password or code is wrong")
	}
	now := a.now()
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetSessionAuthAt(ctx, p.Session.ID, tx.Now); err != nil {
			return err
		}
		ev := p.Event(audit.SessionReauthenticated, "session", p.Session.ID)
		ev.Reason = how
		return audit.Append(ctx, tx, ev)
	})
	if err != nil {
		return err
	}
	a.account.Success(key)
	a.cache.drop(p.Session.TokenHash)
	p.Session.AuthAt = now
	return nil
}

// checkCurrentPassword checks the caller's password; it returns a failure
// reason for the audit when it is wrong.
func (a *App) checkCurrentPassword(ctx context.Context, p *Principal, password string) (string, error) {
	var hash string
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		hash, err = tx.PasswordHash(ctx, p.User.ID)
		return err
	}); ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && hash == "") {
		// An account made by the org's identity provider (internal/sso).
		return "", ward.Errorf(ward.CodeConflict, "this account has no ward password: it signs in through your organization's identity provider")
	} else if err != nil {
		return "", err
	}
	ok, _, err := a.hasher.Verify(ctx, password, hash)
	if c := ward.ErrorCode(err); c == ward.CodeRateLimited || c == ward.CodeUnavailable {
		return "", err
	}
	if !ok {
		return "bad password", nil
	}
	return "", nil
}

// checkTOTP checks a code of the caller's confirmed TOTP authenticator and
// uses up its time step, so it cannot be replayed.
func (a *App) checkTOTP(ctx context.Context, p *Principal, code string) (string, error) {
	var failure string
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		failure = ""
		m, err := tx.MFA(ctx, p.User.ID)
		if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && !m.TOTPConfirmed) {
			failure = "TOTP code without a TOTP authenticator"
			return nil
		}
		if err != nil {
			return err
		}
		secret, err := a.keys.Open(ctx, totpRef(p.User), m.TOTPSealed)
		if err != nil {
			return err
		}
		step, err := auth.ValidateTOTP(string(secret), code, tx.Now, m.TOTPLastStep)
		if err != nil {
			failure = "bad or reused TOTP code"
			return nil
		}
		fresh, err := tx.UseTOTPStep(ctx, p.User.ID, step)
		if err == nil && !fresh {
			failure = "reused TOTP code"
		}
		return err
	})
	return failure, err
}
