package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/wardhealth/ward"
)

// Message is a message as stored: Body of the embedded ward.Message is
// empty, its ciphertext is BodySealed (nil once recalled or purged).
type Message struct {
	ward.Message
	OrgID      string
	BodySealed []byte
	// PatientID is the conversation's patient tag when InsertMessage
	// stored the message (other reads leave it empty).
	PatientID string
	// members are the conversation's members as InsertMessage read them,
	// for Recipients in the same transaction.
	members []string
}

const (
	msgInsertCols = "id, org_id, conversation_id, seq, sender_id, client_id, body_sealed, priority, backup_user_id, created_at"
	msgCols       = msgInsertCols + ", recalled_at, purged_at"
	msgReadCols   = msgCols + ", kind"
)

// msgInsertTypes are the PostgreSQL types of msgInsertCols (insertRows).
var msgInsertTypes = []string{"text", "text", "text", "bigint", "text", "text", "bytea", "text", "text", "bigint"}

// InsertMessage gives m the conversation's next sequence number and stores
// it, stamped with the transaction time, if its sender is a member of the
// conversation (CodeNotFound otherwise: no such conversation, or not the
// sender's); it reads the conversation's patient tag into m.PatientID. It
// returns false, storing nothing, when the sender already sent a message
// with m's ClientID in the conversation: the caller then looks the earlier
// message up.
//
// The next number is one past the conversation's highest, read from the
// (conversation, seq) index that the insert writes anyway, so a send
// writes nothing to the conversation's row: on SQLite that is one page
// fewer in the WAL per send. Senders to one conversation take turns on its
// row (PostgreSQL: SELECT … FOR UPDATE, and the insert's own statement
// then sees the previous sender's message; SQLite: the one writer), so
// numbers are consecutive on both databases.
//
// In the first run of a group commit the row is held back and inserted
// with the batch's others (writercache.go on SQLite, pgbatch.go on
// PostgreSQL); a reused client id then fails the run, and the job's
// second run returns false.
func (tx *Tx) InsertMessage(ctx context.Context, m *Message) (bool, error) {
	if tx.batch != nil {
		return tx.holdMessageRow(ctx, m)
	}
	if tx.wc != nil {
		tx.wc.forget(m.ConversationID) // its highest sequence number moves
	}
	f, err := tx.readConversation(ctx, m.OrgID, m.ConversationID)
	if err != nil {
		return false, err
	}
	if err := tx.admit(f, m); err != nil {
		return false, err
	}
	m.CreatedAt, m.RecalledAt, m.PurgedAt = tx.Now, time.Time{}, time.Time{}
	err = tx.queryRow(ctx, "INSERT INTO messages ("+msgCols+`) VALUES ($1, $2, $3,
		(SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = $3), $4, $5, $6, $7, $8, $9, 0, 0)
		ON CONFLICT (client_id, sender_id, conversation_id) DO NOTHING RETURNING seq`,
		m.ID, m.OrgID, m.ConversationID, m.SenderID, m.ClientID, m.BodySealed, string(m.Priority), m.BackupUserID,
		micros(m.CreatedAt)).Scan(&m.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, tx.d.wrap(err)
}

// holdMessageRow is InsertMessage in a group commit's first run: the
// conversation and the next number come from the writer cache, and the
// row waits for insertHeld (writercache.go).
func (tx *Tx) holdMessageRow(ctx context.Context, m *Message) (bool, error) {
	f, err := tx.conversation(ctx, m.OrgID, m.ConversationID)
	if err != nil {
		return false, err
	}
	if err := tx.admit(f, m); err != nil {
		return false, err
	}
	if m.Seq, err = tx.nextSeq(ctx, m.ConversationID); err != nil {
		return false, err
	}
	m.CreatedAt, m.RecalledAt, m.PurgedAt = tx.Now, time.Time{}, time.Time{}
	tx.batch.pending = append(tx.batch.pending, m)
	return true, nil
}

// convFacts is what a send reads of its conversation.
type convFacts struct {
	orgID, patientID string
	members          []string
}

// readConversation reads an org's conversation's patient tag and members
// in one query (Recipients then needs none), locking the conversation's
// row on PostgreSQL. No such conversation in the org reads as no members.
func (tx *Tx) readConversation(ctx context.Context, orgID, convID string) (convFacts, error) {
	rows, err := tx.query(ctx, `SELECT c.patient_id, cm.user_id FROM conversations c
		JOIN conversation_members cm ON cm.conversation_id = c.id
		WHERE c.org_id = $1 AND c.id = $2`+tx.d.forUpdate, orgID, convID)
	if err != nil {
		return convFacts{}, err
	}
	defer rows.Close()
	f := convFacts{orgID: orgID}
	for rows.Next() {
		var u string
		if err := rows.Scan(&f.patientID, &u); err != nil {
			return convFacts{}, tx.d.wrap(err)
		}
		f.members = append(f.members, u)
	}
	return f, tx.d.wrap(rows.Err())
}

// admit lets m into the conversation f tells of, or fails with
// CodeNotFound unless it is of m's org and m's sender is a member. It
// gives m the conversation's patient tag and members (which may be the
// writer cache's: never append to them).
func (tx *Tx) admit(f convFacts, m *Message) error {
	if f.orgID != m.OrgID || !slices.Contains(f.members, m.SenderID) {
		return tx.d.wrap(sql.ErrNoRows)
	}
	m.PatientID, m.members = f.patientID, f.members
	return nil
}

// MessageByClientID finds the message a sender sent with a client id in a
// conversation.
func (tx *Tx) MessageByClientID(ctx context.Context, convID, senderID, clientID string) (Message, error) {
	return tx.scanMessage(tx.queryRow(ctx, "SELECT "+msgReadCols+" FROM messages WHERE client_id = $3 AND sender_id = $2 AND conversation_id = $1",
		convID, senderID, clientID))
}

// MessageByID finds an org's message.
func (tx *Tx) MessageByID(ctx context.Context, orgID, id string) (Message, error) {
	return tx.scanMessage(tx.queryRow(ctx, "SELECT "+msgReadCols+" FROM messages WHERE org_id = $1 AND id = $2", orgID, id))
}

// ListMessages lists up to limit messages of a conversation with a sequence
// number above afterSeq, in order.
func (tx *Tx) ListMessages(ctx context.Context, convID string, afterSeq int64, limit int) ([]Message, error) {
	rows, err := tx.query(ctx, "SELECT "+msgReadCols+" FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
		convID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := tx.scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, tx.d.wrap(rows.Err())
}

// RecallMessage destroys a message's content (the ciphertext is replaced by
// NULL), stamps recalled_at, drops its receipts and ends its urgent timers.
// A message already recalled or purged is a conflict. When a legal hold
// covers the message, its sealed body is first kept in held_copies for
// compliance review (kept is true), and its attachments are marked deleted
// (members cannot download them) but keep their sealed names and blobs
// until the copy is dropped; members see the tombstone either way.
func (tx *Tx) RecallMessage(ctx context.Context, orgID, id string) (kept bool, err error) {
	if kept, err = tx.keepHeldCopy(ctx, orgID, id); err != nil {
		return false, err
	}
	err = tx.execOne(ctx, `UPDATE messages SET body_sealed = NULL, recalled_at = $1
		WHERE org_id = $2 AND id = $3 AND recalled_at = 0 AND purged_at = 0`, micros(tx.Now), orgID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return false, ward.Errorf(ward.CodeConflict, "the message was already recalled or purged")
	}
	if err != nil {
		return false, err
	}
	if kept {
		return true, tx.forgetHeldMessage(ctx, id)
	}
	return false, tx.forgetMessages(ctx, []string{id})
}

// PurgeBatch is the most messages PurgeMessages destroys in one call.
const PurgeBatch = 500

// PurgeMessages destroys the content of up to PurgeBatch messages of a
// conversation created before cutoff (recalled and purged ones aside),
// stamps purged_at, drops their receipts and ends their urgent timers. It
// returns how many it purged and the highest sequence number among them.
//
// It walks the conversation in sequence order from its purge floor
// (conversations.purged_through: every message up to it is purged or
// recalled) and stops at the first live message that is not old enough.
// Messages are stamped in sequence order, so this finds the same messages
// as a scan by age without an index on (conversation, age) that every send
// would have to update; after the wall clock steps back, a message may be
// purged as late as the step.
func (tx *Tx) PurgeMessages(ctx context.Context, convID string, cutoff time.Time) (int, int64, error) {
	var floor int64
	if err := tx.queryRow(ctx, "SELECT purged_through FROM conversations WHERE id = $1", convID).Scan(&floor); err != nil {
		return 0, 0, tx.d.wrap(err)
	}
	// A message a legal hold covers is skipped, and the floor stops before
	// it, so once the hold is released a later call purges it.
	start, cursor, held, limit := floor, floor, false, micros(cutoff)
	var ids []string
	var maxSeq int64
walk:
	for {
		page, err := tx.agesAfter(ctx, convID, cursor)
		if err != nil {
			return 0, 0, err
		}
		for _, m := range page {
			if !m.gone {
				if m.created >= limit || len(ids) == PurgeBatch {
					break walk
				}
				if m.held {
					held = true
				} else {
					ids, maxSeq = append(ids, m.id), m.seq
				}
			}
			if cursor = m.seq; !held {
				floor = m.seq
			}
		}
		if len(page) < PurgeBatch {
			break
		}
	}
	if floor != start {
		if err := tx.execOne(ctx, "UPDATE conversations SET purged_through = $1 WHERE id = $2", floor, convID); err != nil {
			return 0, 0, err
		}
	}
	if len(ids) == 0 {
		return 0, 0, nil
	}
	args := append([]any{micros(tx.Now)}, stringArgs(ids)...)
	if _, err := tx.exec(ctx, "UPDATE messages SET body_sealed = NULL, purged_at = $1 WHERE id IN ("+placeholders(2, len(ids))+")", args...); err != nil {
		return 0, 0, err
	}
	return len(ids), maxSeq, tx.forgetMessages(ctx, ids)
}

// msgAge is what PurgeMessages reads of a message.
type msgAge struct {
	id      string
	seq     int64
	created int64 // Unix microseconds
	gone    bool  // recalled or purged
	held    bool  // a legal hold covers it
}

// agesAfter reads up to PurgeBatch messages of a conversation after seq, in order.
func (tx *Tx) agesAfter(ctx context.Context, convID string, seq int64) ([]msgAge, error) {
	rows, err := tx.query(ctx, `SELECT m.id, m.seq, m.created_at, m.recalled_at + m.purged_at,
		CASE WHEN m.recalled_at + m.purged_at = 0 AND `+heldMessage("m", "c")+` THEN 1 ELSE 0 END
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3`, convID, seq, PurgeBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []msgAge
	for rows.Next() {
		var m msgAge
		var gone, held int64
		if err := rows.Scan(&m.id, &m.seq, &m.created, &gone, &held); err != nil {
			return nil, tx.d.wrap(err)
		}
		m.gone, m.held = gone != 0, held != 0
		out = append(out, m)
	}
	return out, tx.d.wrap(rows.Err())
}

// forgetMessages drops the receipts, ends the urgent timers and deletes the
// attachments of messages whose content was destroyed.
func (tx *Tx) forgetMessages(ctx context.Context, ids []string) error {
	in := placeholders(1, len(ids))
	if _, err := tx.exec(ctx, "DELETE FROM receipts WHERE message_id IN ("+in+")", stringArgs(ids)...); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "UPDATE urgent_escalations SET done = 1 WHERE message_id IN ("+in+")", stringArgs(ids)...); err != nil {
		return err
	}
	return tx.forgetAttachments(ctx, ids)
}

func (tx *Tx) scanMessage(row scanner) (Message, error) {
	var m Message
	var prio string
	var created, recalled, purged int64
	if err := row.Scan(&m.ID, &m.OrgID, &m.ConversationID, &m.Seq, &m.SenderID, &m.ClientID, &m.BodySealed, &prio,
		&m.BackupUserID, &created, &recalled, &purged, &m.Kind); err != nil {
		return Message{}, tx.d.wrap(err)
	}
	m.Priority, m.CreatedAt = ward.Priority(prio), fromMicros(created)
	if recalled != 0 {
		m.RecalledAt = fromMicros(recalled)
	}
	if purged != 0 {
		m.PurgedAt = fromMicros(purged)
	}
	return m, nil
}
