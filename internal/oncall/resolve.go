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

// MaxShifts bounds how many spans Shifts lists.
const MaxShifts = 1000

// OnCall is who holds a role over a span of time, with their name.
type OnCall struct {
	RoleID   string
	RoleName string
	ward.OnCallShift
	UserName string // "" when no one is on call
	// Step is the step of the role's escalation chain an urgent page
	// reached at send time: StepPrimary (the person on call), or StepLead
	// when no one was on call, and Why then says so. "" outside pages.
	Step string
	Why  string
}

// Label is how a message to the role shows whom it reached:
// "Cardiology on call (Dr Shah)", or "Cardiology on call (Dr Lee, lead:
// no one is on call)" when a page went to the role's lead ("(Dr Lee,
// lead)" when the reason is not known, as in a thread read later).
func (o OnCall) Label() string {
	switch {
	case o.UserID == "":
		return o.RoleName
	case o.Step == StepLead && o.Why == "":
		return o.RoleName + " (" + o.UserName + ", lead)"
	case o.Step == StepLead:
		return o.RoleName + " (" + o.UserName + ", lead: " + o.Why + ")"
	}
	return o.RoleName + " (" + o.UserName + ")"
}

// At says who is on call for a role of the caller's org at t (zero: now).
func (s *Service) At(ctx context.Context, p *access.Principal, id string, t time.Time) (OnCall, error) {
	if err := p.Can(authz.OnCallList); err != nil {
		return OnCall{}, err
	}
	if t.IsZero() {
		t = s.now()
	}
	var o OnCall
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		plan, name, err := s.plan(ctx, tx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		o, err = named(ctx, tx, p.User.OrgID, OnCall{RoleID: id, RoleName: name, OnCallShift: plan.At(t)})
		return err
	})
	return o, err
}

// Now says who is on call now for every role of the caller's org, by the
// role's name.
func (s *Service) Now(ctx context.Context, p *access.Principal) ([]OnCall, error) {
	if err := p.Can(authz.OnCallList); err != nil {
		return nil, err
	}
	now := s.now()
	out := []OnCall{}
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		roles, err := tx.OnCallRoles(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		for _, r := range roles {
			plan, err := s.compiled(r)
			if err != nil {
				return err
			}
			o, err := named(ctx, tx, p.User.OrgID, OnCall{RoleID: r.ID, RoleName: r.Name, OnCallShift: plan.At(now)})
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// Shifts lists who is on call for a role of the caller's org from from
// until to (at most 92 days), span by span: the calendar.
func (s *Service) Shifts(ctx context.Context, p *access.Principal, id string, from, to time.Time) ([]OnCall, error) {
	if err := p.Can(authz.OnCallList); err != nil {
		return nil, err
	}
	if !to.After(from) || to.Sub(from) > 92*24*time.Hour {
		return nil, ward.Errorf(ward.CodeInvalid, "to must come after from, at most 92 days later")
	}
	var out []OnCall
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		plan, name, err := s.plan(ctx, tx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, sh := range plan.Shifts(from, to, MaxShifts) {
			o := OnCall{RoleID: id, RoleName: name, OnCallShift: sh}
			if n, ok := names[sh.UserID]; ok {
				o.UserName = n
			} else if o, err = named(ctx, tx, p.User.OrgID, o); err != nil {
				return err
			}
			names[sh.UserID] = o.UserName
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// Resolve finds who is on call now for a role of the caller's org, to
// address a conversation or a message to them. No one on call (before the
// schedule starts, after a rotation that ends, or the person on call is
// disabled or no longer a clinician or staff member) is CodeNoOneOnCall:
// the sender is told at once. The caller on call themselves is
// CodeInvalid: they cannot write to themselves.
func (s *Service) Resolve(ctx context.Context, p *access.Principal, id string) (OnCall, error) {
	if err := p.Can(authz.OnCallAddress); err != nil {
		return OnCall{}, err
	}
	var o OnCall
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		o, err = s.resolve(ctx, tx, p, id, s.now())
		return err
	})
	return o, err
}

// ResolvePage finds whom an urgent page to a role of the caller's org
// goes to now: the person on call (Step StepPrimary), or, when no one is
// on call, the role's lead (Step StepLead, Why saying why), so the sender
// is told at once whom it reached. No one on call and no lead who can
// take it (none set, disabled, or the caller) is CodeNoOneOnCall.
func (s *Service) ResolvePage(ctx context.Context, p *access.Principal, id string) (OnCall, error) {
	if err := p.Can(authz.OnCallAddress); err != nil {
		return OnCall{}, err
	}
	var o OnCall
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		now := s.now()
		var err error
		if o, err = s.resolve(ctx, tx, p, id, now); ward.ErrorCode(err) != ward.CodeNoOneOnCall {
			o.Step = StepPrimary
			return err
		}
		r, rerr := tx.OnCallRoleByID(ctx, p.User.OrgID, id)
		if rerr != nil {
			return rerr
		}
		lead, ok, rerr := reachable(ctx, tx, p.User.OrgID, r.Chain.LeadID)
		if rerr != nil || !ok || lead.ID == p.User.ID {
			return cmpErr(rerr, err)
		}
		why := "no one is on call"
		if o.UserID != "" {
			why = "the person on call cannot be reached"
		}
		// Until: when the span without a reachable person on call ends,
		// and the page is re-routed to whoever comes on.
		o = OnCall{RoleID: id, RoleName: o.RoleName, OnCallShift: ward.OnCallShift{UserID: lead.ID, From: now, Until: o.Until},
			UserName: lead.Name, Step: StepLead, Why: why}
		return nil
	})
	return o, err
}

// resolve is Resolve in tx at now. When no one can be reached, the error
// is CodeNoOneOnCall and o still names the role, the span, and the
// person on call who cannot be reached, if any.
func (s *Service) resolve(ctx context.Context, tx *store.Tx, p *access.Principal, id string, now time.Time) (OnCall, error) {
	plan, name, err := s.plan(ctx, tx, p.User.OrgID, id)
	if err != nil {
		return OnCall{}, err
	}
	o := OnCall{RoleID: id, RoleName: name, OnCallShift: plan.At(now)}
	if o.UserID == "" {
		return o, ward.Errorf(ward.CodeNoOneOnCall, "no one is on call for %s now", name)
	}
	u, ok, err := reachable(ctx, tx, p.User.OrgID, o.UserID)
	if err != nil {
		return o, err
	}
	if !ok {
		return o, ward.Errorf(ward.CodeNoOneOnCall, "the person on call for %s now can no longer be reached: fix the schedule", name)
	}
	if u.ID == p.User.ID {
		return o, ward.Errorf(ward.CodeInvalid, "you are on call for %s now", name)
	}
	o.UserName = u.Name
	return o, nil
}

// reachable reads a user of an org who may take a message to a role: an
// active clinician or staff member. ok is false for "", someone unknown,
// disabled, or of another role.
func reachable(ctx context.Context, tx *store.Tx, orgID, userID string) (u ward.User, ok bool, err error) {
	if userID == "" {
		return u, false, nil
	}
	u, err = tx.UserByID(ctx, orgID, userID)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return u, false, nil
	}
	return u, err == nil && !u.Disabled && u.Role.MayBeOnCall(), err
}

// cmpErr returns err, or alt when err is nil.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// Record keeps, with its audit event (oncall.role_addressed), that a
// conversation (messageID "") or a message addressed to a role reached o.
func (s *Service) Record(ctx context.Context, p *access.Principal, o OnCall, conversationID, messageID string) error {
	return s.store.Write(ctx, func(tx *store.Tx) error { return record(ctx, tx, p, o, conversationID, messageID) })
}

// record is Record in tx.
func record(ctx context.Context, tx *store.Tx, p *access.Principal, o OnCall, conversationID, messageID string) error {
	a := store.OnCallAddressed{ID: newID(), OrgID: p.User.OrgID, RoleID: o.RoleID, RoleName: o.RoleName, UserID: o.UserID,
		ConversationID: conversationID, MessageID: messageID}
	if err := tx.AddOnCallAddressed(ctx, &a); err != nil {
		return err
	}
	e := p.Event(audit.OnCallRoleAddressed, "oncall_role", o.RoleID)
	source := o.Source
	if o.Step == StepLead {
		source = "lead: " + o.Why
	}
	e.Reason = fmt.Sprintf("resolved to %s (%s) in conversation %s", o.UserID, source, conversationID)
	if messageID != "" {
		e.Reason += " message " + messageID
	}
	return audit.Append(ctx, tx, e)
}

// plan returns the compiled schedule of a role of an org and the role's
// name: from the cache when the stored version is the cached one (one
// small read), else read, compiled and cached. Every node compares with
// the store, so a change made on another node is seen at once.
func (s *Service) plan(ctx context.Context, tx *store.Tx, orgID, id string) (*Plan, string, error) {
	name, version, err := tx.OnCallRoleVersion(ctx, orgID, id)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	c, ok := s.plans[id]
	s.mu.Unlock()
	if ok && c.version == version {
		return c.plan, name, nil
	}
	r, err := tx.OnCallRoleByID(ctx, orgID, id)
	if err != nil {
		return nil, "", err
	}
	plan, err := s.compiled(r)
	return plan, r.Name, err
}

// compiled compiles r's schedule, or takes it from the cache at r's
// version.
func (s *Service) compiled(r ward.OnCallRole) (*Plan, error) {
	s.mu.Lock()
	c, ok := s.plans[r.ID]
	s.mu.Unlock()
	if ok && c.version == r.Version {
		return c.plan, nil
	}
	plan, err := Compile(r.Schedule)
	if err != nil {
		// A stored schedule was checked when it was saved.
		return nil, ward.Wrap(ward.CodeIntegrity, err, "a stored on-call schedule does not compile")
	}
	s.mu.Lock()
	if c, ok := s.plans[r.ID]; !ok || c.version < r.Version {
		s.plans[r.ID] = cachedPlan{version: r.Version, plan: plan}
	}
	s.mu.Unlock()
	return plan, nil
}

// named fills in the name of the person on call.
func named(ctx context.Context, tx *store.Tx, orgID string, o OnCall) (OnCall, error) {
	if o.UserID == "" {
		return o, nil
	}
	u, err := tx.UserByID(ctx, orgID, o.UserID)
	if err != nil {
		return o, err
	}
	o.UserName = u.Name
	return o, nil
}

// OnCallAt says who is on call for any role of an org at t, by user id:
// internal/notify/prefs asks it (prefs.Schedule) to show them on call and
// to let their shift through their quiet hours. It names user ids only,
// the workforce's schedule, and serves no principal directly.
func (s *Service) OnCallAt(ctx context.Context, orgID string, t time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		roles, err := tx.OnCallRoles(ctx, orgID)
		if err != nil {
			return err
		}
		for _, r := range roles {
			plan, err := s.compiled(r)
			if err != nil {
				return err
			}
			if u := plan.At(t).UserID; u != "" {
				out[u] = true
			}
		}
		return nil
	})
	return out, err
}
