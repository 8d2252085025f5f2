package oncall

import (
	"context"
	"fmt"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

var zeroTime time.Time

// Paged records, in one transaction, that an urgent message paged to a
// role reached o (ResolvePage): what Record records, and the page's place
// in the role's chain, held by o since now. From the primary it escalates
// after the policy's urgent_escalate (RunPages); from the lead, the last
// step, it does not. At o's hand-over it is re-routed to the incoming
// person. A page that went straight to the lead (no one on call) is also
// audited oncall.escalated, with the sender as the actor.
func (s *Service) Paged(ctx context.Context, p *access.Principal, o OnCall, conversationID, messageID string) error {
	return s.store.Write(ctx, func(tx *store.Tx) error {
		if err := record(ctx, tx, p, o, conversationID, messageID); err != nil {
			return err
		}
		pol, err := tx.Policy(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		pg := store.OnCallPage{MessageID: messageID, OrgID: p.User.OrgID, RoleID: o.RoleID, RoleName: o.RoleName,
			ConversationID: conversationID, SenderID: p.User.ID, Step: o.Step, HolderID: o.UserID, HandOverAt: o.Until}
		if pg.Step != StepLead {
			pg.Step, pg.NextAt = StepPrimary, tx.Now.Add(pol.UrgentEscalate.D())
		}
		if err := tx.AddOnCallPage(ctx, &pg); err != nil {
			return err
		}
		if err := tx.AddOnCallPageStep(ctx, &store.OnCallPageStep{ID: newID(), MessageID: messageID, OrgID: pg.OrgID,
			RoleID: o.RoleID, Kind: store.PageHandPaged, Step: pg.Step, UserID: o.UserID}); err != nil {
			return err
		}
		if pg.Step != StepLead {
			return nil
		}
		e := p.Event(audit.OnCallEscalated, "oncall_role", o.RoleID)
		e.Reason = fmt.Sprintf("urgent page %s sent straight to the lead %s: %s", messageID, o.UserID, o.Why)
		return audit.Append(ctx, tx, e)
	})
}

// Page is where an urgent page to a role is: its step, who holds it and
// since when, when it escalates next, who acknowledged it, and every hand
// it went through, with the names of the people (the staff directory).
type Page struct {
	store.OnCallPage
	HolderName  string
	AckedByName string
	Steps       []PageStep
}

// PageStep is one hand of a page, with names.
type PageStep struct {
	store.OnCallPageStep
	UserName, FromName string
}

// Page says where the page of a message is, to a member of its
// conversation (the sender, whoever it reached): CodeNotFound for anyone
// else, and for a message that was not paged to a role.
func (s *Service) Page(ctx context.Context, p *access.Principal, messageID string) (Page, error) {
	if err := p.Can(authz.OnCallAddress); err != nil {
		return Page{}, err
	}
	var out Page
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		pg, err := tx.OnCallPageOf(ctx, p.User.OrgID, messageID)
		if err != nil {
			return err
		}
		member, err := tx.IsMember(ctx, pg.ConversationID, p.User.ID)
		if err != nil {
			return err
		}
		if !member {
			return ward.Errorf(ward.CodeNotFound, "no page for this message")
		}
		steps, err := tx.OnCallPageSteps(ctx, p.User.OrgID, messageID)
		if err != nil {
			return err
		}
		names := map[string]string{"": ""}
		name := func(id string) (string, error) {
			if n, ok := names[id]; ok {
				return n, nil
			}
			u, err := tx.UserByID(ctx, p.User.OrgID, id)
			names[id] = u.Name
			return u.Name, err
		}
		out = Page{OnCallPage: pg, Steps: make([]PageStep, len(steps))}
		if out.HolderName, err = name(pg.HolderID); err != nil {
			return err
		}
		if out.AckedByName, err = name(pg.AckedBy); err != nil {
			return err
		}
		for i, st := range steps {
			out.Steps[i].OnCallPageStep = st
			if out.Steps[i].UserName, err = name(st.UserID); err != nil {
				return err
			}
			if out.Steps[i].FromName, err = name(st.FromID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// RoleStats is one role's pages per UTC day, days without any left out.
type RoleStats struct {
	RoleID string
	Name   string
	Days   []store.OnCallDayStats
}

// Stats gives the org dashboard's figures per role and UTC day from from
// to to (both "YYYY-MM-DD" and included; empty: the last ward.DefaultRangeDays
// days): pages sent, acknowledged, the median time to acknowledge, and
// escalations. Every role of the org is listed, and deleted roles that
// had pages, by the name they had. Counts and times only.
func (s *Service) Stats(ctx context.Context, p *access.Principal, from, to string) (out []RoleStats, first, last time.Time, err error) {
	if err := p.Can(authz.StatsRead); err != nil {
		return nil, first, last, err
	}
	if first, last, err = ward.ParseDayRange(s.now(), from, to); err != nil {
		return nil, first, last, err
	}
	var roles []ward.OnCallRole
	var days []store.OnCallDayStats
	err = s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if roles, err = tx.OnCallRoles(ctx, p.User.OrgID); err != nil {
			return err
		}
		days, err = tx.OnCallPageStats(ctx, p.User.OrgID, first, last.AddDate(0, 0, 1))
		return err
	})
	if err != nil {
		return nil, first, last, err
	}
	at := map[string]int{}
	out = make([]RoleStats, 0, len(roles))
	for _, r := range roles {
		at[r.ID] = len(out)
		out = append(out, RoleStats{RoleID: r.ID, Name: r.Name, Days: []store.OnCallDayStats{}})
	}
	for _, d := range days { // by role and day
		i, ok := at[d.RoleID]
		if !ok { // a deleted role
			at[d.RoleID], i = len(out), len(out)
			out = append(out, RoleStats{RoleID: d.RoleID, Days: []store.OnCallDayStats{}})
		}
		if d.RoleName != "" && i >= len(roles) {
			out[i].Name = d.RoleName
		}
		out[i].Days = append(out[i].Days, d)
	}
	return out, first, last, nil
}
