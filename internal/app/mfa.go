package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// TOTPEnrollment is a started TOTP enrolment: the secret to show as a QR
// code (URL) or to type in (Secret).
type TOTPEnrollment struct {
	Secret string
	URL    string
}

// BeginTOTP starts (or restarts) TOTP enrolment for the caller. The secret
// is sealed before it is stored; it counts only once confirmed.
func (a *App) BeginTOTP(ctx context.Context, p *Principal) (TOTPEnrollment, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return TOTPEnrollment{}, err
	}
	if err := a.requireRecentAuth(ctx, p); err != nil {
		return TOTPEnrollment{}, err
	}
	key, err := auth.NewTOTPKey(p.User.Email)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	sealed, err := a.keys.Seal(ctx, totpRef(p.User), []byte(key.Secret))
	if err != nil {
		return TOTPEnrollment{}, err
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		m, err := tx.MFA(ctx, p.User.ID)
		if err == nil && m.TOTPConfirmed {
			return ward.Errorf(ward.CodeConflict, "a TOTP authenticator is already enrolled; an admin can reset it")
		}
		if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		// Recovery codes given at a passkey enrolment stay valid.
		return tx.PutMFA(ctx, store.MFA{UserID: p.User.ID, TOTPSealed: sealed, RecoveryHashes: m.RecoveryHashes})
	})
	if err != nil {
		return TOTPEnrollment{}, err
	}
	return TOTPEnrollment{Secret: key.Secret, URL: key.URL}, nil
}

// ConfirmTOTP finishes enrolment with a code from the authenticator. It
// returns ten one-time recovery codes, shown once, and lifts the session's
// enrol-only restriction.
func (a *App) ConfirmTOTP(ctx context.Context, p *Principal, code string) ([]string, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return nil, err
	}
	var codes []string
	err := a.changeAccess(ctx, func(tx *store.Tx) error {
		m, err := tx.MFA(ctx, p.User.ID)
		if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && m.TOTPSealed == nil) {
			return ward.Errorf(ward.CodeConflict, "start enrolment first (POST /api/v1/mfa/totp)")
		}
		if err != nil {
			return err
		}
		if m.TOTPConfirmed {
			return ward.Errorf(ward.CodeConflict, "a TOTP authenticator is already enrolled")
		}
		secret, err := a.keys.Open(ctx, totpRef(p.User), m.TOTPSealed)
		if err != nil {
			return err
		}
		step, err := auth.ValidateTOTP(string(secret), code, tx.Now, m.TOTPLastStep)
		if err != nil {
			return ward.Errorf(ward.CodeInvalid, "that code does not match; check the authenticator's clock")
		}
		var hashes []string
		codes, hashes = auth.NewRecoveryCodes()
		m.TOTPConfirmed, m.TOTPLastStep, m.RecoveryHashes = true, step, hashes
		if err := tx.PutMFA(ctx, m); err != nil {
			return err
		}
		if p.Session.MFAPending {
			if err := tx.ClearMFAPending(ctx, p.Session.ID); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, p.Event(audit.MFAEnrolled, "user", p.User.ID))
	})
	if err != nil {
		return nil, err
	}
	p.Session.MFAPending = false
	return codes, nil
}
