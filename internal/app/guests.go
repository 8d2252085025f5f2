package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Guests: the accounts of people outside the org whom staff write to by
// email (internal/outside, which calls these through a small interface of
// its own). A guest is a user of the role guest whose name and email are
// sealed like a patient's, with a blind index of its own domain
// (useridentity.go): it has no password and never signs in by email; its
// sessions come from one-time links only. It sits in the direct
// conversations staff started with it (GuestThread) and in no other:
// checkMembers refuses it as a member, and admins cannot give or take the
// role.

func errGuestRole() error {
	return ward.Errorf(ward.CodeInvalid, "the guest role is given only by a secure message to an outside address (POST /api/v1/outside-messages)")
}

// GuestThread returns the direct conversation between p and the guest of
// email in p's org, making the guest (sealed) and the conversation (its
// title the address, sealed) when missing; created tells. An address of a
// staff or patient account of the org is account_exists (write to them in
// ward); a guest an admin disabled is forbidden.
func (a *App) GuestThread(ctx context.Context, p *Principal, email string) (convID, guestID string, created bool, err error) {
	if err := p.Can(authz.OutsideSend); err != nil {
		return "", "", false, err
	}
	email = ward.NormalizeEmail(email)
	guest := ward.User{ID: newID(), OrgID: p.User.OrgID, Email: email, Name: email, Role: ward.RoleGuest}
	if err := guest.Validate(); err != nil {
		return "", "", false, err
	}
	var existing store.Conversation
	found := false
	look := func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.UserByEmail(ctx, guest.OrgID, email, a.emailIndex(email)); err == nil {
			return ward.Errorf(ward.CodeAccountExists, "this address belongs to an account of your org: write to them in ward")
		} else if ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		g, err := tx.UserByEmail(ctx, guest.OrgID, a.guestIndex(email))
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if g.Disabled {
			return ward.Errorf(ward.CodeForbidden, "an admin disabled this outside address")
		}
		guest, found = g, true
		existing, err = tx.DirectConversation(ctx, guest.OrgID, store.DirectKey(p.User.ID, g.ID))
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return nil
		}
		return err
	}
	if err := a.store.Read(ctx, func(tx *store.Tx) error { return look(ctx, tx) }); err != nil {
		return "", "", false, err
	}
	if existing.ID != "" {
		return existing.ID, guest.ID, false, nil
	}
	// Sealed before the write: sealing may make the data keys.
	var ident store.StoredIdentity
	if !found {
		if ident, err = a.storedIdentity(ctx, guest); err != nil {
			return "", "", false, err
		}
	}
	row := store.Conversation{Conversation: ward.Conversation{ID: newID(), OrgID: p.User.OrgID, Kind: ward.Direct,
		CreatedBy: p.User.ID}, DirectKey: store.DirectKey(p.User.ID, guest.ID)}
	if err := a.keys.Prepare(ctx, row.OrgID, convScope(row.ID)); err != nil {
		return "", "", false, err
	}
	if row.TitleSealed, err = a.sealConv(ctx, &row.Conversation, email, "title"); err != nil {
		return "", "", false, err
	}
	row.Members = []ward.Member{{UserID: p.User.ID, Role: ward.MemberOwner}, {UserID: guest.ID, Role: ward.MemberMember}}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if !found {
			if err := tx.LockUserEmails(ctx, guest.OrgID); err != nil {
				return err
			}
			if err := look(ctx, tx); err != nil {
				return err
			}
			if found { // made by another request meanwhile
				return ward.Errorf(ward.CodeConflict, "the address was written to at the same time; try again")
			}
			srow := stored(guest, ident)
			if err := tx.CreateUser(ctx, &srow); err != nil {
				return err
			}
			if _, err := tx.SetUserIdentity(ctx, guest.OrgID, guest.ID, ident.Email, ident); err != nil {
				return err
			}
			ev := p.Event(audit.UserCreated, "user", guest.ID)
			ev.Reason = "role guest, by a secure message to an outside address"
			if err := audit.Append(ctx, tx, ev); err != nil {
				return err
			}
		}
		if err := tx.CreateConversation(ctx, &row); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict {
				return ward.Errorf(ward.CodeConflict, "the thread was started at the same time; try again")
			}
			return err
		}
		e := p.Event(audit.ConversationCreated, "conversation", row.ID)
		e.Reason = "direct conversation with 2 members, one an outside guest"
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return "", "", false, err
	}
	a.rememberMembers(row.ID, row.MemberIDs()...)
	a.publish(ctx, realtime.Event{Type: realtime.ConversationUpdated, OrgID: row.OrgID, ConversationID: row.ID,
		Data: eventJSON(convEvent{ID: row.ID, Kind: row.Kind, Change: "created"}), Users: row.MemberIDs()})
	return row.ID, guest.ID, true, nil
}

// GuestEmail opens the email of a guest of an org, for ward itself to mail
// them a link's code. A user who is not an enabled guest is not_found.
func (a *App) GuestEmail(ctx context.Context, orgID, guestID string) (string, error) {
	var u ward.User
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		u, err = tx.UserByID(ctx, orgID, guestID)
		return err
	}); err != nil {
		return "", err
	}
	if u.Role != ward.RoleGuest || u.Disabled {
		return "", ward.Errorf(ward.CodeNotFound, "no such guest")
	}
	if err := a.openUser(ctx, &u); err != nil {
		return "", err
	}
	if u.Email == "" { // the identity was shredded
		return "", ward.Errorf(ward.CodeNotFound, "no such guest")
	}
	return u.Email, nil
}

// PatientEmail opens the sealed email of an enabled patient of an org, in
// memory only, for ward itself to mail them the email fallback's PHI-free
// digest (internal/notify/digest). It answers no caller, so it is not a
// patient.read (as patients.Contact for an invitation); the mailing is
// audited (notify.patient_emailed). A user who is not an enabled patient,
// or whose identity was shredded, is not_found.
func (a *App) PatientEmail(ctx context.Context, orgID, userID string) (string, error) {
	var u ward.User
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		u, err = tx.UserByID(ctx, orgID, userID)
		return err
	}); err != nil {
		return "", err
	}
	if u.Role != ward.RolePatient || u.Disabled {
		return "", ward.Errorf(ward.CodeNotFound, "no such patient")
	}
	if err := a.openUser(ctx, &u); err != nil {
		return "", err
	}
	if u.Email == "" || isSealedEmail(u.Email) { // shredded, or never opened
		return "", ward.Errorf(ward.CodeNotFound, "no such patient")
	}
	return u.Email, nil
}

// SendText sends a message with attachments as SendMessage does, for
// packages beside app that cannot name a SendRequest.
func (a *App) SendText(ctx context.Context, p *Principal, convID, clientID, body string, attachmentIDs []string) (ward.Message, bool, error) {
	return a.SendMessage(ctx, p, convID, SendRequest{ClientID: clientID, Body: body, AttachmentIDs: attachmentIDs})
}
