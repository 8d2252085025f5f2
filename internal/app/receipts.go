package app

import (
	"context"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// MarkReceipts records that the caller's clients received (delivered) or
// showed (read, which implies delivered) every message of a conversation up
// to and including upToSeq, and tells each sender live. It returns how many
// receipts changed. A read mark that changes receipts says the user was
// shown those messages: it appends a message.read event in the mark's own
// transaction (over the socket as by POST). Delivered marks, which clients
// send by themselves, are not audited: the content they acknowledge was
// audited when it was listed (message.read) or pushed (message.delivered).
//
// A read mark is a person's action: it keeps the session alive. A delivered
// mark is what a client sends by itself as messages arrive, and does not;
// callers authenticate it with AuthenticateAutomatic.
func (a *App) MarkReceipts(ctx context.Context, p *Principal, convID string, upToSeq int64, kind ward.ReceiptKind) (int, error) {
	if err := p.Can(authz.ReceiptWrite); err != nil {
		return 0, err
	}
	if kind != ward.Delivered && kind != ward.Read {
		return 0, ward.Errorf(ward.CodeInvalid, "kind must be delivered or read")
	}
	if upToSeq < 1 {
		return 0, ward.Errorf(ward.CodeInvalid, "up_to_seq must be a sequence number (1 or more)")
	}
	if kind == ward.Read {
		a.refresh(p)
	}
	var changes []store.ReceiptChange
	var at = a.now()
	// Batched with the sends (group commit): a phone marks what it shows as
	// it arrives, a mark for nearly every message. fn sets what it hands
	// back, so it may run twice.
	err := a.store.WriteBatched(ctx, func(tx *store.Tx) error {
		var err error
		changes, err = tx.MarkReceipts(ctx, p.User.OrgID, convID, p.User.ID, upToSeq, kind)
		at = tx.Now
		if err != nil || kind != ward.Read || len(changes) == 0 {
			return err
		}
		c, err := tx.ConversationByID(ctx, p.User.OrgID, convID)
		if err != nil {
			return err
		}
		e := p.Event(audit.MessageRead, "conversation", convID)
		e.PatientID = c.PatientID
		var top int64
		for _, ch := range changes {
			top = max(top, ch.Seq)
		}
		e.Reason = fmt.Sprintf("read mark up to seq %d (%d messages)", top, len(changes))
		return audit.Append(ctx, tx, e)
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return 0, errNoConversation() // not a member: the same answer as for no such conversation
	}
	if err != nil {
		return 0, err
	}
	bySender := map[string][]store.ReceiptChange{}
	var senders []string
	for _, c := range changes {
		if _, ok := bySender[c.SenderID]; !ok {
			senders = append(senders, c.SenderID)
		}
		bySender[c.SenderID] = append(bySender[c.SenderID], c)
	}
	for _, s := range senders {
		ev := receiptEvent{ConversationID: convID, UserID: p.User.ID, Kind: kind, UpToSeq: upToSeq, At: at}
		var top int64
		for _, c := range bySender[s] {
			ev.MessageIDs, top = append(ev.MessageIDs, c.MessageID), max(top, c.Seq)
		}
		a.publish(ctx, realtime.Event{Type: realtime.Receipt, OrgID: p.User.OrgID, ConversationID: convID, Seq: top,
			Data: eventJSON(ev), Users: []string{s}})
	}
	return len(changes), nil
}

// Acknowledge records that the caller acknowledges an urgent message of one
// of their conversations. The first acknowledgement by any recipient (or
// the backup) stops the message's re-notifications and escalation; it is
// audited and every member is told. Acknowledging again changes nothing.
func (a *App) Acknowledge(ctx context.Context, p *Principal, messageID string) (ward.Receipt, error) {
	if err := p.Can(authz.ReceiptWrite); err != nil {
		return ward.Receipt{}, err
	}
	var m store.Message
	var members []string
	var changed bool
	var rc ward.Receipt
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.MessageByID(ctx, p.User.OrgID, messageID); err != nil {
			return errNoMessage(err)
		}
		c, err := member(ctx, tx, p, m.ConversationID)
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
	a.publish(ctx, realtime.Event{Type: realtime.Receipt, OrgID: m.OrgID, ConversationID: m.ConversationID, Seq: m.Seq,
		Data: eventJSON(receiptEvent{ConversationID: m.ConversationID, UserID: p.User.ID, Kind: ward.Acknowledged,
			MessageIDs: []string{m.ID}, At: rc.AckedAt}), Users: members})
	return rc, nil
}
