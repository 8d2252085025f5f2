package oncall

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Config is what a Service is built from.
type Config struct {
	Store *store.Store
	Now   func() time.Time // the clock; time.Now when nil
	// Hands hands pages on along their roles' chains (internal/app);
	// nil: RunPages does nothing.
	Hands Hands
}

// Service is the on-call use cases.
type Service struct {
	store *store.Store
	now   func() time.Time
	hands Hands

	mu    sync.Mutex
	plans map[string]cachedPlan // by role id
}

// cachedPlan is a role's compiled schedule at one version.
type cachedPlan struct {
	version int64
	plan    *Plan
}

// New builds a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, now: cfg.Now, hands: cfg.Hands, plans: map[string]cachedPlan{}}
}

// Roles lists the caller's org's on-call roles with their schedules.
func (s *Service) Roles(ctx context.Context, p *access.Principal) ([]ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallList); err != nil {
		return nil, err
	}
	var rs []ward.OnCallRole
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rs, err = tx.OnCallRoles(ctx, p.User.OrgID)
		return err
	})
	return rs, err
}

// Role reads one on-call role of the caller's org.
func (s *Service) Role(ctx context.Context, p *access.Principal, id string) (ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallList); err != nil {
		return ward.OnCallRole{}, err
	}
	var r ward.OnCallRole
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		r, err = tx.OnCallRoleByID(ctx, p.User.OrgID, id)
		return err
	})
	return r, err
}

// Create makes a role with its schedule. Nothing is saved unless both the
// name and the whole schedule are good.
func (s *Service) Create(ctx context.Context, p *access.Principal, name string, sch ward.Schedule) (ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, err
	}
	name, err := ward.OnCallRoleName(name)
	if err != nil {
		return ward.OnCallRole{}, err
	}
	r := ward.OnCallRole{ID: newID(), OrgID: p.User.OrgID, Name: name, Schedule: withIDs(sch)}
	if _, err := Compile(r.Schedule); err != nil {
		return ward.OnCallRole{}, err
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := checkStaff(ctx, tx, p, r.Schedule.Rotation.People); err != nil {
			return err
		}
		if err := tx.CreateOnCallRole(ctx, &r); err != nil {
			return err
		}
		e := p.Event(audit.OnCallRoleCreated, "oncall_role", r.ID)
		e.Reason = fmt.Sprintf("%q, %s", r.Name, describe(r.Schedule))
		return audit.Append(ctx, tx, e)
	})
	return r, err
}

// Rename renames a role of the caller's org.
func (s *Service) Rename(ctx context.Context, p *access.Principal, id, name string) (ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, err
	}
	name, err := ward.OnCallRoleName(name)
	if err != nil {
		return ward.OnCallRole{}, err
	}
	return s.change(ctx, p, id, func(tx *store.Tx, r *ward.OnCallRole) (audit.Event, error) {
		if r.Name == name {
			return audit.Event{}, nil
		}
		e := p.Event(audit.OnCallRoleRenamed, "oncall_role", id)
		e.Reason = fmt.Sprintf("%q to %q", r.Name, name)
		r.Name = name
		return e, nil
	})
}

// Delete deletes a role of the caller's org. What was addressed to it
// keeps the role's name.
func (s *Service) Delete(ctx context.Context, p *access.Principal, id string) error {
	if err := p.Can(authz.OnCallManage); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.OnCallRoleByID(ctx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteOnCallRole(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		e := p.Event(audit.OnCallRoleDeleted, "oncall_role", id)
		e.Reason = fmt.Sprintf("%q", r.Name)
		return audit.Append(ctx, tx, e)
	})
}

// SetSchedule replaces a role's whole schedule (rotation, overrides and
// swaps): all of it is good and saved, or nothing is.
func (s *Service) SetSchedule(ctx context.Context, p *access.Principal, id string, sch ward.Schedule) (ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, err
	}
	sch = withIDs(sch)
	if _, err := Compile(sch); err != nil {
		return ward.OnCallRole{}, err
	}
	return s.change(ctx, p, id, func(tx *store.Tx, r *ward.OnCallRole) (audit.Event, error) {
		if err := checkStaff(ctx, tx, p, sch.Rotation.People); err != nil {
			return audit.Event{}, err
		}
		r.Schedule = sch
		e := p.Event(audit.OnCallScheduleChanged, "oncall_role", id)
		e.Reason = describe(sch)
		return e, nil
	})
}

// AddOverride puts one of the rotation's people on call from o.From until
// o.To; it returns the role and the override with its id.
func (s *Service) AddOverride(ctx context.Context, p *access.Principal, id string, o ward.Override) (ward.OnCallRole, ward.Override, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, o, err
	}
	o.ID = newID()
	r, err := s.change(ctx, p, id, func(_ *store.Tx, r *ward.OnCallRole) (audit.Event, error) {
		r.Schedule.Overrides = append(r.Schedule.Overrides, o)
		if _, err := Compile(r.Schedule); err != nil {
			return audit.Event{}, err
		}
		e := p.Event(audit.OnCallOverrideAdded, "oncall_role", id)
		e.Reason = fmt.Sprintf("override %s: %s from %s to %s", o.ID, o.UserID, stamp(o.From), stamp(o.To))
		return e, nil
	})
	return r, o, err
}

// RemoveOverride takes an override off a role's schedule, if what is left
// has no gap.
func (s *Service) RemoveOverride(ctx context.Context, p *access.Principal, id, overrideID string) (ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, err
	}
	return s.change(ctx, p, id, func(_ *store.Tx, r *ward.OnCallRole) (audit.Event, error) {
		os := r.Schedule.Overrides
		for i, o := range os {
			if o.ID != overrideID {
				continue
			}
			r.Schedule.Overrides = append(os[:i:i], os[i+1:]...)
			if _, err := Compile(r.Schedule); err != nil {
				return audit.Event{}, err
			}
			e := p.Event(audit.OnCallOverrideRemoved, "oncall_role", id)
			e.Reason = fmt.Sprintf("override %s: %s from %s to %s", o.ID, o.UserID, stamp(o.From), stamp(o.To))
			return e, nil
		}
		return audit.Event{}, ward.Errorf(ward.CodeNotFound, "no such override")
	})
}

// AddSwap exchanges the two shifts that hold w.A and w.B.
func (s *Service) AddSwap(ctx context.Context, p *access.Principal, id string, w ward.Swap) (ward.OnCallRole, ward.Swap, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, w, err
	}
	w.ID = newID()
	r, err := s.change(ctx, p, id, func(_ *store.Tx, r *ward.OnCallRole) (audit.Event, error) {
		r.Schedule.Swaps = append(r.Schedule.Swaps, w)
		plan, err := Compile(r.Schedule)
		if err != nil {
			return audit.Event{}, err
		}
		e := p.Event(audit.OnCallSwapAdded, "oncall_role", id)
		e.Reason = fmt.Sprintf("swap %s: %s (shift at %s) with %s (shift at %s)", w.ID, plan.At(w.A).UserID, stamp(w.A),
			plan.At(w.B).UserID, stamp(w.B))
		return e, nil
	})
	return r, w, err
}

// RemoveSwap undoes a swap.
func (s *Service) RemoveSwap(ctx context.Context, p *access.Principal, id, swapID string) (ward.OnCallRole, error) {
	if err := p.Can(authz.OnCallManage); err != nil {
		return ward.OnCallRole{}, err
	}
	return s.change(ctx, p, id, func(_ *store.Tx, r *ward.OnCallRole) (audit.Event, error) {
		ws := r.Schedule.Swaps
		for i, w := range ws {
			if w.ID != swapID {
				continue
			}
			r.Schedule.Swaps = append(ws[:i:i], ws[i+1:]...)
			e := p.Event(audit.OnCallSwapRemoved, "oncall_role", id)
			e.Reason = fmt.Sprintf("swap %s: shifts at %s and %s", w.ID, stamp(w.A), stamp(w.B))
			return e, nil
		}
		return audit.Event{}, ward.Errorf(ward.CodeNotFound, "no such swap")
	})
}

// change runs fn on a role of p's org in one transaction; fn edits the
// role and returns the event that says what changed (none: nothing
// changed, nothing is written). The role as fn left it is stored.
func (s *Service) change(ctx context.Context, p *access.Principal, id string, fn func(*store.Tx, *ward.OnCallRole) (audit.Event, error)) (ward.OnCallRole, error) {
	var r ward.OnCallRole
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.OnCallRoleByID(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		e, err := fn(tx, &r)
		if err != nil || e.Action == "" {
			return err
		}
		if err := tx.UpdateOnCallRole(ctx, &r); err != nil {
			return err
		}
		return audit.Append(ctx, tx, e)
	})
	return r, err
}

// checkStaff checks, in tx, that every person of a rotation is an active
// clinician or staff member of p's org.
func checkStaff(ctx context.Context, tx *store.Tx, p *access.Principal, people []string) error {
	for _, id := range people {
		u, err := tx.UserByID(ctx, p.User.OrgID, id)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return ward.Errorf(ward.CodeInvalid, "%s is not a user of your org", id)
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return ward.Errorf(ward.CodeInvalid, "%s is disabled", id)
		}
		if !u.Role.MayBeOnCall() {
			return ward.Errorf(ward.CodeInvalid, "only clinicians and staff can be on call, not %s with the role %s", id, u.Role)
		}
	}
	return nil
}

// withIDs gives the overrides and swaps of s that have none an id.
func withIDs(s ward.Schedule) ward.Schedule {
	s.Overrides, s.Swaps = slices.Clone(s.Overrides), slices.Clone(s.Swaps)
	for _, l := range [][]*string{overrideIDs(s.Overrides), swapIDs(s.Swaps)} {
		for _, id := range l {
			if *id == "" {
				*id = newID()
			}
		}
	}
	return s
}

func overrideIDs(os []ward.Override) []*string {
	out := make([]*string, len(os))
	for i := range os {
		out[i] = &os[i].ID
	}
	return out
}

func swapIDs(ws []ward.Swap) []*string {
	out := make([]*string, len(ws))
	for i := range ws {
		out[i] = &ws[i].ID
	}
	return out
}

// describe says what a schedule is, for the audit trail: user ids, times,
// counts; never a name of a person.
func describe(s ward.Schedule) string {
	r := s.Rotation
	end := ""
	if r.End != "" {
		end = " until " + r.End
	}
	return fmt.Sprintf("%s rotation of %d days at %s %s from %s%s over %s; %d overrides, %d swaps",
		r.Kind, max(r.Days, map[ward.RotationKind]int{ward.RotationDaily: 1, ward.RotationWeekly: 7}[r.Kind]),
		r.HandOver, r.TimeZone, r.Start, end, strings.Join(r.People, ","), len(s.Overrides), len(s.Swaps))
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }
