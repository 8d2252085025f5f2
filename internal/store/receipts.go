package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// Receipts come in two forms (migration 0010). A normal message has no
// receipt rows: each member has a delivered and a read position in the
// conversation (conversation_members.delivered_seq, read_seq), and every
// move of a position is a receipt mark (receipt_marks); a message was
// delivered to (read by) a member at the time of the first mark at or past
// its seq. An urgent message keeps a receipt row per recipient, which also
// carries the acknowledgement.

// Recipients returns the members of m's conversation other than its sender;
// for an urgent message it also gives each of them an empty receipt row.
// After InsertMessage in the same transaction a normal message's recipients
// are the members it read.
func (tx *Tx) Recipients(ctx context.Context, m *Message) ([]string, error) {
	if m.members != nil && m.Priority != ward.Urgent {
		users := make([]string, 0, len(m.members))
		for _, u := range m.members {
			if u != m.SenderID {
				users = append(users, u)
			}
		}
		return users, nil
	}
	q := `SELECT user_id FROM conversation_members WHERE conversation_id = $1 AND user_id <> $2`
	args := []any{m.ConversationID, m.SenderID}
	if m.Priority == ward.Urgent {
		q = `INSERT INTO receipts (message_id, user_id, conversation_id, seq, sender_id, urgent)
		SELECT $3, user_id, $1, $4, $2, 1 FROM conversation_members WHERE conversation_id = $1 AND user_id <> $2
		RETURNING user_id`
		args = append(args, m.ID, m.Seq)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, tx.d.wrap(err)
		}
		users = append(users, u)
	}
	return users, tx.d.wrap(rows.Err())
}

// EnsureReceipt gives a user an empty receipt for m unless they have one.
func (tx *Tx) EnsureReceipt(ctx context.Context, m *Message, userID string) error {
	_, err := tx.exec(ctx, `INSERT INTO receipts (message_id, user_id, conversation_id, seq, sender_id, urgent)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, user_id) DO NOTHING`,
		m.ID, userID, m.ConversationID, m.Seq, m.SenderID, boolInt(m.Priority == ward.Urgent))
	return err
}

// ReceiptChange is one message whose receipt MarkReceipts changed.
type ReceiptChange struct {
	MessageID string
	Seq       int64
	SenderID  string
}

// MarkReceipts records that a member received (delivered) or showed (read,
// which implies delivered) every message of a conversation up to and
// including seq (at most the conversation's last), at the transaction time,
// and returns the messages of others whose receipt this changed: those
// past the member's earlier position, recalled and purged ones aside.
// Urgent messages' receipt rows are stamped too. A position never moves
// back; a mark that moves nothing changes nothing. CodeNotFound: not a
// member, or not a conversation of orgID. The membership check is the
// first statement's, so a mark needs no other read of the conversation.
func (tx *Tx) MarkReceipts(ctx context.Context, orgID, convID, userID string, upToSeq int64, kind ward.ReceiptKind) ([]ReceiptChange, error) {
	var delivered, read, last int64
	err := tx.queryRow(ctx, `SELECT m.delivered_seq, m.read_seq, `+lastSeqOf+` FROM conversation_members m
		JOIN conversations c ON c.id = m.conversation_id WHERE m.conversation_id = $1 AND m.user_id = $2 AND c.org_id = $3`,
		convID, userID, orgID).Scan(&delivered, &read, &last)
	if err != nil {
		return nil, tx.d.wrap(err)
	}
	upToSeq = min(upToSeq, last)
	from := delivered // the changes are the messages past the old position of the kind marked
	if kind == ward.Read {
		from = read
	}
	if upToSeq <= from {
		return nil, nil
	}
	now := micros(tx.Now)
	marks := []ward.ReceiptKind{kind}
	if kind == ward.Read && upToSeq > delivered {
		marks = append(marks, ward.Delivered)
	}
	for _, k := range marks {
		if _, err := tx.exec(ctx, `INSERT INTO receipt_marks (conversation_id, user_id, kind, up_to_seq, at) VALUES ($1, $2, $3, $4, $5)`,
			convID, userID, string(k), upToSeq, now); err != nil {
			return nil, err
		}
	}
	if kind == ward.Read {
		read = max(read, upToSeq)
	}
	if err := tx.execOne(ctx, `UPDATE conversation_members SET delivered_seq = $1, read_seq = $2 WHERE conversation_id = $3 AND user_id = $4`,
		max(delivered, upToSeq), read, convID, userID); err != nil {
		return nil, err
	}
	q := `UPDATE receipts SET delivered_at = $1 WHERE conversation_id = $2 AND user_id = $3 AND seq <= $4 AND delivered_at = 0`
	if kind == ward.Read {
		q = `UPDATE receipts SET read_at = $1, delivered_at = CASE WHEN delivered_at = 0 THEN $1 ELSE delivered_at END
			WHERE conversation_id = $2 AND user_id = $3 AND seq <= $4 AND read_at = 0`
	}
	if _, err := tx.exec(ctx, q, now, convID, userID, upToSeq); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT id, seq, sender_id FROM messages WHERE conversation_id = $1 AND seq > $2 AND seq <= $3
		AND sender_id <> $4 AND recalled_at = 0 AND purged_at = 0 ORDER BY seq`, convID, from, upToSeq, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReceiptChange
	for rows.Next() {
		var c ReceiptChange
		if err := rows.Scan(&c.MessageID, &c.Seq, &c.SenderID); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, c)
	}
	return out, tx.d.wrap(rows.Err())
}

// AcknowledgeReceipt stamps a user's receipt of a message as acknowledged
// (and read and delivered, if not yet) with the transaction time. It
// reports false when it was already acknowledged, and fails with not_found
// when the user has no receipt for the message.
func (tx *Tx) AcknowledgeReceipt(ctx context.Context, messageID, userID string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE receipts SET acked_at = $1,
		read_at = CASE WHEN read_at = 0 THEN $1 ELSE read_at END,
		delivered_at = CASE WHEN delivered_at = 0 THEN $1 ELSE delivered_at END
		WHERE message_id = $2 AND user_id = $3 AND acked_at = 0`, micros(tx.Now), messageID, userID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM receipts WHERE message_id = $1 AND user_id = $2", messageID, userID).Scan(&n); err != nil {
		return false, tx.d.wrap(err)
	}
	if n == 0 {
		return false, ward.Errorf(ward.CodeNotFound, "no receipt for this message")
	}
	return false, nil
}

// Receipts returns the receipts of messages of one conversation (none for
// recalled or purged ones), by message id, each ordered by user id. An
// urgent message's are its receipt rows; a normal message has one for
// every member but its sender, stamped from the members' marks.
func (tx *Tx) Receipts(ctx context.Context, convID string, msgs []Message) (map[string][]ward.Receipt, error) {
	out := map[string][]ward.Receipt{}
	var urgent []string
	var normal []Message
	for _, m := range msgs {
		switch {
		case m.ConversationID != convID || m.Tombstone():
		case m.Priority == ward.Urgent:
			urgent = append(urgent, m.ID)
		default:
			normal = append(normal, m)
		}
	}
	if err := tx.receiptRows(ctx, urgent, out); err != nil {
		return nil, err
	}
	if len(normal) == 0 {
		return out, nil
	}
	members, err := tx.Members(ctx, convID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(members, func(a, b ward.Member) int { return strings.Compare(a.UserID, b.UserID) })
	lo, hi := normal[0].Seq, normal[0].Seq
	for _, m := range normal {
		lo, hi = min(lo, m.Seq), max(hi, m.Seq)
	}
	for _, u := range members {
		delivered, err := tx.marks(ctx, convID, u.UserID, ward.Delivered, lo, hi)
		if err != nil {
			return nil, err
		}
		read, err := tx.marks(ctx, convID, u.UserID, ward.Read, lo, hi)
		if err != nil {
			return nil, err
		}
		for _, m := range normal {
			if m.SenderID != u.UserID {
				out[m.ID] = append(out[m.ID], ward.Receipt{MessageID: m.ID, UserID: u.UserID,
					DeliveredAt: delivered.at(m.Seq), ReadAt: read.at(m.Seq)})
			}
		}
	}
	return out, nil
}

// receiptRows adds the receipt rows of messages to out.
func (tx *Tx) receiptRows(ctx context.Context, ids []string, out map[string][]ward.Receipt) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.query(ctx, "SELECT message_id, user_id, delivered_at, read_at, acked_at FROM receipts WHERE message_id IN ("+
		placeholders(1, len(ids))+") ORDER BY message_id, user_id", stringArgs(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r ward.Receipt
		var d, rd, a int64
		if err := rows.Scan(&r.MessageID, &r.UserID, &d, &rd, &a); err != nil {
			return tx.d.wrap(err)
		}
		r.DeliveredAt, r.ReadAt, r.AckedAt = optMicros(d), optMicros(rd), optMicros(a)
		out[r.MessageID] = append(out[r.MessageID], r)
	}
	return tx.d.wrap(rows.Err())
}

// mark is a receipt mark: a position and when it was reached.
type mark struct {
	seq int64
	at  int64 // Unix microseconds
}

// markList is a member's marks of one kind, in seq order.
type markList []mark

// at is the time of the first mark at or past seq (zero: none).
func (l markList) at(seq int64) time.Time {
	i, _ := slices.BinarySearchFunc(l, seq, func(m mark, seq int64) int { return cmp.Compare(m.seq, seq) })
	if i == len(l) {
		return time.Time{}
	}
	return fromMicros(l[i].at)
}

// marks reads a member's marks of one kind from the first at or past lo to
// the first at or past hi.
func (tx *Tx) marks(ctx context.Context, convID, userID string, kind ward.ReceiptKind, lo, hi int64) (markList, error) {
	rows, err := tx.query(ctx, `SELECT up_to_seq, at FROM receipt_marks WHERE conversation_id = $1 AND user_id = $2 AND kind = $3
		AND up_to_seq >= $4 ORDER BY up_to_seq`, convID, userID, string(kind), lo)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out markList
	for rows.Next() {
		var m mark
		if err := rows.Scan(&m.seq, &m.at); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, m)
		if m.seq >= hi {
			break
		}
	}
	return out, tx.d.wrap(rows.Err())
}
