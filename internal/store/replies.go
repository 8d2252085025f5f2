package store

import (
	"context"

	"github.com/wardhealth/ward"
)

// ReplyRow is a saved reply as stored: exactly one of TeamID and UserID is
// set; Sealed holds its title and body (internal/replies seals them).
type ReplyRow struct {
	ID, OrgID, TeamID, UserID, CreatedBy string
	Sealed                               []byte
	CreatedAt, UpdatedAt                 int64
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateReply stores a new saved reply, stamped with the transaction's clock.
func (tx *Tx) CreateReply(ctx context.Context, r *ReplyRow) error {
	r.CreatedAt, r.UpdatedAt = micros(tx.Now), micros(tx.Now)
	_, err := tx.exec(ctx, `INSERT INTO saved_replies (id, org_id, team_id, user_id, sealed, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.OrgID, nullable(r.TeamID), nullable(r.UserID), r.Sealed, r.CreatedBy, r.CreatedAt, r.UpdatedAt)
	return err
}

// UpdateReply replaces the sealed content of a reply of an org;
// CodeNotFound when there is none.
func (tx *Tx) UpdateReply(ctx context.Context, orgID, id string, sealed []byte) error {
	return tx.execOne(ctx, "UPDATE saved_replies SET sealed = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
		sealed, micros(tx.Now), id, orgID)
}

// DeleteReply deletes a reply of an org; CodeNotFound when there is none.
func (tx *Tx) DeleteReply(ctx context.Context, orgID, id string) error {
	return tx.execOne(ctx, "DELETE FROM saved_replies WHERE id = $1 AND org_id = $2", id, orgID)
}

// ReplyByID reads one reply of an org; CodeNotFound when there is none.
func (tx *Tx) ReplyByID(ctx context.Context, orgID, id string) (ReplyRow, error) {
	rs, err := tx.replies(ctx, "WHERE org_id = $1 AND id = $2", orgID, id)
	if err != nil {
		return ReplyRow{}, err
	}
	if len(rs) == 0 {
		return ReplyRow{}, ward.Errorf(ward.CodeNotFound, "no such saved reply")
	}
	return rs[0], nil
}

// Replies lists the replies of an org that belong to the team teamID ("":
// none) or to the user userID, oldest first.
func (tx *Tx) Replies(ctx context.Context, orgID, teamID, userID string) ([]ReplyRow, error) {
	return tx.replies(ctx, "WHERE org_id = $1 AND ((team_id IS NOT NULL AND team_id = $2) OR user_id = $3) ORDER BY created_at, id",
		orgID, teamID, userID)
}

func (tx *Tx) replies(ctx context.Context, where string, args ...any) ([]ReplyRow, error) {
	rows, err := tx.query(ctx, `SELECT id, org_id, COALESCE(team_id, ''), COALESCE(user_id, ''), sealed, created_by, created_at, updated_at
		FROM saved_replies `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReplyRow
	for rows.Next() {
		var r ReplyRow
		if err := rows.Scan(&r.ID, &r.OrgID, &r.TeamID, &r.UserID, &r.Sealed, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, r)
	}
	return out, tx.d.wrap(rows.Err())
}

// TeamHoursRow is a team's after-hours settings as stored: Schedule is
// JSON in the clear, AutoReply sealed (nil: none).
type TeamHoursRow struct {
	TeamID, OrgID, Schedule string
	AutoReply               []byte
	UpdatedAt               int64
}

// TeamHours reads a team's hours; CodeNotFound when none were set.
func (tx *Tx) TeamHours(ctx context.Context, orgID, teamID string) (TeamHoursRow, error) {
	r := TeamHoursRow{TeamID: teamID, OrgID: orgID}
	err := tx.queryRow(ctx, "SELECT schedule, auto_reply, updated_at FROM team_hours WHERE team_id = $1 AND org_id = $2",
		teamID, orgID).Scan(&r.Schedule, &r.AutoReply, &r.UpdatedAt)
	if err != nil {
		if err = tx.d.wrap(err); ward.ErrorCode(err) == ward.CodeNotFound {
			return r, ward.Wrap(ward.CodeNotFound, err, "the team has no hours set")
		}
		return r, err
	}
	return r, nil
}

// PutTeamHours sets a team's hours, stamped with the transaction's clock.
func (tx *Tx) PutTeamHours(ctx context.Context, r TeamHoursRow) error {
	_, err := tx.exec(ctx, `INSERT INTO team_hours (team_id, org_id, schedule, auto_reply, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (team_id) DO UPDATE SET schedule = excluded.schedule, auto_reply = excluded.auto_reply, updated_at = excluded.updated_at`,
		r.TeamID, r.OrgID, r.Schedule, r.AutoReply, micros(tx.Now))
	return err
}

// deleteTeamReplies deletes a team's saved replies and hours (part of
// DeleteTeam).
func (tx *Tx) deleteTeamReplies(ctx context.Context, teamID string) error {
	if _, err := tx.exec(ctx, "DELETE FROM saved_replies WHERE team_id = $1", teamID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "DELETE FROM team_hours WHERE team_id = $1", teamID)
	return err
}
