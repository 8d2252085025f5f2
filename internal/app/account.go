package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// ChangePassword replaces the caller's password after checking the current
// one. Every other session of the caller ends. Wrong current passwords
// count on the account's sign-in throttle (one budget with sign-in) and
// are audited; the right one re-authenticates the session.
func (a *App) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	if err := p.Can(authz.AccountUpdate); err != nil {
		return err
	}
	if current == "" || len(current) > 4096 {
		return ward.Errorf(ward.CodeInvalid, "the current password is required")
	}
	key := "user:" + p.User.ID
	if wait, ok := a.account.Check(key); !ok {
		if err := a.refused(ctx, key, p.User.OrgID, p.IP); err != nil {
			return err
		}
		return rateLimited(wait)
	}
	failure, err := a.checkCurrentPassword(ctx, p, current)
	if err != nil {
		return err
	}
	if failure != "" {
		wait := a.account.Failure(key)
		ev := p.Event(audit.PasswordChangeFailed, "user", p.User.ID)
		ev.Outcome, ev.Reason = audit.Failure, "the current password was wrong"
		if err := a.audit.Record(ctx, ev); err != nil {
			return err
		}
		if wait > 0 {
			return rateLimited(wait)
		}
		return ward.Errorf(ward.CodeInvalid, "the current password is wrong")
	}
	var orgName string
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.OrgByID(ctx, p.User.OrgID)
		orgName = o.Name
		return err
	}); err != nil {
		return err
	}
	if err := auth.CheckPassword(next, p.User.Email, p.User.Name, orgName); err != nil {
		return err
	}
	newHash, err := a.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	err = a.changeAccess(ctx, func(tx *store.Tx) error {
		if err := tx.SetPasswordHash(ctx, p.User.ID, newHash); err != nil {
			return err
		}
		if _, err := tx.RevokeUserSessions(ctx, p.User.ID, p.Session.ID); err != nil {
			return err
		}
		if err := tx.SetSessionAuthAt(ctx, p.Session.ID, tx.Now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.PasswordChanged, "user", p.User.ID))
	}, p.User.ID)
	if err == nil {
		a.account.Success(key)
	}
	return err
}

// RevokeUserSessions ends every session of a user of the caller's org (an
// admin cutting someone off).
func (a *App) RevokeUserSessions(ctx context.Context, p *Principal, userID string) error {
	if err := p.Can(authz.SessionRevoke); err != nil {
		return err
	}
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		if err := ownerRule(ctx, tx, p, userID, "an owner's sessions"); err != nil {
			return err
		}
		if _, err := tx.RevokeUserSessions(ctx, userID, ""); err != nil {
			return err
		}
		ev := p.Event(audit.SessionRevoked, "user", userID)
		ev.Reason = "every session, by an admin"
		return audit.Append(ctx, tx, ev)
	}, userID)
}

// ResetMFA clears a user's second factors (a lost phone) and ends their
// sessions; with MFA required they enrol again at their next sign-in.
func (a *App) ResetMFA(ctx context.Context, p *Principal, userID string) error {
	if err := p.Can(authz.UserMFAReset); err != nil {
		return err
	}
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, p.User.OrgID, userID)
		if err != nil {
			return err
		}
		if u.Role == ward.RoleOwner && p.User.Role != ward.RoleOwner {
			return ward.Errorf(ward.CodeForbidden, "only an owner can reset an owner's second factors")
		}
		if err := tx.DeleteMFA(ctx, userID); err != nil {
			return err
		}
		if err := tx.DeleteWebAuthnCredentials(ctx, userID); err != nil {
			return err
		}
		if _, err := tx.RevokeUserSessions(ctx, userID, ""); err != nil {
			return err
		}
		ev := p.Event(audit.UserUpdated, "user", userID)
		ev.Reason = "second factors reset"
		return audit.Append(ctx, tx, ev)
	}, userID)
}
