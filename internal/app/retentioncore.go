package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/retention"
	"github.com/wardhealth/ward/internal/store"
)

// Retention is the retention job (internal/retention): message lifespans,
// attachment and patient retention. The server runs it on the leader.
func (a *App) Retention() *retention.Service { return a.retention }

// retentionCore is what the retention job asks of the app (retention.Core).
type retentionCore struct{ a *App }

func (c retentionCore) ChangeAccess(ctx context.Context, fn func(*store.Tx) error, users ...string) error {
	return c.a.changeAccess(ctx, fn, users...)
}

func (c retentionCore) EraseAccount(ctx context.Context, tx *store.Tx, orgID, userID string, shred func(scope, patient string) error) error {
	return c.a.eraseAccount(ctx, tx, orgID, userID, shred)
}

func (c retentionCore) MessagesPurged(ctx context.Context, orgID, convID string, upTo int64, members []string) {
	c.a.attachments.DropBlobsAfter(ctx, convID)
	c.a.publish(ctx, realtime.Event{Type: realtime.ConversationUpdated, OrgID: orgID, ConversationID: convID, Seq: upTo,
		Data: eventJSON(convEvent{ID: convID, Change: "purged", PurgedUpToSeq: upTo}), Users: members})
}

func (c retentionCore) DropBlobsAfter(ctx context.Context, convID string) {
	c.a.attachments.DropBlobsAfter(ctx, convID)
}

// erasedEmailIndex replaces the email blind index of a shredded patient
// user: "bi1:erased:<id>" is no HMAC (base64url has no ':'), so no typed
// email finds the account, and the address is free for a new one.
func erasedEmailIndex(userID string) string { return emailIndexPrefix + "erased:" + userID }

// eraseAccount shreds a patient user's identity key and closes the
// account for good: disabled (user.disabled), sessions ended, email index
// replaced.
func (a *App) eraseAccount(ctx context.Context, tx *store.Tx, orgID, userID string, shred func(scope, patient string) error) error {
	u, err := tx.UserByID(ctx, orgID, userID)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if err := shred("user:"+u.ID, u.ID); err != nil {
		return err
	}
	if s, err := tx.UserIdentity(ctx, orgID, u.ID); err != nil {
		return err
	} else if s.Sealed() {
		s.Email, s.Name = erasedEmailIndex(u.ID), ""
		if _, err := tx.SetUserIdentity(ctx, orgID, u.ID, u.Email, s); err != nil {
			return err
		}
	}
	if _, err := tx.RevokeUserSessions(ctx, u.ID, ""); err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	u.Disabled = true
	if err := tx.UpdateUser(ctx, u); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Event{OrgID: orgID, Actor: cliActor(), Action: audit.UserDisabled,
		ResourceType: "user", ResourceID: u.ID, PatientID: u.ID, Outcome: audit.Success,
		Reason: "patient retention shredded the linked record and this identity"})
}
