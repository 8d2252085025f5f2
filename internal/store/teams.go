package store

import (
	"context"

	"github.com/wardhealth/ward"
)

// CreateTeam stores a new team (without members), stamped with the
// transaction's clock. A name another team of the org has (ignoring case)
// is CodeConflict.
func (tx *Tx) CreateTeam(ctx context.Context, t *ward.Team) error {
	t.CreatedAt = tx.Now
	_, err := tx.exec(ctx, "INSERT INTO teams (id, org_id, name, name_key, created_at) VALUES ($1, $2, $3, $4, $5)",
		t.ID, t.OrgID, t.Name, ward.TeamNameKey(t.Name), micros(t.CreatedAt))
	return teamNameTaken(err)
}

// RenameTeam renames a team of an org: CodeNotFound when there is none,
// CodeConflict when another team has the name.
func (tx *Tx) RenameTeam(ctx context.Context, orgID, id, name string) error {
	return teamNameTaken(tx.execOne(ctx, "UPDATE teams SET name = $1, name_key = $2 WHERE id = $3 AND org_id = $4",
		name, ward.TeamNameKey(name), id, orgID))
}

func teamNameTaken(err error) error {
	if ward.ErrorCode(err) == ward.CodeConflict {
		return ward.Wrap(ward.CodeConflict, err, "the org has a team with this name")
	}
	return err
}

// DeleteTeam deletes a team of an org, its memberships and its patient
// assignments; it returns the
// members it had. CodeNotFound when there is no such team.
func (tx *Tx) DeleteTeam(ctx context.Context, orgID, id string) ([]string, error) {
	t, err := tx.TeamByID(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "DELETE FROM team_members WHERE team_id = $1", id); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "DELETE FROM team_patients WHERE team_id = $1", id); err != nil {
		return nil, err
	}
	if err := tx.deleteTeamReplies(ctx, id); err != nil {
		return nil, err
	}
	if err := tx.execOne(ctx, "DELETE FROM teams WHERE id = $1 AND org_id = $2", id, orgID); err != nil {
		return nil, err
	}
	ids := make([]string, len(t.Members))
	for i, m := range t.Members {
		ids[i] = m.UserID
	}
	return ids, nil
}

// AddTeamMember puts a user in a team; it reports false when they already
// were a member. The caller checks that both belong to the same org.
func (tx *Tx) AddTeamMember(ctx context.Context, teamID, userID string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, user_id) DO NOTHING`, teamID, userID, micros(tx.Now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RemoveTeamMember takes a user out of a team; CodeNotFound when they were
// not in it.
func (tx *Tx) RemoveTeamMember(ctx context.Context, teamID, userID string) error {
	return tx.execOne(ctx, "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2", teamID, userID)
}

// TeamsOf lists the ids of the teams of an org that a user is a member of.
func (tx *Tx) TeamsOf(ctx context.Context, orgID, userID string) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT t.id FROM team_members m JOIN teams t ON t.id = m.team_id
		WHERE m.user_id = $1 AND t.org_id = $2 ORDER BY t.id`, userID, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, id)
	}
	return out, tx.d.wrap(rows.Err())
}

// TeamByID reads one team of an org with its members.
func (tx *Tx) TeamByID(ctx context.Context, orgID, id string) (ward.Team, error) {
	ts, err := tx.teams(ctx, orgID, id)
	if err != nil {
		return ward.Team{}, err
	}
	if len(ts) == 0 {
		return ward.Team{}, ward.Errorf(ward.CodeNotFound, "no such team")
	}
	return ts[0], nil
}

// Teams lists the teams of an org by name, each with its members by name.
func (tx *Tx) Teams(ctx context.Context, orgID string) ([]ward.Team, error) {
	return tx.teams(ctx, orgID, "")
}

// teams lists an org's teams, or only the one of id when id is not "".
func (tx *Tx) teams(ctx context.Context, orgID, id string) ([]ward.Team, error) {
	rows, err := tx.query(ctx, `SELECT t.id, t.name, t.created_at, u.id, u.name, u.role, m.added_at
		FROM teams t
		LEFT JOIN team_members m ON m.team_id = t.id
		LEFT JOIN users u ON u.id = m.user_id AND u.org_id = t.org_id
		WHERE t.org_id = $1 AND ($2 = '' OR t.id = $2)
		ORDER BY t.name_key, t.id, u.name, u.id`, orgID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ward.Team
	for rows.Next() {
		var (
			tid, name         string
			created           int64
			uid, uname, urole *string
			added             *int64
		)
		if err := rows.Scan(&tid, &name, &created, &uid, &uname, &urole, &added); err != nil {
			return nil, tx.d.wrap(err)
		}
		if len(out) == 0 || out[len(out)-1].ID != tid {
			out = append(out, ward.Team{ID: tid, OrgID: orgID, Name: name, CreatedAt: fromMicros(created), Members: []ward.TeamMember{}})
		}
		if uid != nil && added != nil {
			t := &out[len(out)-1]
			t.Members = append(t.Members, ward.TeamMember{UserID: *uid, Name: *uname, Role: ward.Role(*urole), AddedAt: fromMicros(*added)})
		}
	}
	return out, tx.d.wrap(rows.Err())
}

// TeamMemberRole reads the role of a user of an org who is to join a team,
// locking their row on PostgreSQL until the transaction ends, so a role
// change at the same time either comes first (and is seen) or waits (and
// then ends the new membership). SQLite serialises writes anyway.
func (tx *Tx) TeamMemberRole(ctx context.Context, orgID, userID string) (ward.Role, error) {
	q := "SELECT role FROM users WHERE id = $1 AND org_id = $2"
	if tx.d.name == "postgres" {
		q += " FOR UPDATE"
	}
	var role string
	if err := tx.queryRow(ctx, q, userID, orgID).Scan(&role); err != nil {
		if err = tx.d.wrap(err); ward.ErrorCode(err) == ward.CodeNotFound {
			return "", ward.Wrap(ward.CodeNotFound, err, "no such user in the org")
		}
		return "", err
	}
	return ward.Role(role), nil
}
