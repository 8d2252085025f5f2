package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/teams"
)

// What a role may hold. A user's memberships follow from their role: a role
// change re-derives them in the change's own transaction, ending (audited)
// every membership the new role may not hold, and closes the user's open
// sockets, so nothing routed under the old role reaches them.
//
//   - owner, admin and compliance take no part in conversations: they hold
//     none (compliance reads conversations through its own audited review);
//   - a patient sits only in conversations about themselves (the
//     conversation's patient_id is theirs), so a conversation holds at most
//     one patient member;
//   - clinicians and staff may hold any membership, and only they are in
//     care teams: a role change away from them ends their team memberships.
//
// Disabling a user is not a role change: their sessions end (so their
// sockets close and they read nothing) and their memberships stay, for when
// they are enabled again.

// mayHold reports whether a user of role may be a member of conversation m.
func mayHold(role ward.Role, userID string, m store.Membership) bool {
	switch {
	case !authz.Allowed(role, authz.MessageRead):
		return false
	case role == ward.RolePatient:
		return m.PatientID == userID
	}
	return true
}

// endedMembership is a membership a role change ended.
type endedMembership struct {
	convID string
}

// endMembershipsForRole ends, in tx, every membership of user u that u's
// (new) role may not hold, each with a conversation.member_removed event
// done by p. It returns what it ended, for afterRoleChange.
func endMembershipsForRole(ctx context.Context, tx *store.Tx, p *Principal, u ward.User) ([]endedMembership, error) {
	if err := teams.EndForRole(ctx, tx, p, u); err != nil { // care teams hold only clinicians and staff (internal/teams)
		return nil, err
	}
	ms, err := tx.MembershipsOf(ctx, u.OrgID, u.ID)
	if err != nil {
		return nil, err
	}
	var ended []endedMembership
	for _, m := range ms {
		if mayHold(u.Role, u.ID, m) {
			continue
		}
		if err := tx.EndMembership(ctx, m.ConversationID, u.ID); err != nil {
			return nil, err
		}
		e := p.Event(audit.MemberRemoved, "conversation", m.ConversationID)
		e.PatientID = m.PatientID
		e.Reason = "member " + u.ID + " removed: the role " + string(u.Role) + " may not hold this membership"
		if err := audit.Append(ctx, tx, e); err != nil {
			return nil, err
		}
		ended = append(ended, endedMembership{convID: m.ConversationID})
	}
	return ended, nil
}

// afterRoleChange runs once a role change of user u committed: the member
// cache forgets u's ended memberships, the other members learn of them,
// and every socket of u closes at once (realtime.AccessRevoked), on every
// node; a socket opened again is bound with the new role.
func (a *App) afterRoleChange(ctx context.Context, u ward.User, ended []endedMembership) {
	for _, m := range ended {
		a.members.Drop(memberKey{m.convID, u.ID})
		a.publishMembers(ctx, u.OrgID, m.convID, u.ID)
	}
	a.publish(ctx, realtime.Event{Type: realtime.AccessRevoked, OrgID: u.OrgID, Users: []string{u.ID}})
}

// publishMembers tells the members of a conversation that userID left it.
func (a *App) publishMembers(ctx context.Context, orgID, convID, userID string) {
	var members []ward.Member
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		members, err = tx.Members(ctx, convID)
		return err
	}); err != nil {
		a.log.WarnContext(ctx, "listing members after a removal failed", "err", err.Error())
		return
	}
	if len(members) == 0 {
		return
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	a.publish(ctx, realtime.Event{Type: realtime.ConversationUpdated, OrgID: orgID, ConversationID: convID,
		Data: eventJSON(convEvent{ID: convID, Change: "member_removed", UserID: userID}), Users: ids})
}
