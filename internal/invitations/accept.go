package invitations

import (
	"context"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/onetime"
	"github.com/wardhealth/ward/internal/store"
)

// AcceptRequest is a patient accepting an invitation: the token, the
// password they choose, the email code (invitations by email), and the
// device they sign in on.
type AcceptRequest struct {
	Token, Password, EmailCode string
	DeviceID, DeviceName       string
	IP, UserAgent              string
}

// Accept makes the patient user of the invitation's record (name and email
// from the record, sealed), links it to the record, marks the invitation
// accepted and signs in: the answer is a sign-in's. Nothing is made when
// any check fails. The account and its session are app's to make
// (Accounts.SignUpPatient); the invitation's checks and claim are ours.
func (s *Service) Accept(ctx context.Context, req AcceptRequest) (access.LoginResult, error) {
	var res access.LoginResult
	err := s.gate.Guard(req.IP, req.Token, failed, func() (err error) {
		res, err = s.accept(ctx, req)
		return err
	})
	return res, err
}

func (s *Service) checkCode(ctx context.Context, r store.InvitationRow, code string) error {
	if r.Channel != ChannelEmail {
		return nil
	}
	ok, count := purpose.Check(onetime.Code{Hash: r.CodeHash, ExpiresAt: r.CodeExpiresAt, Tries: r.CodeTries}, r.TokenHash, code, s.now())
	if ok {
		return nil
	}
	if count {
		if err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.CountInvitationCodeTry(ctx, r.ID) }); err != nil {
			return err
		}
	}
	return onetime.Refused()
}

func (s *Service) accept(ctx context.Context, req AcceptRequest) (access.LoginResult, error) {
	dev := ward.Device{ClientID: req.DeviceID, Name: strings.TrimSpace(req.DeviceName)}
	if err := dev.Validate(); err != nil {
		return access.LoginResult{}, err
	}
	var r store.InvitationRow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		r, err = openInvitation(ctx, tx, req.Token)
		return err
	}); err != nil {
		return access.LoginResult{}, err
	}
	if err := s.checkCode(ctx, r, req.EmailCode); err != nil {
		return access.LoginResult{}, err
	}
	c, err := s.contactsOf()
	if err != nil {
		return access.LoginResult{}, err
	}
	name, email, active, err := c.Contact(ctx, r.OrgID, r.PatientID)
	if err != nil {
		return access.LoginResult{}, err
	}
	if !active || email == "" {
		return access.LoginResult{}, ward.Errorf(ward.CodeInvitationUsed, "this invitation can no longer be accepted: ask the clinic")
	}
	var cur store.InvitationRow
	check := func(tx *store.Tx) (err error) {
		if cur, err = openInvitation(ctx, tx, req.Token); err != nil { // still pending, not accepted meanwhile
			return err
		}
		return noAccountYet(ctx, tx, r.OrgID, r.PatientID)
	}
	claim := func(tx *store.Tx, u ward.User) error {
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
		return audit.Append(ctx, tx, audit.Event{OrgID: u.OrgID, Actor: audit.Actor{UserID: u.ID, Role: string(u.Role), IP: req.IP},
			Action: audit.InvitationAccepted, ResourceType: "invitation", ResourceID: cur.ID, Outcome: audit.Success, PatientID: r.PatientID})
	}
	u := ward.User{OrgID: r.OrgID, Email: email, Name: name}
	return s.accounts.SignUpPatient(ctx, u, req.Password, dev, req.IP, req.UserAgent, "invitation", check, claim)
}
