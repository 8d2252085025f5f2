package oncall

import (
	"context"
	"fmt"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Steps of a role's escalation chain.
const (
	StepPrimary   = store.PageStepPrimary   // the person on call
	StepSecondary = store.PageStepSecondary // the role's secondary
	StepLead      = store.PageStepLead      // the role's lead
)

// Hands is what the chain needs of the messaging core (internal/app
// implements it): to give an unacknowledged urgent message to one more
// person in the chain's transaction (a member of its conversation with a
// receipt to acknowledge, re-notified, pushed "escalated to you"), and to
// publish what that changed after commit.
type Hands interface {
	HandUrgent(ctx context.Context, tx *store.Tx, orgID, messageID, userID, why string) ([]realtime.Event, error)
	Publish(ctx context.Context, events []realtime.Event)
}

// SetChain sets a role's escalation chain: its secondary and its lead
// (either "" for none), each an active clinician or staff member of the
// caller's org, not the same person.
func (s *Service) SetChain(ctx context.Context, p *access.Principal, id string, c ward.EscalationChain) (ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, err
	}
	c.SecondaryID, c.LeadID = strings.TrimSpace(c.SecondaryID), strings.TrimSpace(c.LeadID)
	if c.SecondaryID != "" && c.SecondaryID == c.LeadID {
		return ward.OnCallRole{}, ward.Errorf(ward.CodeInvalid, "the secondary and the lead must be different people")
	}
	return s.change(ctx, p, id, func(tx *store.Tx, r *ward.OnCallRole) (audit.Event, error) {
		var people []string
		for _, u := range []string{c.SecondaryID, c.LeadID} {
			if u != "" {
				people = append(people, u)
			}
		}
		if err := checkStaff(ctx, tx, p, people); err != nil {
			return audit.Event{}, err
		}
		if r.Chain == c {
			return audit.Event{}, nil
		}
		r.Chain = c
		e := p.Event(audit.OnCallChainChanged, "oncall_role", id)
		e.Reason = fmt.Sprintf("secondary %s, lead %s", orDash(c.SecondaryID), orDash(c.LeadID))
		return e, nil
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// pagesBatch is how many due pages RunPages handles per transaction.
const pagesBatch = 100

// RunPages moves the due pages on, at the service's clock: a page whose
// role's shift handed over is re-routed to the incoming person (audited
// oncall.rerouted) and starts again from the primary step; a page whose
// step timed out (the policy's urgent_escalate) goes to the next step of
// its role's chain, the secondary and then the lead (audited
// oncall.escalated). A page that was acknowledged, recalled or purged
// stops. The state is in the database, so a restart or a new leader picks
// up where the last run stopped; internal/server runs it on the leader
// next to the urgent timers.
func (s *Service) RunPages(ctx context.Context) (escalated, rerouted int, err error) {
	if s.hands == nil {
		return 0, 0, nil
	}
	for {
		var events []realtime.Event
		var n int
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			events, n = events[:0], 0
			due, err := tx.DueOnCallPages(ctx, pagesBatch)
			if err != nil {
				return err
			}
			n = len(due)
			for i := range due {
				evs, e, r, err := s.move(ctx, tx, &due[i])
				if err != nil {
					return err
				}
				events, escalated, rerouted = append(events, evs...), escalated+e, rerouted+r
			}
			return nil
		})
		if err != nil {
			return escalated, rerouted, err
		}
		s.hands.Publish(ctx, events)
		if n < pagesBatch {
			return escalated, rerouted, nil
		}
	}
}

// move moves one due page on, in tx: it stops, is re-routed, escalates,
// or (no one left to take it) keeps its holder and stops escalating.
func (s *Service) move(ctx context.Context, tx *store.Tx, pg *store.OnCallPage) (events []realtime.Event, escalated, rerouted int, err error) {
	if !pg.AckedAt.IsZero() || pg.Gone {
		pg.DoneAt = pg.AckedAt
		if pg.DoneAt.IsZero() {
			pg.DoneAt = tx.Now
		}
		return nil, 0, 0, tx.UpdateOnCallPage(ctx, pg)
	}
	r, err := tx.OnCallRoleByID(ctx, pg.OrgID, pg.RoleID)
	if ward.ErrorCode(err) == ward.CodeNotFound { // the role was deleted: the page stays where it is
		pg.NextAt, pg.HandOverAt = zeroTime, zeroTime
		return nil, 0, 0, tx.UpdateOnCallPage(ctx, pg)
	}
	if err != nil {
		return nil, 0, 0, err
	}
	pol, err := tx.Policy(ctx, pg.OrgID)
	if err != nil {
		return nil, 0, 0, err
	}
	if !pg.HandOverAt.IsZero() && !tx.Now.Before(pg.HandOverAt) {
		plan, err := s.compiled(r)
		if err != nil {
			return nil, 0, 0, err
		}
		sh := plan.At(tx.Now)
		pg.HandOverAt = sh.Until
		u, ok, err := reachable(ctx, tx, pg.OrgID, sh.UserID)
		if err != nil {
			return nil, 0, 0, err
		}
		if ok && u.ID != pg.HolderID && u.ID != pg.SenderID {
			evs, err := s.hand(ctx, tx, pg, store.PageHandRerouted, StepPrimary, u.ID, audit.OnCallRerouted,
				fmt.Sprintf("urgent page %s re-routed at the hand-over from %s to %s", pg.MessageID, pg.HolderID, u.ID))
			if err != nil {
				return nil, 0, 0, err
			}
			events, rerouted = evs, 1
			pg.NextAt = tx.Now.Add(pol.UrgentEscalate.D())
		}
	}
	if !pg.NextAt.IsZero() && !tx.Now.Before(pg.NextAt) {
		step, to := next(ctx, tx, pg, r.Chain)
		pg.NextAt = zeroTime
		if to != "" {
			evs, err := s.hand(ctx, tx, pg, store.PageHandEscalated, step, to, audit.OnCallEscalated,
				fmt.Sprintf("urgent page %s escalated to the %s %s from %s", pg.MessageID, step, to, pg.HolderID))
			if err != nil {
				return nil, 0, 0, err
			}
			events, escalated = append(events, evs...), 1
			if step != StepLead {
				pg.NextAt = tx.Now.Add(pol.UrgentEscalate.D())
			}
		}
	}
	return events, escalated, rerouted, tx.UpdateOnCallPage(ctx, pg)
}

// next picks the step after pg's of chain c, and who takes it: the first
// of the later steps whose person is set, reachable, and neither the
// sender nor the holder. "" when there is none.
func next(ctx context.Context, tx *store.Tx, pg *store.OnCallPage, c ward.EscalationChain) (step, userID string) {
	steps := []struct{ step, id string }{{StepSecondary, c.SecondaryID}, {StepLead, c.LeadID}}
	switch pg.Step {
	case StepSecondary:
		steps = steps[1:]
	case StepLead:
		steps = nil
	}
	for _, st := range steps {
		if st.id == pg.SenderID || st.id == pg.HolderID {
			continue
		}
		if _, ok, err := reachable(ctx, tx, pg.OrgID, st.id); err == nil && ok {
			return st.step, st.id
		}
	}
	return "", ""
}

// hand gives pg to userID at step, in tx: the message is handed on
// (Hands), the hand is recorded and audited (action, resource the role,
// the reason with ids only), and pg says who holds it since now.
func (s *Service) hand(ctx context.Context, tx *store.Tx, pg *store.OnCallPage, kind, step, userID string, action audit.Action, why string) ([]realtime.Event, error) {
	events, err := s.hands.HandUrgent(ctx, tx, pg.OrgID, pg.MessageID, userID, why)
	if err != nil {
		return nil, err
	}
	if err := tx.AddOnCallPageStep(ctx, &store.OnCallPageStep{ID: newID(), MessageID: pg.MessageID, OrgID: pg.OrgID,
		RoleID: pg.RoleID, Kind: kind, Step: step, UserID: userID, FromID: pg.HolderID}); err != nil {
		return nil, err
	}
	e := audit.Event{OrgID: pg.OrgID, Actor: access.SystemActor(), Action: action, ResourceType: "oncall_role",
		ResourceID: pg.RoleID, Outcome: audit.Success, Reason: why}
	if err := audit.Append(ctx, tx, e); err != nil {
		return nil, err
	}
	pg.Step, pg.HolderID, pg.Since = step, userID, tx.Now
	return events, nil
}
