package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// GrantRow is a compliance review or a break-glass use as stored: the
// stated reason's text and the verdict's note are sealed (internal/compliance
// seals them).
type GrantRow struct {
	ward.Grant
	OrgID        string
	ReasonSealed []byte
	NoteSealed   []byte
}

const grantCols = `id, org_id, kind, user_id, conversation_id, patient_id, category, reason_sealed, opened_at, expires_at,
	verdict, note_sealed, verdict_by, verdict_at`

// CreateGrant stores a new grant; OpenedAt and ExpiresAt are the caller's.
func (tx *Tx) CreateGrant(ctx context.Context, g *GrantRow) error {
	_, err := tx.exec(ctx, `INSERT INTO access_grants (`+grantCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', NULL, '', 0)`,
		g.ID, g.OrgID, string(g.Kind), g.UserID, g.ConversationID, g.PatientID, string(g.Reason.Category), g.ReasonSealed,
		micros(g.OpenedAt), micros(g.ExpiresAt))
	return err
}

// GrantByID reads one grant of an org; CodeNotFound when there is none.
func (tx *Tx) GrantByID(ctx context.Context, orgID, id string) (GrantRow, error) {
	gs, err := tx.grants(ctx, "WHERE org_id = $1 AND id = $2", orgID, id)
	if err != nil {
		return GrantRow{}, err
	}
	if len(gs) == 0 {
		return GrantRow{}, ward.Errorf(ward.CodeNotFound, "no such review or break-glass")
	}
	return gs[0], nil
}

// GrantFilter selects grants: of one kind, opened before Before (a paging
// cursor: zero for the newest), and Unjudged ones only.
type GrantFilter struct {
	Kind     ward.GrantKind
	Before   time.Time
	Unjudged bool
	Limit    int
}

// Grants lists an org's grants, newest first.
func (tx *Tx) Grants(ctx context.Context, orgID string, f GrantFilter) ([]GrantRow, error) {
	where, args := []string{"org_id = $1", "kind = $2"}, []any{orgID, string(f.Kind)}
	if !f.Before.IsZero() {
		args = append(args, micros(f.Before))
		where = append(where, "opened_at < $3")
	}
	if f.Unjudged {
		where = append(where, "verdict = ''")
	}
	return tx.grants(ctx, "WHERE "+strings.Join(where, " AND ")+" ORDER BY opened_at DESC, id LIMIT "+strconv.Itoa(max(1, f.Limit)), args...)
}

// GrantCounts counts an org's grants of kind: all, and those without a verdict.
func (tx *Tx) GrantCounts(ctx context.Context, orgID string, kind ward.GrantKind) (all, unjudged int, err error) {
	err = tx.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN verdict = '' THEN 1 ELSE 0 END), 0)
		FROM access_grants WHERE org_id = $1 AND kind = $2`, orgID, string(kind)).Scan(&all, &unjudged)
	return all, unjudged, tx.d.wrap(err)
}

// JudgeGrant records compliance's verdict on a grant (once: a grant that
// has one is CodeConflict), stamped with the transaction's clock.
func (tx *Tx) JudgeGrant(ctx context.Context, orgID, id, verdict string, note []byte, by string) error {
	err := tx.execOne(ctx, `UPDATE access_grants SET verdict = $1, note_sealed = $2, verdict_by = $3, verdict_at = $4
		WHERE org_id = $5 AND id = $6 AND verdict = ''`, verdict, nilIfEmpty(note), by, micros(tx.Now), orgID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeConflict, "this break-glass use was already judged")
	}
	return err
}

func (tx *Tx) grants(ctx context.Context, where string, args ...any) ([]GrantRow, error) {
	rows, err := tx.query(ctx, "SELECT "+grantCols+" FROM access_grants "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GrantRow
	for rows.Next() {
		var g GrantRow
		var kind, cat string
		var opened, expires, judged int64
		if err := rows.Scan(&g.ID, &g.OrgID, &kind, &g.UserID, &g.ConversationID, &g.PatientID, &cat, &g.ReasonSealed,
			&opened, &expires, &g.Verdict, &g.NoteSealed, &g.VerdictBy, &judged); err != nil {
			return nil, tx.d.wrap(err)
		}
		g.Kind, g.Reason.Category = ward.GrantKind(kind), ward.ReasonCategory(cat)
		g.OpenedAt, g.ExpiresAt = fromMicros(opened), fromMicros(expires)
		if judged != 0 {
			g.VerdictAt = fromMicros(judged)
		}
		out = append(out, g)
	}
	return out, tx.d.wrap(rows.Err())
}

// ConversationFilter selects conversations for a compliance search: by id,
// patient record, member (any who is or was one: a conversation_members
// row) and creation or last activity in [From, To). At least one is set.
type ConversationFilter struct {
	ID, PatientID, MemberID string
	From, To                time.Time
	Limit                   int
}

// FindConversations lists an org's conversations that match f, newest
// first, with their members. Titles stay sealed: the search runs over ids,
// members, patients and dates only.
func (tx *Tx) FindConversations(ctx context.Context, orgID string, f ConversationFilter) ([]Conversation, error) {
	where, args := []string{"c.org_id = $1"}, []any{orgID}
	add := func(cond string, v any) { // each ? in cond is v
		for strings.Contains(cond, "?") {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.ID != "" {
		add("c.id = ?", f.ID)
	}
	if f.PatientID != "" {
		add("c.patient_id = ?", f.PatientID)
	}
	if f.MemberID != "" {
		add("c.id IN (SELECT conversation_id FROM conversation_members WHERE user_id = ?)", f.MemberID)
	}
	if !f.From.IsZero() { // active at or after From: created then, or a message since
		add("(c.created_at >= ? OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.created_at >= ?))", micros(f.From))
	}
	if !f.To.IsZero() {
		add("c.created_at < ?", micros(f.To))
	}
	rows, err := tx.query(ctx, "SELECT "+convCols+" FROM conversations c WHERE "+strings.Join(where, " AND ")+
		" ORDER BY c.created_at DESC, c.id LIMIT "+strconv.Itoa(max(1, f.Limit)), args...)
	if err != nil {
		return nil, err
	}
	var out []Conversation
	for rows.Next() {
		c, err := tx.scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	if err := tx.d.wrap(rows.Err()); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	for i := range out {
		if out[i].Members, err = tx.Members(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PatientConversations lists every conversation of an org about a patient
// record, members or not (a break-glass reads them), newest first.
func (tx *Tx) PatientConversations(ctx context.Context, orgID, patientID string) ([]Conversation, error) {
	return tx.FindConversations(ctx, orgID, ConversationFilter{PatientID: patientID, Limit: 200})
}
