package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Team inbox: a patient writes to a care team their record is assigned to;
// the conversation lands in the team's shared inbox, with the patient and
// the team's clinicians and staff as members (who joins or leaves the team
// later joins or leaves its inbox's conversations: teams.go). Team members
// list the inbox, longest waiting first, claim or assign a thread and set
// it open, waiting (on the patient) or closed. A patient's message starts
// the wait and reopens the thread; a staff message ends the wait.

// MaxInboxPage bounds one page of a team inbox.
const MaxInboxPage = 100

// InboxThread is a thread of a team inbox as staff see it.
type InboxThread struct {
	ConversationID string
	TeamID         string
	PatientID      string
	Status         string
	AssigneeID     string
	WaitingSince   time.Time     // zero: the patient is not waiting
	Waiting        time.Duration // how long the patient has waited, at the time of the listing
	CreatedAt      time.Time
}

func noTeam() error { return ward.Errorf(ward.CodeNotFound, "no such care team") }

// StartInboxConversation starts a conversation between the calling patient
// and the inbox of care team teamID, which their record must be assigned
// to (any other team is CodeNotFound). A non-empty body is sent as its
// first message.
func (a *App) StartInboxConversation(ctx context.Context, p *Principal, teamID, body string) (ward.Conversation, *ward.Message, error) {
	if err := p.Can(authz.InboxWrite); err != nil {
		return ward.Conversation{}, nil, err
	}
	teamID = strings.TrimSpace(teamID)
	if teamID == "" || len(teamID) > 64 {
		return ward.Conversation{}, nil, ward.Errorf(ward.CodeInvalid, "team_id must be the id of one of your care teams")
	}
	if body != "" {
		if err := (ward.Message{Body: body, Priority: ward.Normal, ClientID: "x"}).Validate(); err != nil {
			return ward.Conversation{}, nil, err
		}
	}
	row := store.Conversation{Conversation: ward.Conversation{ID: newID(), OrgID: p.User.OrgID, Kind: ward.Group, CreatedBy: p.User.ID}}
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		rec, err := tx.PatientRecordOfUser(ctx, p.User.OrgID, p.User.ID)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return noTeam()
		}
		if err != nil {
			return err
		}
		teams, err := tx.PatientTeams(ctx, p.User.OrgID, rec)
		if err != nil {
			return err
		}
		if !slices.Contains(teams, teamID) {
			return noTeam()
		}
		t, err := tx.TeamByID(ctx, p.User.OrgID, teamID)
		if err != nil {
			return err
		}
		row.PatientID = rec
		row.Members = []ward.Member{{UserID: p.User.ID, Role: ward.MemberOwner}}
		for _, m := range t.Members {
			row.Members = append(row.Members, ward.Member{UserID: m.UserID, Role: ward.MemberMember})
		}
		return nil
	})
	if err != nil {
		return ward.Conversation{}, nil, err
	}
	if err := a.keys.Prepare(ctx, row.OrgID, convScope(row.ID)); err != nil {
		return ward.Conversation{}, nil, err
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateConversation(ctx, &row); err != nil {
			return err
		}
		if err := tx.MakeInboxThread(ctx, row.ID, teamID); err != nil {
			return err
		}
		e := p.Event(audit.ConversationCreated, "conversation", row.ID)
		e.PatientID, e.Reason = row.PatientID, fmt.Sprintf("team inbox conversation with team %s, %d members", teamID, len(row.Members))
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return ward.Conversation{}, nil, err
	}
	c := row.Conversation
	a.rememberMembers(c.ID, c.MemberIDs()...)
	a.publish(ctx, realtime.Event{Type: realtime.ConversationUpdated, OrgID: c.OrgID, ConversationID: c.ID,
		Data: eventJSON(convEvent{ID: c.ID, Kind: c.Kind, Change: "created"}), Users: c.MemberIDs()})
	if body == "" {
		return c, nil, nil
	}
	m, _, err := a.SendMessage(ctx, p, c.ID, SendRequest{ClientID: "inbox-" + c.ID, Body: body})
	if err != nil {
		return c, nil, err
	}
	return c, &m, nil
}

// inboxMember checks that p is a clinician or staff member of team teamID
// of p's org; to anyone else the team's inbox does not exist.
func inboxMember(ctx context.Context, tx *store.Tx, p *Principal, teamID string) error {
	if teamID == "" || len(teamID) > 64 {
		return noTeam()
	}
	mine, err := tx.TeamsOf(ctx, p.User.OrgID, p.User.ID)
	if err != nil {
		return err
	}
	if !slices.Contains(mine, teamID) {
		return noTeam()
	}
	return nil
}

// TeamInbox lists up to limit threads with the given status (default open)
// of a team inbox the caller is a member of, longest waiting first. The
// listing (ids, no content) is audited durably before it is answered.
func (a *App) TeamInbox(ctx context.Context, p *Principal, teamID, status string, limit int) ([]InboxThread, error) {
	if err := p.Can(authz.InboxRead); err != nil {
		return nil, err
	}
	if status == "" {
		status = store.InboxOpen
	}
	if err := validInboxStatus(status); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxInboxPage {
		return nil, ward.Errorf(ward.CodeInvalid, "limit must be between 1 and %d", MaxInboxPage)
	}
	var rows []store.InboxThread
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		if err := inboxMember(ctx, tx, p, teamID); err != nil {
			return err
		}
		var err error
		rows, err = tx.TeamInbox(ctx, teamID, status, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := make([]InboxThread, len(rows))
	for i, r := range rows {
		out[i] = InboxThread{ConversationID: r.ConversationID, TeamID: r.TeamID, PatientID: r.PatientID, Status: r.Status,
			AssigneeID: r.AssigneeID, WaitingSince: r.WaitingSince, CreatedAt: r.CreatedAt}
		if !r.WaitingSince.IsZero() {
			out[i].Waiting = max(now.Sub(r.WaitingSince), 0)
		}
	}
	e := p.Event(audit.ConversationRead, "team", teamID)
	e.Reason = fmt.Sprintf("team inbox: %d %s threads", len(out), status)
	if err := a.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

func validInboxStatus(s string) error {
	switch s {
	case store.InboxOpen, store.InboxWaiting, store.InboxClosed:
		return nil
	}
	return ward.Errorf(ward.CodeInvalid, "status must be open, waiting or closed")
}

// ClaimInbox makes the caller the assignee of an inbox thread of one of
// their teams.
func (a *App) ClaimInbox(ctx context.Context, p *Principal, convID string) (InboxThread, error) {
	return a.changeInbox(ctx, p, convID, func(tx *store.Tx, t *store.InboxThread) (audit.Event, error) {
		t.AssigneeID = p.User.ID
		e := p.Event(audit.InboxClaimed, "conversation", t.ConversationID)
		return e, tx.SetInboxAssignee(ctx, t.ConversationID, p.User.ID)
	})
}

// AssignInbox gives an inbox thread to a member of its team.
func (a *App) AssignInbox(ctx context.Context, p *Principal, convID, userID string) (InboxThread, error) {
	userID = strings.TrimSpace(userID)
	return a.changeInbox(ctx, p, convID, func(tx *store.Tx, t *store.InboxThread) (audit.Event, error) {
		theirs, err := tx.TeamsOf(ctx, p.User.OrgID, userID)
		if err != nil {
			return audit.Event{}, err
		}
		if userID == "" || !slices.Contains(theirs, t.TeamID) {
			return audit.Event{}, ward.Errorf(ward.CodeInvalid, "user_id must be a member of the thread's care team")
		}
		t.AssigneeID = userID
		e := p.Event(audit.InboxAssigned, "conversation", t.ConversationID)
		e.Reason = "assignee " + userID
		return e, tx.SetInboxAssignee(ctx, t.ConversationID, userID)
	})
}

// SetInboxStatus sets an inbox thread open, waiting (on the patient) or
// closed.
func (a *App) SetInboxStatus(ctx context.Context, p *Principal, convID, status string) (InboxThread, error) {
	if err := validInboxStatus(status); err != nil {
		return InboxThread{}, err
	}
	return a.changeInbox(ctx, p, convID, func(tx *store.Tx, t *store.InboxThread) (audit.Event, error) {
		t.Status = status
		e := p.Event(audit.InboxStatusChanged, "conversation", t.ConversationID)
		e.Reason = "status " + status
		return e, tx.SetInboxStatus(ctx, t.ConversationID, status)
	})
}

// changeInbox runs fn on an inbox thread of a team the caller is in, and
// audits what it did in the same transaction.
func (a *App) changeInbox(ctx context.Context, p *Principal, convID string, fn func(*store.Tx, *store.InboxThread) (audit.Event, error)) (InboxThread, error) {
	if err := p.Can(authz.InboxManage); err != nil {
		return InboxThread{}, err
	}
	noThread := ward.Errorf(ward.CodeNotFound, "no such inbox thread")
	if convID == "" || len(convID) > 64 {
		return InboxThread{}, noThread
	}
	var t store.InboxThread
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		t, err = tx.InboxThreadByID(ctx, p.User.OrgID, convID)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return noThread
		}
		if err != nil {
			return err
		}
		if err := inboxMember(ctx, tx, p, t.TeamID); err != nil {
			return noThread
		}
		e, err := fn(tx, &t)
		if err != nil {
			return err
		}
		e.PatientID = t.PatientID
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return InboxThread{}, err
	}
	out := InboxThread{ConversationID: t.ConversationID, TeamID: t.TeamID, PatientID: t.PatientID, Status: t.Status,
		AssigneeID: t.AssigneeID, WaitingSince: t.WaitingSince, CreatedAt: t.CreatedAt}
	if !t.WaitingSince.IsZero() {
		out.Waiting = max(a.now().Sub(t.WaitingSince), 0)
	}
	return out, nil
}

// CareTeam is a care team a patient may write to: its id and name only.
type CareTeam struct {
	ID   string
	Name string
}

// MyCareTeams lists the care teams the calling patient's record is
// assigned to (none when they have no record), by name.
func (a *App) MyCareTeams(ctx context.Context, p *Principal) ([]CareTeam, error) {
	if err := p.Can(authz.InboxWrite); err != nil {
		return nil, err
	}
	out := []CareTeam{}
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		rec, err := tx.PatientRecordOfUser(ctx, p.User.OrgID, p.User.ID)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		ids, err := tx.PatientTeams(ctx, p.User.OrgID, rec)
		if err != nil {
			return err
		}
		for _, id := range ids {
			t, err := tx.TeamByID(ctx, p.User.OrgID, id)
			if err != nil {
				return err
			}
			out = append(out, CareTeam{ID: t.ID, Name: t.Name})
		}
		return nil
	})
	return out, err
}
