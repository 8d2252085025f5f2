package receipts

import (
	"context"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Mark records that the caller's clients received (delivered) or
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
// callers authenticate it with app.AuthenticateAutomatic.
func (s *Service) Mark(ctx context.Context, p *access.Principal, convID string, upToSeq int64, kind ward.ReceiptKind) (int, error) {
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
		s.core.Refresh(p)
	}
	var changes []store.ReceiptChange
	var at = s.now()
	// Batched with the sends (group commit): a phone marks what it shows as
	// it arrives, a mark for nearly every message. fn sets what it hands
	// back, so it may run twice.
	err := s.store.WriteBatched(ctx, func(tx *store.Tx) error {
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
		return 0, s.core.NoConversation() // not a member: the same answer as for no such conversation
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
	events := make([]realtime.Event, 0, len(senders))
	for _, sender := range senders {
		ev := event{ConversationID: convID, UserID: p.User.ID, Kind: kind, UpToSeq: upToSeq, At: at}
		var top int64
		for _, c := range bySender[sender] {
			ev.MessageIDs, top = append(ev.MessageIDs, c.MessageID), max(top, c.Seq)
		}
		events = append(events, realtime.Event{Type: realtime.Receipt, OrgID: p.User.OrgID, ConversationID: convID, Seq: top,
			Data: eventJSON(ev), Users: []string{sender}})
	}
	s.core.Publish(ctx, events)
	return len(changes), nil
}
