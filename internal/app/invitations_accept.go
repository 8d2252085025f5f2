package app

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/store"
)

// AcceptInvitationRequest is a patient accepting an invitation: the token,
// the password they choose, the email code (invitations by email), and the
// device they sign in on.
type AcceptInvitationRequest struct {
	Token, Password, EmailCode string
	DeviceID, DeviceName       string
	IP, UserAgent              string
}

// AcceptInvitation makes the patient user of the invitation's record (name
// and email from the record, sealed), links it to the record, marks the
// invitation accepted and signs in: the answer is a sign-in's. Nothing is
// made when any check fails.
func (a *App) AcceptInvitation(ctx context.Context, req AcceptInvitationRequest) (LoginResult, error) {
	fail, err := a.publicGate(req.IP, req.Token)
	if err != nil {
		return LoginResult{}, err
	}
	res, err := a.acceptInvitation(ctx, req)
	if failed(err) {
		fail()
	}
	return res, err
}

func (a *App) checkCode(ctx context.Context, r store.InvitationRow, code string) error {
	if r.Channel != ChannelEmail {
		return nil
	}
	code = strings.TrimSpace(code)
	bad := ward.Errorf(ward.CodeCodeRequired, "enter the code we emailed you, or ask for a new one")
	if r.CodeHash == "" || !a.now().Before(r.CodeExpiresAt) || r.CodeTries >= emailCodeMaxTries {
		return bad
	}
	if subtle.ConstantTimeCompare([]byte(hashCode(r.TokenHash, code)), []byte(r.CodeHash)) != 1 {
		if err := a.store.Write(ctx, func(tx *store.Tx) error { return tx.CountInvitationCodeTry(ctx, r.ID) }); err != nil {
			return err
		}
		return bad
	}
	return nil
}

func (a *App) acceptInvitation(ctx context.Context, req AcceptInvitationRequest) (LoginResult, error) {
	dev := ward.Device{ClientID: req.DeviceID, Name: strings.TrimSpace(req.DeviceName)}
	if err := dev.Validate(); err != nil {
		return LoginResult{}, err
	}
	var r store.InvitationRow
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		r, err = openInvitation(ctx, tx, req.Token)
		return err
	}); err != nil {
		return LoginResult{}, err
	}
	if err := a.checkCode(ctx, r, req.EmailCode); err != nil {
		return LoginResult{}, err
	}
	c, err := a.contacts()
	if err != nil {
		return LoginResult{}, err
	}
	name, email, active, err := c.Contact(ctx, r.OrgID, r.PatientID)
	if err != nil {
		return LoginResult{}, err
	}
	if !active || email == "" {
		return LoginResult{}, ward.Errorf(ward.CodeInvitationUsed, "this invitation can no longer be accepted: ask the clinic")
	}
	u := ward.User{ID: newID(), OrgID: r.OrgID, Email: ward.NormalizeEmail(email), Name: name, Role: ward.RolePatient}
	if err := u.Validate(); err != nil {
		return LoginResult{}, err
	}
	clinic, err := a.clinicName(ctx, r.OrgID)
	if err != nil {
		return LoginResult{}, err
	}
	if err := auth.CheckPassword(req.Password, u.Email, u.Name, clinic); err != nil {
		return LoginResult{}, err
	}
	hash, err := a.hasher.Hash(ctx, req.Password)
	if err != nil {
		return LoginResult{}, err
	}
	ident, err := a.storedIdentity(ctx, u) // sealed: before the write
	if err != nil {
		return LoginResult{}, err
	}
	var res LoginResult
	var denied error
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		denied = nil
		cur, err := openInvitation(ctx, tx, req.Token) // still pending, not accepted meanwhile
		if err != nil {
			return err
		}
		if err := tx.LockUserEmails(ctx, u.OrgID); err != nil { // PostgreSQL: before the check, as checkEmailFree
			return err
		}
		if err := a.checkInvitable(ctx, tx, r.OrgID, r.PatientID, u.Email); err != nil {
			return err
		}
		row := stored(u, ident)
		if err := tx.CreateUser(ctx, &row); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict {
				return ward.Errorf(ward.CodeAccountExists, "a user with the patient's email already exists in the org")
			}
			return err
		}
		u.CreatedAt = row.CreatedAt
		if ident.Sealed() {
			if _, err := tx.SetUserIdentity(ctx, u.OrgID, u.ID, ident.Email, ident); err != nil {
				return err
			}
		}
		if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		if err := tx.LinkPatientUser(ctx, u.OrgID, r.PatientID, u.ID); err != nil {
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return ward.Errorf(ward.CodeAccountExists, "the patient already has an account")
			}
			return err
		}
		if ok, err := tx.AcceptInvitation(ctx, cur.ID, u.ID); err != nil || !ok {
			if err == nil {
				err = ward.Errorf(ward.CodeInvitationUsed, "this invitation link was already used or withdrawn")
			}
			return err
		}
		actor := audit.Actor{UserID: u.ID, Role: string(u.Role), IP: req.IP}
		for _, ev := range []audit.Event{
			{OrgID: u.OrgID, Actor: actor, Action: audit.UserCreated, ResourceType: "user", ResourceID: u.ID,
				Outcome: audit.Success, Reason: "role patient, by invitation", PatientID: u.ID},
			{OrgID: u.OrgID, Actor: actor, Action: audit.InvitationAccepted, ResourceType: "invitation", ResourceID: cur.ID,
				Outcome: audit.Success, PatientID: r.PatientID},
		} {
			if err := audit.Append(ctx, tx, ev); err != nil {
				return err
			}
		}
		policy, err := tx.Policy(ctx, u.OrgID)
		if err != nil {
			return err
		}
		device, secret, deny, err := a.loginDevice(ctx, tx, u, policy, dev, "", req.IP)
		if err != nil {
			return err
		}
		if deny != nil { // the account is made; the device waits for approval
			denied = deny
			return nil
		}
		token, tokenHash := auth.NewSessionToken()
		s := ward.Session{ID: newID(), TokenHash: tokenHash, OrgID: u.OrgID, UserID: u.ID, DeviceID: device.ID,
			ExpiresAt: tx.Now.Add(policy.SessionLifetime.D()), IP: req.IP, UserAgent: truncate(req.UserAgent, 256)}
		if err := tx.CreateSession(ctx, &s); err != nil {
			return err
		}
		actor.DeviceID = device.ID
		res = LoginResult{Token: token, Session: s, User: u, Device: device, IdleTimeout: policy.IdleTimeout.D(), DeviceSecret: secret}
		return audit.Append(ctx, tx, audit.Event{OrgID: u.OrgID, Action: audit.LoginSucceeded, ResourceType: "session",
			ResourceID: s.ID, Actor: actor, Outcome: audit.Success, Reason: "invitation accepted"})
	})
	if err != nil {
		return LoginResult{}, err
	}
	if denied != nil {
		return LoginResult{}, denied
	}
	return res, nil
}
