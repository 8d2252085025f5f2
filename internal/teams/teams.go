package teams

import (
	"context"
	"strconv"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Service is the care team use cases.
type Service struct {
	store *store.Store
}

// New builds a Service over st.
func New(st *store.Store) *Service { return &Service{store: st} }

// Teams lists the caller's org's teams with their members.
func (s *Service) Teams(ctx context.Context, p *access.Principal) ([]ward.Team, error) {
	if err := p.Can(authz.TeamList); err != nil {
		return nil, err
	}
	var ts []ward.Team
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		ts, err = tx.Teams(ctx, p.User.OrgID)
		return err
	})
	return ts, err
}

// Create makes an empty team. A name another team of the org has
// (ignoring case) is CodeConflict.
func (s *Service) Create(ctx context.Context, p *access.Principal, name string) (ward.Team, error) {
	if err := p.Can(authz.TeamManage); err != nil {
		return ward.Team{}, err
	}
	name, err := ward.TeamName(name)
	if err != nil {
		return ward.Team{}, err
	}
	t := ward.Team{ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID, Name: name, Members: []ward.TeamMember{}}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateTeam(ctx, &t); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.TeamCreated, "team", t.ID))
	})
	return t, err
}

// Rename renames a team of the caller's org.
func (s *Service) Rename(ctx context.Context, p *access.Principal, id, name string) (ward.Team, error) {
	if err := p.Can(authz.TeamManage); err != nil {
		return ward.Team{}, err
	}
	name, err := ward.TeamName(name)
	if err != nil {
		return ward.Team{}, err
	}
	return s.change(ctx, p, id, func(tx *store.Tx, t ward.Team) error {
		if t.Name == name {
			return nil // nothing changes, nothing to audit
		}
		if err := tx.RenameTeam(ctx, p.User.OrgID, id, name); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.TeamUpdated, "team", id))
	})
}

// Delete deletes a team of the caller's org with its memberships; its
// inbox threads are closed (their members keep them).
func (s *Service) Delete(ctx context.Context, p *access.Principal, id string) error {
	if err := p.Can(authz.TeamManage); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		members, err := tx.DeleteTeam(ctx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		closed, err := tx.CloseTeamInbox(ctx, id)
		if err != nil {
			return err
		}
		e := p.Event(audit.TeamDeleted, "team", id)
		e.Reason = strconv.Itoa(len(members)) + " members" + inboxReason(closed, "closed")
		return audit.Append(ctx, tx, e)
	})
}

// AddMember puts a clinician or staff member of the caller's org in a
// team; a user of another role is CodeInvalid, one of another org
// CodeNotFound. Adding a member again changes nothing.
func (s *Service) AddMember(ctx context.Context, p *access.Principal, teamID, userID string) (ward.Team, error) {
	if err := p.Can(authz.TeamManage); err != nil {
		return ward.Team{}, err
	}
	return s.change(ctx, p, teamID, func(tx *store.Tx, _ ward.Team) error {
		role, err := tx.TeamMemberRole(ctx, p.User.OrgID, userID)
		if err != nil {
			return err
		}
		if !role.MayJoinTeam() {
			return ward.Errorf(ward.CodeInvalid, "only clinicians and staff can be in a care team, not a user with the role %s", role)
		}
		added, err := tx.AddTeamMember(ctx, teamID, userID)
		if err != nil || !added {
			return err
		}
		n, err := tx.JoinTeamInbox(ctx, teamID, userID)
		if err != nil {
			return err
		}
		e := p.Event(audit.TeamMemberAdded, "team", teamID)
		e.Reason = "member " + userID + inboxReason(n, "added to")
		return audit.Append(ctx, tx, e)
	})
}

// RemoveMember takes a user out of a team; CodeNotFound when they are not
// in it.
func (s *Service) RemoveMember(ctx context.Context, p *access.Principal, teamID, userID string) (ward.Team, error) {
	if err := p.Can(authz.TeamManage); err != nil {
		return ward.Team{}, err
	}
	return s.change(ctx, p, teamID, func(tx *store.Tx, _ ward.Team) error {
		if err := tx.RemoveTeamMember(ctx, teamID, userID); err != nil {
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return ward.Errorf(ward.CodeNotFound, "the user is not in this team")
			}
			return err
		}
		n, err := tx.LeaveTeamInbox(ctx, teamID, userID)
		if err != nil {
			return err
		}
		e := p.Event(audit.TeamMemberRemoved, "team", teamID)
		e.Reason = "member " + userID + " removed" + inboxReason(n, "removed from")
		return audit.Append(ctx, tx, e)
	})
}

// change runs fn on a team of p's org in one transaction and returns the
// team as fn left it.
func (s *Service) change(ctx context.Context, p *access.Principal, id string, fn func(*store.Tx, ward.Team) error) (ward.Team, error) {
	var t ward.Team
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		before, err := tx.TeamByID(ctx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		if err := fn(tx, before); err != nil {
			return err
		}
		t, err = tx.TeamByID(ctx, p.User.OrgID, id)
		return err
	})
	return t, err
}

// EndForRole ends, in tx, the care team memberships (and so the team inbox
// memberships) of user u when u's (new) role may not be in a team, each
// with a team.member_removed event done by p. internal/app calls it in a
// role change's transaction.
func EndForRole(ctx context.Context, tx *store.Tx, p *access.Principal, u ward.User) error {
	if u.Role.MayJoinTeam() {
		return nil
	}
	teams, err := tx.TeamsOf(ctx, u.OrgID, u.ID)
	if err != nil {
		return err
	}
	for _, id := range teams {
		if err := tx.RemoveTeamMember(ctx, id, u.ID); err != nil {
			return err
		}
		n, err := tx.LeaveTeamInbox(ctx, id, u.ID)
		if err != nil {
			return err
		}
		e := p.Event(audit.TeamMemberRemoved, "team", id)
		e.Reason = "member " + u.ID + " removed: the role " + string(u.Role) + " may not be in a care team" + inboxReason(n, "removed from")
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// inboxReason tells, in a team membership event, how many of the team's
// inbox conversations the member joined or left with it.
func inboxReason(n int64, verb string) string {
	if n == 0 {
		return ""
	}
	return "; " + verb + " " + strconv.FormatInt(n, 10) + " team inbox conversations"
}
