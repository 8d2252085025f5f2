package receipts

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Acknowledge records that the caller acknowledges an urgent message of one
// of their conversations. The first acknowledgement by any recipient (or
// the backup) stops the message's re-notifications and escalation; it is
// audited and every member is told. Acknowledging again changes nothing.
func (s *Service) Acknowledge(ctx context.Context, p *access.Principal, messageID string) (ward.Receipt, error) {
	if err := p.Can(authz.ReceiptWrite); err != nil {
		return ward.Receipt{}, err
	}
	var m store.Message
	var members []string
	var changed bool
	var rc ward.Receipt
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.MessageByID(ctx, p.User.OrgID, messageID); err != nil {
			return errNoMessage(err)
		}
		c, err := s.core.Member(ctx, tx, p, m.ConversationID)
		if err != nil {
			return errNoMessage(err)
		}
		members = c.MemberIDs()
		switch {
		case m.Priority != ward.Urgent:
			return ward.Errorf(ward.CodeInvalid, "only urgent messages are acknowledged; send a read receipt instead")
		case m.SenderID == p.User.ID:
			return ward.Errorf(ward.CodeInvalid, "you cannot acknowledge your own message")
		case m.Tombstone():
			return ward.Errorf(ward.CodeConflict, "the message was recalled or purged")
		}
		// A member who joined after the message has no receipt yet.
		if err := tx.EnsureReceipt(ctx, &m, p.User.ID); err != nil {
			return err
		}
		if changed, err = tx.AcknowledgeReceipt(ctx, m.ID, p.User.ID); err != nil {
			return err
		}
		rs, err := tx.Receipts(ctx, m.ConversationID, []store.Message{m})
		if err != nil {
			return err
		}
		for _, r := range rs[m.ID] {
			if r.UserID == p.User.ID {
				rc = r
			}
		}
		if !changed {
			return nil
		}
		if err := tx.FinishEscalations(ctx, m.ID); err != nil {
			return err
		}
		e := p.Event(audit.MessageAcknowledged, "message", m.ID)
		e.PatientID, e.Reason = c.PatientID, "conversation "+c.ID
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return ward.Receipt{}, err
	}
	if !changed {
		return rc, nil
	}
	s.core.Publish(ctx, []realtime.Event{{Type: realtime.Receipt, OrgID: m.OrgID, ConversationID: m.ConversationID, Seq: m.Seq,
		Data: eventJSON(event{ConversationID: m.ConversationID, UserID: p.User.ID, Kind: ward.Acknowledged,
			MessageIDs: []string{m.ID}, At: rc.AckedAt}), Users: members}})
	return rc, nil
}

// errNoMessage is the answer for a message that does not exist or is not
// the caller's to see.
func errNoMessage(err error) error {
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeNotFound, "no such message")
	}
	return err
}
