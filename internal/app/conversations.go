package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// NewConversation is a conversation to start. The caller is always a
// member; Members names the others.
type NewConversation struct {
	Kind      ward.ConversationKind
	Title     string
	Topic     string
	Members   []string // user ids of the caller's org
	PatientID string   // the patient it is about; a patient's own conversations are tagged with them
	Lifespan  time.Duration
}

// convScope is the keyring scope of a conversation: one data key for its
// title, topic and every message body.
func convScope(id string) string { return "conv:" + id }

// errNoConversation is what a caller who is not a member is told, so that
// answers do not reveal which conversations exist.
func errNoConversation() error { return ward.Errorf(ward.CodeNotFound, "no such conversation") }

// errDirectExists rolls back the creation of a direct conversation that
// another request created first.
var errDirectExists = errors.New("direct conversation exists")

// CreateConversation starts a direct or group conversation. A direct
// conversation is between the caller and exactly one other person, and
// asking again returns the existing one (created is then false). Members
// must be active users of the caller's org whose role takes part in
// messaging; a patient may only start a direct conversation with a
// clinician or staff member, and a conversation holds at most one patient.
func (a *App) CreateConversation(ctx context.Context, p *Principal, nc NewConversation) (c ward.Conversation, created bool, err error) {
	if err := p.Can(authz.ConversationCreate); err != nil {
		return c, false, err
	}
	c = ward.Conversation{ID: newID(), OrgID: p.User.OrgID, Kind: nc.Kind, Title: strings.TrimSpace(nc.Title),
		Topic: strings.TrimSpace(nc.Topic), PatientID: strings.TrimSpace(nc.PatientID), CreatedBy: p.User.ID, Lifespan: nc.Lifespan}
	if err := c.Validate(); err != nil {
		return c, false, err
	}
	others, err := otherMembers(p, nc)
	if err != nil {
		return c, false, err
	}
	row := store.Conversation{Conversation: c}
	if c.Kind == ward.Direct {
		row.DirectKey = store.DirectKey(p.User.ID, others[0])
	}
	var existing store.Conversation
	err = a.store.Read(ctx, func(tx *store.Tx) error {
		if err := a.checkMembers(ctx, tx, p, &row.Conversation, others); err != nil {
			return err
		}
		if err := checkLifespan(ctx, tx, p, row.Lifespan); err != nil {
			return err
		}
		if row.DirectKey == "" {
			return nil
		}
		var err error
		existing, err = tx.DirectConversation(ctx, p.User.OrgID, row.DirectKey)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return nil
		}
		return err
	})
	if err != nil {
		return ward.Conversation{}, false, err
	}
	if existing.ID != "" {
		c, err := a.openExisting(ctx, p, existing)
		return c, false, err
	}
	// The conversation's data key now, not at its first message.
	if err := a.keys.Prepare(ctx, row.OrgID, convScope(row.ID)); err != nil {
		return c, false, err
	}
	if row.TitleSealed, err = a.sealConv(ctx, &row.Conversation, row.Title, "title"); err != nil {
		return c, false, err
	}
	if row.TopicSealed, err = a.sealConv(ctx, &row.Conversation, row.Topic, "topic"); err != nil {
		return c, false, err
	}
	row.Members = []ward.Member{{UserID: p.User.ID, Role: ward.MemberOwner}}
	for _, id := range others {
		row.Members = append(row.Members, ward.Member{UserID: id, Role: ward.MemberMember})
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateConversation(ctx, &row); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict && row.DirectKey != "" {
				return errDirectExists
			}
			return err
		}
		e := p.Event(audit.ConversationCreated, "conversation", row.ID)
		e.PatientID, e.Reason = row.PatientID, fmt.Sprintf("%s conversation with %d members", row.Kind, len(row.Members))
		return audit.Append(ctx, tx, e)
	})
	if errors.Is(err, errDirectExists) {
		err = a.store.Read(ctx, func(tx *store.Tx) error {
			var err error
			existing, err = tx.DirectConversation(ctx, p.User.OrgID, row.DirectKey)
			return err
		})
		if err != nil {
			return ward.Conversation{}, false, err
		}
		c, err := a.openExisting(ctx, p, existing)
		return c, false, err
	}
	if err != nil {
		return ward.Conversation{}, false, err
	}
	out := row.Conversation
	a.rememberMembers(out.ID, out.MemberIDs()...)
	a.publish(ctx, realtime.Event{Type: realtime.ConversationUpdated, OrgID: out.OrgID, ConversationID: out.ID,
		Data: eventJSON(convEvent{ID: out.ID, Kind: out.Kind, Change: "created"}), Users: out.MemberIDs()})
	return out, true, nil
}

// otherMembers checks the shape of nc's member list and returns the members
// other than the caller, without duplicates, in the order given.
func otherMembers(p *Principal, nc NewConversation) ([]string, error) {
	var others []string
	for _, id := range nc.Members {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 64 {
			return nil, ward.Errorf(ward.CodeInvalid, "members must be user ids")
		}
		if id != p.User.ID && !slices.Contains(others, id) {
			others = append(others, id)
		}
	}
	switch {
	case nc.Kind == ward.Direct && len(others) != 1:
		return nil, ward.Errorf(ward.CodeInvalid, "a direct conversation is between you and exactly one other person")
	case nc.Kind == ward.Group && len(others) == 0:
		return nil, ward.Errorf(ward.CodeInvalid, "a group conversation needs at least one other member")
	case len(others)+1 > ward.MaxMembers:
		return nil, ward.Errorf(ward.CodeInvalid, "a conversation holds at most %d members", ward.MaxMembers)
	}
	return others, nil
}

// checkMembers checks that every other member may join c, and tags c with
// its patient member, if any.
func (a *App) checkMembers(ctx context.Context, tx *store.Tx, p *Principal, c *ward.Conversation, others []string) error {
	patients := 0
	patientID := ""
	if p.User.Role == ward.RolePatient {
		patients, patientID = 1, p.User.ID
		if c.Kind != ward.Direct {
			return ward.Errorf(ward.CodeForbidden, "patients can start only direct conversations with their care team")
		}
	}
	for _, id := range others {
		u, err := tx.UserByID(ctx, p.User.OrgID, id)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return ward.Errorf(ward.CodeInvalid, "member %s is not a user of your org", id)
		}
		if err != nil {
			return err
		}
		switch {
		case u.Disabled:
			return ward.Errorf(ward.CodeInvalid, "member %s is disabled", id)
		case u.Role == ward.RoleGuest:
			return ward.Errorf(ward.CodeInvalid, "member %s is an outside guest: write to them with POST /api/v1/outside-messages", id)
		case !authz.Allowed(u.Role, authz.MessageRead):
			return ward.Errorf(ward.CodeInvalid, "member %s has the role %s, which does not take part in conversations", id, u.Role)
		case p.User.Role == ward.RolePatient && u.Role != ward.RoleClinician && u.Role != ward.RoleStaff:
			return ward.Errorf(ward.CodeForbidden, "patients can message only clinicians and staff of the org")
		case u.Role == ward.RolePatient:
			patients, patientID = patients+1, u.ID
		}
	}
	if patients > 1 {
		return ward.Errorf(ward.CodeInvalid, "a conversation may include at most one patient")
	}
	if c.PatientID != "" && c.PatientID != patientID {
		if err := a.checkPatientID(ctx, tx, p, c.PatientID); err != nil {
			return err
		}
	}
	if patientID != "" {
		if c.PatientID != "" && c.PatientID != patientID {
			return ward.Errorf(ward.CodeInvalid, "patient_id must be the patient who takes part in the conversation")
		}
		c.PatientID = patientID
	}
	return nil
}

// checkPatientID checks that id, a conversation's patient_id, names a
// patient of the caller's org: an active patient record (internal/patients,
// through Config.Patients), or a user with the role patient. Never free
// text, which would reach the database and the audit trail in the clear.
// The answer does not repeat it.
func (a *App) checkPatientID(ctx context.Context, tx *store.Tx, p *Principal, id string) error {
	bad := ward.Errorf(ward.CodeInvalid, "patient_id must be the id of an active patient record or of a patient user of your org")
	if a.patients != nil {
		ok, err := a.patients.ActiveRecord(ctx, tx, p.User.OrgID, id)
		if err != nil || ok {
			return err
		}
	}
	u, err := tx.UserByID(ctx, p.User.OrgID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return bad
	}
	if err != nil {
		return err
	}
	if u.Role != ward.RolePatient {
		return bad
	}
	return nil
}

// openExisting opens a conversation the caller asked to create again, and
// audits the read of its title.
func (a *App) openExisting(ctx context.Context, p *Principal, row store.Conversation) (ward.Conversation, error) {
	c, err := a.openConv(ctx, row)
	if err != nil {
		return c, err
	}
	e := p.Event(audit.ConversationRead, "conversation", c.ID)
	e.PatientID = c.PatientID
	if err := a.audit.Record(ctx, e); err != nil {
		return ward.Conversation{}, err // its title is not returned unaudited
	}
	return c, nil
}

// ListConversations lists the caller's conversations, newest activity
// first, with titles opened and the caller's unread and urgent
// unacknowledged counts. One conversation.read event records the listing.
func (a *App) ListConversations(ctx context.Context, p *Principal) ([]ward.ConversationSummary, error) {
	if err := p.Can(authz.ConversationList); err != nil {
		return nil, err
	}
	return a.summaries(ctx, p, "")
}

// GetConversation returns one of the caller's conversations; to anyone
// else it does not exist.
func (a *App) GetConversation(ctx context.Context, p *Principal, id string) (ward.ConversationSummary, error) {
	if err := p.Can(authz.ConversationRead); err != nil {
		return ward.ConversationSummary{}, err
	}
	list, err := a.summaries(ctx, p, id)
	if err != nil {
		return ward.ConversationSummary{}, err
	}
	if len(list) != 1 {
		return ward.ConversationSummary{}, errNoConversation()
	}
	return list[0], nil
}

func (a *App) summaries(ctx context.Context, p *Principal, convID string) ([]ward.ConversationSummary, error) {
	var rows []store.ConversationSummary
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.ConversationSummaries(ctx, p.User.OrgID, p.User.ID, convID)
		return err
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	out, err := a.openSummaries(ctx, p, rows)
	if err != nil {
		return nil, err
	}
	e := p.Event(audit.ConversationRead, "conversation", convID)
	if convID != "" {
		e.PatientID = out[0].PatientID
	} else {
		e.Reason = fmt.Sprintf("list of %d conversations", len(out))
	}
	if err := a.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

// member returns the conversation convID if the caller is a member of it,
// and not_found otherwise.
func member(ctx context.Context, tx *store.Tx, p *Principal, convID string) (store.Conversation, error) {
	c, err := tx.ConversationByID(ctx, p.User.OrgID, convID)
	if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && !c.HasMember(p.User.ID)) {
		return store.Conversation{}, errNoConversation()
	}
	return c, err
}

// sealConv seals a conversation field; an empty value stays empty.
func (a *App) sealConv(ctx context.Context, c *ward.Conversation, value, field string) ([]byte, error) {
	if value == "" {
		return nil, nil
	}
	return a.keys.Seal(ctx, keyring.Ref{Org: c.OrgID, Scope: convScope(c.ID), Record: c.ID, Field: field}, []byte(value))
}

// openConv opens a stored conversation's title and topic.
func (a *App) openConv(ctx context.Context, row store.Conversation) (ward.Conversation, error) {
	c := row.Conversation
	for _, f := range []struct {
		sealed []byte
		field  string
		dst    *string
	}{{row.TitleSealed, "title", &c.Title}, {row.TopicSealed, "topic", &c.Topic}} {
		if len(f.sealed) == 0 {
			continue
		}
		pt, err := a.keys.Open(ctx, keyring.Ref{Org: c.OrgID, Scope: convScope(c.ID), Record: c.ID, Field: f.field}, f.sealed)
		if err != nil {
			return c, err
		}
		*f.dst = string(pt)
	}
	return c, nil
}

// openSummaries opens the sealed fields of listed conversations, and notes
// the caller as a member of each (the member cache learns from listings).
func (a *App) openSummaries(ctx context.Context, p *Principal, rows []store.ConversationSummary) ([]ward.ConversationSummary, error) {
	out := make([]ward.ConversationSummary, len(rows))
	for i, r := range rows {
		c, err := a.openConv(ctx, r.Conversation)
		if err != nil {
			return nil, err
		}
		out[i] = ward.ConversationSummary{Conversation: c, Unread: r.Unread, UrgentUnacked: r.UrgentUnacked}
		a.rememberMembers(c.ID, p.User.ID)
	}
	return out, nil
}
