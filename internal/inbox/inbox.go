package inbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Conversations is what the inbox asks of internal/app, which satisfies it.
type Conversations interface {
	// StartConversation stores row (its members included) in a
	// transaction in which inTx also runs, audits conversation.created
	// with reason, and tells its members live once committed.
	StartConversation(ctx context.Context, p *access.Principal, row store.Conversation, reason string, inTx func(*store.Tx) error) (ward.Conversation, error)
	// PostMessage sends body as p in convID (clientID: its idempotency key).
	PostMessage(ctx context.Context, p *access.Principal, convID, clientID, body string) (ward.Message, error)
	// PostTeamMessage sends body in convID as team teamID (a message of
	// kind, audited as sent by the system, published live) if claim, run
	// first in its transaction, answers true.
	PostTeamMessage(ctx context.Context, orgID, convID, teamID, kind, body string, claim func(*store.Tx) (bool, error)) (ward.Message, bool, error)
}

// AutoReplies gives a team's after-hours auto-reply (internal/replies).
type AutoReplies interface {
	TeamAutoReply(ctx context.Context, orgID, teamID string, t time.Time) (text string, ok bool, err error)
}

// Config is what a Service is built from; Now may be nil.
type Config struct {
	Store         *store.Store
	Audit         *audit.Recorder // durable audit of listings (group commit)
	Conversations Conversations
	AutoReplies   AutoReplies      // nil: no auto-replies
	Now           func() time.Time // nil means time.Now
}

// Service is the team inbox use cases.
type Service struct {
	store *store.Store
	audit *audit.Recorder
	convs Conversations
	auto  AutoReplies
	now   func() time.Time
}

// New builds a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, audit: cfg.Audit, convs: cfg.Conversations, auto: cfg.AutoReplies, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// MaxPage bounds one page of a team inbox.
const MaxPage = 100

// Thread is a thread of a team inbox as staff see it.
type Thread struct {
	ConversationID string
	TeamID         string
	PatientID      string
	Status         string
	AssigneeID     string
	WaitingSince   time.Time     // zero: the patient is not waiting
	Waiting        time.Duration // how long the patient has waited, at the time of the listing
	CreatedAt      time.Time
}

func (s *Service) view(r store.InboxThread) Thread {
	t := Thread{ConversationID: r.ConversationID, TeamID: r.TeamID, PatientID: r.PatientID, Status: r.Status,
		AssigneeID: r.AssigneeID, WaitingSince: r.WaitingSince, CreatedAt: r.CreatedAt}
	if !r.WaitingSince.IsZero() {
		t.Waiting = max(s.now().Sub(r.WaitingSince), 0)
	}
	return t
}

func noTeam() error { return ward.Errorf(ward.CodeNotFound, "no such care team") }

// Start starts a conversation between the calling patient and the inbox of
// care team teamID, which their record must be assigned to (any other team
// is CodeNotFound). A non-empty body is sent as its first message.
func (s *Service) Start(ctx context.Context, p *access.Principal, teamID, body string) (ward.Conversation, *ward.Message, error) {
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
	if s.convs == nil {
		return ward.Conversation{}, nil, ward.Errorf(ward.CodeUnavailable, "the team inbox is not available")
	}
	row := store.Conversation{Conversation: ward.Conversation{ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID,
		Kind: ward.Group, CreatedBy: p.User.ID}}
	err := s.store.Read(ctx, func(tx *store.Tx) error {
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
	reason := fmt.Sprintf("team inbox conversation with team %s, %d members", teamID, len(row.Members))
	c, err := s.convs.StartConversation(ctx, p, row, reason, func(tx *store.Tx) error {
		return tx.MakeInboxThread(ctx, row.ID, teamID)
	})
	if err != nil {
		return ward.Conversation{}, nil, err
	}
	if body == "" {
		return c, nil, nil
	}
	m, err := s.convs.PostMessage(ctx, p, c.ID, "inbox-"+c.ID, body)
	if err != nil {
		return c, nil, err
	}
	return c, &m, nil
}

// member checks that p is a clinician or staff member of team teamID of
// p's org; to anyone else the team's inbox does not exist.
func member(ctx context.Context, tx *store.Tx, p *access.Principal, teamID string) error {
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

// List lists up to limit threads with the given status (default open) of
// a team inbox the caller is a member of, longest waiting first. The
// listing (ids, no content) is audited durably before it is answered.
func (s *Service) List(ctx context.Context, p *access.Principal, teamID, status string, limit int) ([]Thread, error) {
	if err := p.Can(authz.InboxRead); err != nil {
		return nil, err
	}
	if status == "" {
		status = store.InboxOpen
	}
	if err := validStatus(status); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPage {
		return nil, ward.Errorf(ward.CodeInvalid, "limit must be between 1 and %d", MaxPage)
	}
	var rows []store.InboxThread
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		if err := member(ctx, tx, p, teamID); err != nil {
			return err
		}
		var err error
		rows, err = tx.TeamInbox(ctx, teamID, status, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Thread, len(rows))
	for i, r := range rows {
		out[i] = s.view(r)
	}
	e := p.Event(audit.ConversationRead, "team", teamID)
	e.Reason = fmt.Sprintf("team inbox: %d %s threads", len(out), status)
	if err := s.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

func validStatus(s string) error {
	switch s {
	case store.InboxOpen, store.InboxWaiting, store.InboxClosed:
		return nil
	}
	return ward.Errorf(ward.CodeInvalid, "status must be open, waiting or closed")
}

// Claim makes the caller the assignee of an inbox thread of one of their
// teams.
func (s *Service) Claim(ctx context.Context, p *access.Principal, convID string) (Thread, error) {
	return s.change(ctx, p, convID, func(tx *store.Tx, t *store.InboxThread) (audit.Event, error) {
		t.AssigneeID = p.User.ID
		e := p.Event(audit.InboxClaimed, "conversation", t.ConversationID)
		return e, tx.SetInboxAssignee(ctx, t.ConversationID, p.User.ID)
	})
}

// Assign gives an inbox thread to a member of its team.
func (s *Service) Assign(ctx context.Context, p *access.Principal, convID, userID string) (Thread, error) {
	userID = strings.TrimSpace(userID)
	return s.change(ctx, p, convID, func(tx *store.Tx, t *store.InboxThread) (audit.Event, error) {
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

// SetStatus sets an inbox thread open, waiting (on the patient) or closed.
func (s *Service) SetStatus(ctx context.Context, p *access.Principal, convID, status string) (Thread, error) {
	if err := validStatus(status); err != nil {
		return Thread{}, err
	}
	return s.change(ctx, p, convID, func(tx *store.Tx, t *store.InboxThread) (audit.Event, error) {
		t.Status = status
		e := p.Event(audit.InboxStatusChanged, "conversation", t.ConversationID)
		e.Reason = "status " + status
		return e, tx.SetInboxStatus(ctx, t.ConversationID, status)
	})
}

// change runs fn on an inbox thread of a team the caller is in, and audits
// what it did in the same transaction.
func (s *Service) change(ctx context.Context, p *access.Principal, convID string, fn func(*store.Tx, *store.InboxThread) (audit.Event, error)) (Thread, error) {
	if err := p.Can(authz.InboxManage); err != nil {
		return Thread{}, err
	}
	noThread := ward.Errorf(ward.CodeNotFound, "no such inbox thread")
	if convID == "" || len(convID) > 64 {
		return Thread{}, noThread
	}
	var t store.InboxThread
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		t, err = tx.InboxThreadByID(ctx, p.User.OrgID, convID)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return noThread
		}
		if err != nil {
			return err
		}
		if err := member(ctx, tx, p, t.TeamID); err != nil {
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
		return Thread{}, err
	}
	return s.view(t), nil
}

// CareTeam is a care team a patient may write to: its id and name only.
type CareTeam struct {
	ID   string
	Name string
}

// MyCareTeams lists the care teams the calling patient's record is
// assigned to (none when they have no record), by name.
func (s *Service) MyCareTeams(ctx context.Context, p *access.Principal) ([]CareTeam, error) {
	if err := p.Can(authz.InboxWrite); err != nil {
		return nil, err
	}
	out := []CareTeam{}
	err := s.store.Read(ctx, func(tx *store.Tx) error {
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
