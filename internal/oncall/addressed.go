package oncall

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Addressed is a conversation or message of a conversation that was
// addressed to a role, as its members see it: whom the role reached at
// send time, and the label the thread shows ("Cardiology on call (Dr
// Shah)"). Role names and staff names are workforce data, not PHI.
type Addressed struct {
	OnCall
	MessageID string // "" for a conversation started with the role
	At        time.Time
}

// AddressedIn lists, oldest first, what was addressed to a role in a
// conversation, for a member of it (CodeNotFound for anyone else). It is a
// read apart from sending: a client asks for it when it opens a thread,
// so the send path of ordinary messages pays nothing for it.
func (s *Service) AddressedIn(ctx context.Context, p *access.Principal, conversationID string) ([]Addressed, error) {
	if err := p.Can(authz.OnCallList); err != nil {
		return nil, err
	}
	var out []Addressed
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		member, err := tx.IsMember(ctx, conversationID, p.User.ID)
		if err != nil {
			return err
		}
		if !member {
			return ward.Errorf(ward.CodeNotFound, "conversation not found")
		}
		rows, err := tx.OnCallAddressedIn(ctx, p.User.OrgID, conversationID)
		if err != nil {
			return err
		}
		out = make([]Addressed, len(rows))
		for i, a := range rows {
			o := OnCall{RoleID: a.RoleID, RoleName: a.RoleName}
			o.UserID = a.UserID
			if o, err = named(ctx, tx, p.User.OrgID, o); err != nil {
				return err
			}
			if a.MessageID != "" { // a page that went straight to the lead says so
				steps, err := tx.OnCallPageSteps(ctx, p.User.OrgID, a.MessageID)
				if err != nil {
					return err
				}
				if len(steps) > 0 && steps[0].Step == StepLead {
					o.Step = StepLead
				}
			}
			out[i] = Addressed{OnCall: o, MessageID: a.MessageID, At: a.CreatedAt}
		}
		return nil
	})
	return out, err
}
