package app

import (
	"context"
	"io"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// What app does for the capability packages beside it, which never import
// it: each names the small interface app satisfies here (internal/inbox's
// Conversations, internal/invitations' Accounts), so that the flow stays
// one way (httpapi -> inbox -> the interface, which app implements).

// StartConversation stores conversation row, its members included, in a
// transaction of its own in which inTx also runs (nil: nothing more),
// audits conversation.created with reason, and once committed tells its
// members live. Validating row is the caller's business: it is a
// conversation the caller made, not one a client asked for.
func (a *App) StartConversation(ctx context.Context, p *Principal, row store.Conversation, reason string, inTx func(*store.Tx) error) (ward.Conversation, error) {
	if err := a.keys.Prepare(ctx, row.OrgID, convScope(row.ID)); err != nil {
		return ward.Conversation{}, err
	}
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateConversation(ctx, &row); err != nil {
			return err
		}
		if inTx != nil {
			if err := inTx(tx); err != nil {
				return err
			}
		}
		e := p.Event(audit.ConversationCreated, "conversation", row.ID)
		e.PatientID, e.Reason = row.PatientID, reason
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return ward.Conversation{}, err
	}
	c := row.Conversation
	a.rememberMembers(c.ID, c.MemberIDs()...)
	a.publish(ctx, realtime.Event{Type: realtime.ConversationUpdated, OrgID: c.OrgID, ConversationID: c.ID,
		Data: eventJSON(convEvent{ID: c.ID, Kind: c.Kind, Change: "created"}), Users: c.MemberIDs()})
	return c, nil
}

// PostMessage sends a normal message body as p in conversation convID with
// the client id clientID: SendMessage with nothing else.
func (a *App) PostMessage(ctx context.Context, p *Principal, convID, clientID, body string) (ward.Message, error) {
	m, _, err := a.SendMessage(ctx, p, convID, SendRequest{ClientID: clientID, Body: body})
	return m, err
}

// EmailTaken reports, in tx, whether a user of org orgID has email, in the
// clear or as a patient's blind index.
func (a *App) EmailTaken(ctx context.Context, tx *store.Tx, orgID, email string) (bool, error) {
	email = ward.NormalizeEmail(email)
	_, err := tx.UserByEmail(ctx, orgID, email, a.emailIndex(email))
	switch ward.ErrorCode(err) {
	case ward.CodeNotFound:
		return false, nil
	case "":
		return true, nil
	}
	return false, err
}

// SignUpPatient makes the patient user u (name and email sealed, with the
// password it checks and hashes) and signs it in on device dev: the answer
// is a sign-in's. In the one write transaction, check runs first, then the
// org's email lock is taken and the email checked free, the user made and
// audited (user.created, "role patient, by "+how), then claim runs (link the
// user to what made it, audit that), then the session is opened (audited,
// "<how> accepted"). A device that needs approval leaves the account made
// and answers the device's refusal. Nothing is made when any check fails.
func (a *App) SignUpPatient(ctx context.Context, u ward.User, password string, dev ward.Device, ip, userAgent, how string,
	check func(*store.Tx) error, claim func(*store.Tx, ward.User) error) (LoginResult, error) {
	u.ID, u.Role, u.Email = newID(), ward.RolePatient, ward.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return LoginResult{}, err
	}
	var clinic string
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.OrgByID(ctx, u.OrgID)
		clinic = o.Name
		return err
	}); err != nil {
		return LoginResult{}, err
	}
	if err := auth.CheckPassword(password, u.Email, u.Name, clinic); err != nil {
		return LoginResult{}, err
	}
	hash, err := a.hasher.Hash(ctx, password)
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
		if err := check(tx); err != nil {
			return err
		}
		if err := tx.LockUserEmails(ctx, u.OrgID); err != nil { // PostgreSQL: before the check, as checkEmailFree
			return err
		}
		taken, err := a.EmailTaken(ctx, tx, u.OrgID, u.Email)
		if err != nil {
			return err
		}
		if taken {
			return ward.Errorf(ward.CodeAccountExists, "a user with the patient's email already exists in the org")
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
		actor := audit.Actor{UserID: u.ID, Role: string(u.Role), IP: ip}
		if err := audit.Append(ctx, tx, audit.Event{OrgID: u.OrgID, Actor: actor, Action: audit.UserCreated, ResourceType: "user",
			ResourceID: u.ID, Outcome: audit.Success, Reason: "role patient, by " + how, PatientID: u.ID}); err != nil {
			return err
		}
		if err := claim(tx, u); err != nil {
			return err
		}
		policy, err := tx.Policy(ctx, u.OrgID)
		if err != nil {
			return err
		}
		device, secret, deny, err := a.loginDevice(ctx, tx, u, policy, dev, LoginRequest{IP: ip})
		if err != nil {
			return err
		}
		if deny != nil { // the account is made; the device waits for approval
			denied = deny
			return nil
		}
		token, tokenHash := auth.NewSessionToken()
		s := ward.Session{ID: newID(), TokenHash: tokenHash, OrgID: u.OrgID, UserID: u.ID, DeviceID: device.ID,
			ExpiresAt: tx.Now.Add(policy.SessionLifetime.D()), IP: ip, UserAgent: truncate(userAgent, 256)}
		if err := tx.CreateSession(ctx, &s); err != nil {
			return err
		}
		actor.DeviceID = device.ID
		res = LoginResult{Token: token, Session: s, User: u, Device: device, IdleTimeout: policy.IdleTimeout.D(), DeviceSecret: secret}
		return audit.Append(ctx, tx, audit.Event{OrgID: u.OrgID, Action: audit.LoginSucceeded, ResourceType: "session",
			ResourceID: s.ID, Actor: actor, Outcome: audit.Success, Reason: how + " accepted"})
	})
	if err != nil {
		return LoginResult{}, err
	}
	if denied != nil {
		return LoginResult{}, denied
	}
	return res, nil
}

// PostTeamMessage sends body in inbox thread convID of org orgID as care
// team teamID, not as a user: a message of kind (ward.MessageAutoReply),
// sealed like any, audited as message.sent by the system actor, and
// published live to every member. claim runs first in the transaction;
// when it answers false nothing is stored and sent is false. It changes no
// inbox wait: the patient still waits for staff.
func (a *App) PostTeamMessage(ctx context.Context, orgID, convID, teamID, kind, body string, claim func(*store.Tx) (bool, error)) (m ward.Message, sent bool, err error) {
	if err := ward.ValidBody(body); err != nil {
		return ward.Message{}, false, err
	}
	m = ward.Message{ID: newID(), ConversationID: convID, SenderID: teamID, ClientID: kind + "-" + newID(), Body: body,
		Priority: ward.Normal, Kind: kind}
	row := store.Message{Message: m, OrgID: orgID}
	if row.BodySealed, err = a.keys.Seal(ctx, bodyRef(orgID, convID, m.ID), []byte(body)); err != nil {
		return ward.Message{}, false, err
	}
	row.Body = ""
	var members []string
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		members, sent = nil, false
		ok, err := claim(tx)
		if err != nil || !ok {
			return err
		}
		if err := tx.InsertTeamMessage(ctx, &row); err != nil {
			return err
		}
		if members, err = tx.Recipients(ctx, &row); err != nil {
			return err
		}
		sent = true
		e := audit.Event{OrgID: orgID, Actor: access.SystemActor(), Action: audit.MessageSent, ResourceType: "message",
			ResourceID: row.ID, Outcome: audit.Success, PatientID: row.PatientID,
			Reason: "conversation " + convID + ", " + kind + " of team " + teamID}
		return audit.Append(ctx, tx, e)
	})
	if err != nil || !sent {
		return ward.Message{}, false, err
	}
	m = row.Message
	m.Body = body
	a.publish(ctx, realtime.Event{Type: realtime.MessageCreated, OrgID: orgID, ConversationID: convID, Seq: m.Seq,
		Data: eventJSON(messageEvent{ID: m.ID, ConversationID: convID, Seq: m.Seq, SenderID: m.SenderID, ClientID: m.ClientID,
			Body: m.Body, Priority: m.Priority, Kind: m.Kind, CreatedAt: timePtr(m.CreatedAt)}),
		Users: members, PHI: true, PatientID: row.PatientID})
	return m, true, nil
}

// PatientMessageHook is told, after commit, of every message a patient
// sent in a conversation about a patient record (internal/inbox answers
// after hours); an error it returns is logged: the message is sent.
type PatientMessageHook interface {
	PatientWrote(ctx context.Context, orgID, convID string) error
}

// SetPatientMessageHook sets the hook; call it before serving. (It is set
// after New: the inbox is built on the App.)
func (a *App) SetPatientMessageHook(h PatientMessageHook) { a.patientHook = h }

// patientWrote runs the hook for a message a patient sent.
func (a *App) patientWrote(ctx context.Context, orgID, convID string) {
	if a.patientHook == nil {
		return
	}
	if err := a.patientHook.PatientWrote(context.WithoutCancel(ctx), orgID, convID); err != nil {
		a.log.WarnContext(ctx, "after a patient's message", "conversation", convID, "err", err.Error())
	}
}

// ReadGranted opens a page of messages for p, who reads without being a
// member under grant (a compliance review, a break-glass:
// internal/compliance's Transcripts), which names the conversation and the
// audit event in the page's own read transaction. The event is recorded
// durably before the answer, with the conversation's patient and the page
// appended to its reason. It costs what a member's page costs (one read
// transaction; the grant's row read in place of the conversation and its
// members).
func (a *App) ReadGranted(ctx context.Context, p *Principal, afterSeq int64, limit int, grant func(tx *store.Tx) (string, audit.Event, error)) ([]ward.Message, error) {
	return a.messagePage(ctx, p, afterSeq, limit, "", audit.Event{}, grant)
}

// OpenGrantedAttachment opens attachment id of a sent message of
// conversation convID for p, who reads under a grant the caller checked;
// e is recorded (with the conversation's patient) before it is returned.
func (a *App) OpenGrantedAttachment(ctx context.Context, p *Principal, convID, id string, e audit.Event) (ward.Attachment, io.ReadCloser, error) {
	return a.attachments.OpenGranted(ctx, p, convID, id, e)
}

// OpenConversation opens a stored conversation's title and topic for
// a reader under a grant (a compliance review's transcript header).
func (a *App) OpenConversation(ctx context.Context, row store.Conversation) (ward.Conversation, error) {
	return a.openConv(ctx, row)
}
