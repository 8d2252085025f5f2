package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// SendRequest is a message to send.
type SendRequest struct {
	ClientID     string // the sender's idempotency key: a retry with the same key sends nothing new
	Body         string
	Priority     ward.Priority // "" is normal
	BackupUserID string        // urgent only: who it escalates to; "" is the conversation's creator
	// Chained says an urgent message was paged to an on-call role: it
	// escalates along the role's chain (internal/oncall), to no backup.
	Chained bool
	// AttachmentIDs are attachments the sender uploaded to the conversation
	// and has not sent yet, to send with the message.
	AttachmentIDs []string
	// Origin names the socket the send came over (realtime.Conn.Key): it
	// gets the answer, so the message.created event skips it.
	Origin string
}

// errRetried rolls back a send whose client id was already used.
var errRetried = errors.New("client id already used")

func bodyRef(orgID, convID, msgID string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: convScope(convID), Record: msgID, Field: "body"}
}

// SendMessage stores a message in one of the caller's conversations and
// answers once it is committed. A retry with the same client id and body
// returns the first message (created is then false); the same client id
// with another body is a conflict and stores nothing. Every other member
// gets a receipt; an urgent message also starts the timers that re-notify
// its recipients and escalate it to its backup (org policy).
func (a *App) SendMessage(ctx context.Context, p *Principal, convID string, req SendRequest) (m ward.Message, created bool, err error) {
	if err := p.Can(authz.MessageSend); err != nil {
		return m, false, err
	}
	if req.Priority == "" {
		req.Priority = ward.Normal
	}
	m = ward.Message{ID: newID(), ConversationID: convID, SenderID: p.User.ID, ClientID: req.ClientID, Body: req.Body,
		Priority: req.Priority, BackupUserID: strings.TrimSpace(req.BackupUserID)}
	if p.User.Role.External() && (m.Priority == ward.Urgent || m.BackupUserID != "") {
		return ward.Message{}, false, ward.Errorf(ward.CodeForbidden, "patients and guests cannot mark a message urgent or name a backup")
	}
	if err := m.Validate(); err != nil {
		return ward.Message{}, false, err
	}
	if err := attachments.ValidIDs(req.AttachmentIDs); err != nil {
		return ward.Message{}, false, err
	}
	if err := a.sends.allow(p.User.ID, p.User.Role, a.now()); err != nil {
		return ward.Message{}, false, err
	}
	earlier, err := a.checkSend(ctx, p, convID, &m)
	if err != nil {
		return ward.Message{}, false, err
	}
	if earlier.ID != "" {
		return a.retriedWithAttachments(ctx, earlier, req)
	}
	if req.Chained {
		m.BackupUserID = ""
	}
	row := store.Message{Message: m, OrgID: p.User.OrgID}
	if row.BodySealed, err = a.keys.Seal(ctx, bodyRef(row.OrgID, convID, m.ID), []byte(m.Body)); err != nil {
		return ward.Message{}, false, err
	}
	row.Body = ""
	var members []string
	// Group commit: concurrent sends share one transaction and one fsync.
	err = a.store.WriteBatchedSend(ctx, convID, func(tx *store.Tx) error {
		// InsertMessage checks membership again: it may have changed since.
		ok, err := tx.InsertMessage(ctx, &row)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return errNoConversation()
		}
		if err != nil || !ok {
			return cmpErr(err, errRetried)
		}
		if err := tx.LinkAttachments(ctx, &row, p.User.ID, req.AttachmentIDs); err != nil {
			return err
		}
		if row.PatientID != "" { // only a conversation about a patient can be a team inbox thread (internal/inbox)
			if err := tx.InboxMessageSent(ctx, convID, p.User.Role == ward.RolePatient); err != nil {
				return err
			}
		}
		recipients, err := tx.Recipients(ctx, &row)
		if err != nil {
			return err
		}
		members = append(recipients, p.User.ID)
		reason := "conversation " + convID
		if row.Priority == ward.Urgent {
			pol, err := tx.Policy(ctx, row.OrgID)
			if err != nil {
				return err
			}
			err = tx.CreateEscalations(ctx, &row, tx.Now.Add(pol.UrgentRenotify.D()), tx.Now.Add(pol.UrgentEscalate.D()))
			if err != nil {
				return err
			}
			reason += ", urgent"
		}
		e := p.Event(audit.MessageSent, "message", row.ID)
		e.PatientID, e.Reason = row.PatientID, reason
		return audit.Append(ctx, tx, e)
	})
	if errors.Is(err, errRetried) {
		// A concurrent retry won the race: answer with its message.
		err = a.store.Read(ctx, func(tx *store.Tx) error {
			var err error
			earlier, err = tx.MessageByClientID(ctx, convID, p.User.ID, req.ClientID)
			return err
		})
		if err != nil {
			return ward.Message{}, false, err
		}
		return a.retriedWithAttachments(ctx, earlier, req)
	}
	if err != nil {
		return ward.Message{}, false, err
	}
	a.rememberMembers(convID, members...)
	m = row.Message
	m.Body = req.Body
	if len(req.AttachmentIDs) > 0 {
		if m.Attachments, err = a.attachments.Sent(ctx, m.ID); err != nil {
			return ward.Message{}, false, err
		}
	}
	a.publish(ctx, realtime.Event{Type: realtime.MessageCreated, OrgID: row.OrgID, ConversationID: convID, Seq: m.Seq,
		Data: eventJSON(messageEvent{ID: m.ID, ConversationID: convID, Seq: m.Seq, SenderID: m.SenderID, ClientID: m.ClientID,
			Body: m.Body, Priority: m.Priority, CreatedAt: timePtr(m.CreatedAt), Attachments: attachmentEvents(m.Attachments)}),
		Users: members, Except: req.Origin, PHI: true, PatientID: row.PatientID})
	if p.User.Role == ward.RolePatient && row.PatientID != "" {
		a.patientWrote(ctx, row.OrgID, convID) // a team inbox may answer after hours (internal/inbox)
	}
	return m, true, nil
}

// cmpErr returns err, or alt when err is nil.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// checkSend checks, before a send seals anything, that the sender is a
// member of the conversation, looks for an earlier message with the same
// client id, and for an urgent message checks (or picks) its backup. A
// refused send so leaves nothing behind, not even a data key. The common
// case, a normal message from someone this node recently saw to be a
// member, reads nothing here: the send's transaction checks membership
// again and finds a reused client id by its unique index.
func (a *App) checkSend(ctx context.Context, p *Principal, convID string, m *ward.Message) (earlier store.Message, err error) {
	if _, seen := a.members.Get(memberKey{convID, p.User.ID}, a.now()); seen && m.Priority != ward.Urgent {
		return earlier, nil
	}
	err = a.store.Read(ctx, func(tx *store.Tx) error {
		conv, err := member(ctx, tx, p, convID)
		if err != nil {
			return err
		}
		if earlier, err = tx.MessageByClientID(ctx, convID, p.User.ID, m.ClientID); ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		switch {
		case m.Priority != ward.Urgent:
		case m.BackupUserID != "":
			return checkBackup(ctx, tx, p, m.BackupUserID)
		case conv.CreatedBy != p.User.ID && checkBackup(ctx, tx, p, conv.CreatedBy) == nil:
			m.BackupUserID = conv.CreatedBy // the default backup, when it can be one
		}
		return nil
	})
	if err == nil {
		a.rememberMembers(convID, p.User.ID)
	}
	return earlier, err
}

// checkBackup checks that the backup of an urgent message is an active
// clinician or staff member of the org other than the sender.
func checkBackup(ctx context.Context, tx *store.Tx, p *Principal, id string) error {
	if id == "" {
		return nil
	}
	if id == p.User.ID {
		return ward.Errorf(ward.CodeInvalid, "backup_user_id must be someone other than the sender")
	}
	u, err := tx.UserByID(ctx, p.User.OrgID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeInvalid, "backup_user_id is not a user of your org")
	}
	if err != nil {
		return err
	}
	if !mayJoinAsBackup(u) {
		return ward.Errorf(ward.CodeInvalid, "the backup must be an active clinician or staff member")
	}
	return nil
}

// retried answers a send whose client id was used before: the earlier
// message if the body is the same, a conflict otherwise. The comparison
// opens the earlier ciphertext, so no hash of a body is ever stored.
func (a *App) retried(ctx context.Context, earlier store.Message, body string) (ward.Message, bool, error) {
	conflict := ward.Errorf(ward.CodeConflict,
		"client_id was already used for a different message; use a new client_id for a new message")
	if earlier.Tombstone() {
		return ward.Message{}, false, ward.Errorf(ward.CodeConflict, "client_id was already used for a message that was since recalled or purged")
	}
	pt, err := a.keys.Open(ctx, bodyRef(earlier.OrgID, earlier.ConversationID, earlier.ID), earlier.BodySealed)
	if err != nil {
		return ward.Message{}, false, err
	}
	if subtle.ConstantTimeCompare(pt, []byte(body)) != 1 {
		return ward.Message{}, false, conflict
	}
	m := earlier.Message
	m.Body = body
	return m, false, nil
}

// ListMessages lists up to limit (1 to ward.MaxPageSize; 0 is 50) messages
// of one of the caller's conversations after the sequence number afterSeq,
// in order, with bodies opened. Recalled and purged messages are tombstones
// without a body; the caller's own messages carry their receipts. One
// message.read event, recorded durably before the answer, covers the page.
func (a *App) ListMessages(ctx context.Context, p *Principal, convID string, afterSeq int64, limit int) ([]ward.Message, error) {
	if err := p.Can(authz.MessageRead); err != nil {
		return nil, err
	}
	return a.messagePage(ctx, p, afterSeq, limit, convID, p.Event(audit.MessageRead, "conversation", convID), nil)
}

// Grant names, in the page's read transaction, the conversation a reader
// without membership may read and the audit event of the read, whose
// PatientID is the conversation's patient; an error (a grant that does not
// exist, or whose time box ended) refuses it.
type Grant func(tx *store.Tx) (convID string, e audit.Event, err error)

// messagePage reads and opens a page of messages for p and records the
// event e, with the conversation's patient and the page appended to its
// reason, durably before the answer. grant nil: p reads conversation
// convID as a member; else p reads without membership under the grant (a
// compliance review, a break-glass), which names the conversation and the
// event in the same read transaction; p has no receipts to show there.
func (a *App) messagePage(ctx context.Context, p *Principal, afterSeq int64, limit int, convID string, e audit.Event, grant Grant) ([]ward.Message, error) {
	granted := grant != nil
	switch {
	case limit == 0:
		limit = 50
	case limit < 0 || limit > ward.MaxPageSize:
		return nil, ward.Errorf(ward.CodeInvalid, "limit must be 1 to %d", ward.MaxPageSize)
	case afterSeq < 0:
		return nil, ward.Errorf(ward.CodeInvalid, "after must be a sequence number (0 or more)")
	}
	var conv store.Conversation
	var rows []store.Message
	var receipts map[string][]ward.Receipt
	var atts map[string][]store.Attachment
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if granted { // the grant vouches for the conversation and names its patient (e.PatientID)
			if convID, e, err = grant(tx); err != nil {
				return err
			}
			conv.ID, conv.PatientID = convID, e.PatientID
		} else {
			conv, err = member(ctx, tx, p, convID)
		}
		if err != nil {
			return err
		}
		if m, _ := conv.Member(p.User.ID); m.HistoryFrom > 0 && !granted {
			afterSeq = max(afterSeq, m.HistoryFrom-1) // a backup reads from the urgent message on
		}
		if rows, err = tx.ListMessages(ctx, convID, afterSeq, limit); err != nil {
			return err
		}
		var own []store.Message
		for _, r := range rows {
			if r.SenderID == p.User.ID && !granted {
				own = append(own, r)
			}
		}
		if receipts, err = tx.Receipts(ctx, convID, own); err != nil {
			return err
		}
		atts, err = tx.MessageAttachments(ctx, liveMessageIDs(rows))
		return err
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	out := make([]ward.Message, len(rows))
	for i, r := range rows {
		out[i] = r.Message
		if r.Tombstone() {
			continue
		}
		pt, err := a.keys.Open(ctx, bodyRef(r.OrgID, convID, r.ID), r.BodySealed)
		if err != nil {
			return nil, err
		}
		out[i].Body, out[i].Receipts = string(pt), receipts[r.ID]
		if out[i].Attachments, err = a.attachments.Names(ctx, atts[r.ID]); err != nil {
			return nil, err
		}
	}
	e.PatientID = conv.PatientID
	page := fmt.Sprintf("messages %d to %d (%d)", out[0].Seq, out[len(out)-1].Seq, len(out))
	if e.Reason != "" {
		page = e.Reason + ": " + page
	}
	e.Reason = page
	if err := a.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

// Recall destroys the content of one of the caller's own messages within
// the org's recall window: the ciphertext is removed from the row, members
// see a tombstone, and the audit trail keeps who recalled what and when.
func (a *App) Recall(ctx context.Context, p *Principal, messageID string) (ward.Message, error) {
	if err := p.Can(authz.MessageRecall); err != nil {
		return ward.Message{}, err
	}
	var m store.Message
	var members []string
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
		if m.SenderID != p.User.ID {
			return ward.Errorf(ward.CodeForbidden, "only the sender can recall a message")
		}
		if m.Tombstone() {
			return ward.Errorf(ward.CodeConflict, "the message was already recalled or purged")
		}
		pol, err := tx.Policy(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		if tx.Now.Sub(m.CreatedAt) > pol.RecallWindow.D() {
			return ward.Errorf(ward.CodeConflict, "the recall window (%s) has passed", pol.RecallWindow.D())
		}
		kept, err := tx.RecallMessage(ctx, p.User.OrgID, m.ID)
		if err != nil {
			return err
		}
		m.RecalledAt, m.BodySealed = tx.Now, nil
		e := p.Event(audit.MessageRecalled, "message", m.ID)
		e.PatientID, e.Reason = c.PatientID, "conversation "+c.ID
		if kept {
			e.Reason += "; under legal hold: the sealed body is kept for compliance review"
		}
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return ward.Message{}, err
	}
	a.attachments.DropBlobsAfter(ctx, m.ConversationID)
	a.publish(ctx, realtime.Event{Type: realtime.MessageRecalled, OrgID: m.OrgID, ConversationID: m.ConversationID, Seq: m.Seq,
		Data:  eventJSON(messageEvent{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, RecalledAt: timePtr(m.RecalledAt)}),
		Users: members})
	return m.Message, nil
}

// errNoMessage turns not_found into the answer for a message that does not
// exist or is not the caller's to see.
func errNoMessage(err error) error {
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeNotFound, "no such message")
	}
	return err
}
