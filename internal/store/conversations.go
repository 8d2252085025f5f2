package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// Conversation is a conversation as stored: Title and Topic of the embedded
// ward.Conversation are empty, their ciphertexts are in TitleSealed and
// TopicSealed (nil when there is none).
type Conversation struct {
	ward.Conversation
	TitleSealed []byte
	TopicSealed []byte
	// DirectKey identifies the pair of a direct conversation (DirectKey
	// builds it); empty for groups.
	DirectKey string
}

// ConversationSummary is a stored conversation with one member's counts.
type ConversationSummary struct {
	Conversation
	Unread        int
	UrgentUnacked int
}

// DirectKey is the key of the direct conversation between two users: the
// same whichever way round they are given.
func DirectKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + "|" + b
}

// A conversation's last sequence number and last message time are read
// from its newest message (the (conversation, seq) index): a send writes
// nothing to the conversation's row (messages.go).
const convCols = "c.id, c.org_id, c.kind, COALESCE(c.direct_key, ''), c.title_sealed, c.topic_sealed, c.patient_id, " +
	"c.created_by, c.created_at, c.lifespan, " + lastSeqOf + " AS last_seq, " +
	"COALESCE((SELECT created_at FROM messages WHERE conversation_id = c.id ORDER BY seq DESC LIMIT 1), 0) AS last_message_at"

// lastSeqOf is the sequence number of conversation c's newest message, 0
// when it has none.
const lastSeqOf = "COALESCE((SELECT MAX(seq) FROM messages WHERE conversation_id = c.id), 0)"

// CreateConversation stores a new conversation and its members, stamped
// with the transaction time. A second direct conversation between the same
// two people is a conflict.
func (tx *Tx) CreateConversation(ctx context.Context, c *Conversation) error {
	c.CreatedAt, c.LastSeq, c.LastMessageAt = tx.Now, 0, time.Time{}
	var direct any
	if c.DirectKey != "" {
		direct = c.DirectKey
	}
	_, err := tx.exec(ctx, `INSERT INTO conversations (id, org_id, kind, direct_key, title_sealed, topic_sealed, patient_id,
		created_by, created_at, lifespan) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.OrgID, string(c.Kind), direct, nilIfEmpty(c.TitleSealed), nilIfEmpty(c.TopicSealed), c.PatientID,
		c.CreatedBy, micros(c.CreatedAt), c.Lifespan.Microseconds())
	if err != nil {
		return err
	}
	for i := range c.Members {
		c.Members[i].JoinedAt = tx.Now
		if _, err := tx.AddMember(ctx, c.ID, c.Members[i].UserID, c.Members[i].Role); err != nil {
			return err
		}
	}
	return nil
}

// AddMember adds a user to a conversation, stamped with the transaction
// time. It reports false when the user already was a member.
func (tx *Tx) AddMember(ctx context.Context, convID, userID string, role ward.MemberRole) (bool, error) {
	return tx.AddMemberFrom(ctx, convID, userID, role, 0)
}

// AddMemberFrom is AddMember for a member who may read the conversation's
// messages from sequence number historyFrom on only (0: all of them).
func (tx *Tx) AddMemberFrom(ctx context.Context, convID, userID string, role ward.MemberRole, historyFrom int64) (bool, error) {
	if tx.wc != nil {
		tx.wc.forget(convID)
		if tx.batch != nil {
			delete(tx.batch.convs, convID)
		}
	}
	// history_from is named only when set (its default is 0), so that the
	// migration tests can seed a schema from before migration 0014.
	cols, vals, args := "", "", []any{convID, userID, string(role), micros(tx.Now)}
	if historyFrom > 0 {
		cols, vals, args = ", history_from", ", $5", append(args, historyFrom)
	}
	res, err := tx.exec(ctx, `INSERT INTO conversation_members (conversation_id, user_id, role, joined_at`+cols+`)
		VALUES ($1, $2, $3, $4`+vals+`) ON CONFLICT (conversation_id, user_id) DO NOTHING`, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// IsMember reports whether a user is a member of a conversation.
func (tx *Tx) IsMember(ctx context.Context, convID, userID string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
		convID, userID).Scan(&n)
	return n > 0, tx.d.wrap(err)
}

// ConversationByID finds an org's conversation, with its members.
func (tx *Tx) ConversationByID(ctx context.Context, orgID, id string) (Conversation, error) {
	c, err := tx.scanConversation(tx.queryRow(ctx, "SELECT "+convCols+" FROM conversations c WHERE c.org_id = $1 AND c.id = $2", orgID, id))
	if err != nil {
		return c, err
	}
	c.Members, err = tx.Members(ctx, c.ID)
	return c, err
}

// DirectConversation finds the direct conversation of an org with the given
// DirectKey, with its members.
func (tx *Tx) DirectConversation(ctx context.Context, orgID, directKey string) (Conversation, error) {
	c, err := tx.scanConversation(tx.queryRow(ctx, "SELECT "+convCols+" FROM conversations c WHERE c.org_id = $1 AND c.direct_key = $2",
		orgID, directKey))
	if err != nil {
		return c, err
	}
	c.Members, err = tx.Members(ctx, c.ID)
	return c, err
}

// Members lists a conversation's members in the order they joined.
func (tx *Tx) Members(ctx context.Context, convID string) ([]ward.Member, error) {
	ms, err := tx.membersWhere(ctx, "conversation_id = $1", convID)
	return ms[convID], err
}

func (tx *Tx) membersWhere(ctx context.Context, where string, args ...any) (map[string][]ward.Member, error) {
	rows, err := tx.query(ctx, "SELECT conversation_id, user_id, role, joined_at, history_from FROM conversation_members WHERE "+where+
		" ORDER BY conversation_id, joined_at, user_id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]ward.Member{}
	for rows.Next() {
		var conv, role string
		var m ward.Member
		var joined int64
		if err := rows.Scan(&conv, &m.UserID, &role, &joined, &m.HistoryFrom); err != nil {
			return nil, tx.d.wrap(err)
		}
		m.Role, m.JoinedAt = ward.MemberRole(role), fromMicros(joined)
		out[conv] = append(out[conv], m)
	}
	return out, tx.d.wrap(rows.Err())
}

// ConversationSummaries lists the conversations a user of an org is a
// member of, newest activity first, with the user's unread and urgent
// unacknowledged counts and every conversation's members. A non-empty
// convID restricts the list to that conversation.
func (tx *Tx) ConversationSummaries(ctx context.Context, orgID, userID, convID string) ([]ConversationSummary, error) {
	return tx.conversationSummaries(ctx, orgID, userID, convID, "")
}

// PatientConversationSummaries is ConversationSummaries restricted to the
// conversations whose patient_id is patientID.
func (tx *Tx) PatientConversationSummaries(ctx context.Context, orgID, userID, patientID string) ([]ConversationSummary, error) {
	return tx.conversationSummaries(ctx, orgID, userID, "", patientID)
}

func (tx *Tx) conversationSummaries(ctx context.Context, orgID, userID, convID, patientID string) ([]ConversationSummary, error) {
	q := "SELECT " + convCols + `,
		(SELECT COUNT(*) FROM messages msg WHERE msg.conversation_id = c.id AND msg.seq > m.read_seq AND msg.seq >= m.history_from
			AND msg.sender_id <> $2
			AND msg.recalled_at = 0 AND msg.purged_at = 0),
		(SELECT COUNT(*) FROM receipts r WHERE r.conversation_id = c.id AND r.user_id = $2 AND r.urgent = 1 AND r.acked_at = 0)
		FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.user_id = $2 AND c.org_id = $1`
	args := []any{orgID, userID}
	if convID != "" {
		q, args = q+" AND c.id = $3", append(args, convID)
	}
	if patientID != "" {
		// Conversations about a duplicate merged into the patient list too.
		q, args = q+" AND (c.patient_id = $3 OR c.patient_id IN (SELECT id FROM patients WHERE org_id = $1 AND merged_into = $3))",
			append(args, patientID)
	}
	rows, err := tx.query(ctx, q+" ORDER BY last_message_at DESC, c.id", args...)
	if err != nil {
		return nil, err
	}
	var out []ConversationSummary
	for rows.Next() {
		var s ConversationSummary
		var unread, urgent int64
		c, err := tx.scanConversation(rows, &unread, &urgent)
		if err != nil {
			rows.Close()
			return nil, err
		}
		s.Conversation, s.Unread, s.UrgentUnacked = c, int(unread), int(urgent)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.d.wrap(err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	var members map[string][]ward.Member
	if convID != "" {
		members, err = tx.membersWhere(ctx, "conversation_id = $1", convID)
	} else {
		members, err = tx.membersWhere(ctx, "conversation_id IN (SELECT conversation_id FROM conversation_members WHERE user_id = $1)", userID)
	}
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Members = members[out[i].ID]
	}
	return out, nil
}

// ConversationLifespan is what the lifespan job needs of a conversation.
type ConversationLifespan struct {
	ID        string
	PatientID string
	Lifespan  time.Duration
}

// ConversationLifespans lists an org's conversations that have messages,
// with their own lifespans.
func (tx *Tx) ConversationLifespans(ctx context.Context, orgID string) ([]ConversationLifespan, error) {
	rows, err := tx.query(ctx, `SELECT id, patient_id, lifespan FROM conversations c WHERE org_id = $1
		AND EXISTS (SELECT 1 FROM messages WHERE conversation_id = c.id) ORDER BY id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConversationLifespan
	for rows.Next() {
		var c ConversationLifespan
		var us int64
		if err := rows.Scan(&c.ID, &c.PatientID, &us); err != nil {
			return nil, tx.d.wrap(err)
		}
		c.Lifespan = time.Duration(us) * time.Microsecond
		out = append(out, c)
	}
	return out, tx.d.wrap(rows.Err())
}

func (tx *Tx) scanConversation(row scanner, extra ...any) (Conversation, error) {
	var c Conversation
	var kind string
	var created, lifespan, lastAt int64
	dest := append([]any{&c.ID, &c.OrgID, &kind, &c.DirectKey, &c.TitleSealed, &c.TopicSealed, &c.PatientID,
		&c.CreatedBy, &created, &lifespan, &c.LastSeq, &lastAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Conversation{}, tx.d.wrap(err)
	}
	c.Kind, c.CreatedAt, c.Lifespan = ward.ConversationKind(kind), fromMicros(created), time.Duration(lifespan)*time.Microsecond
	if lastAt != 0 {
		c.LastMessageAt = fromMicros(lastAt)
	}
	return c, nil
}

// nilIfEmpty stores an empty byte slice as NULL.
func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// stringArgs turns strings into query arguments.
func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
