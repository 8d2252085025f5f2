package monitor

import (
	"context"
	"slices"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// lookupCache answers the rules' questions to the store: policies (read
// each Run), care teams (cached for one Run) and what was seen of
// privileged accounts (cached while the Monitor runs; new values are
// written with the batch that found them).
type lookupCache struct {
	m        *Monitor
	ctx      context.Context // the Run's
	monitors map[string]ward.MonitorPolicy
	teams    map[string][]string // "u|"+user or "p|"+patient: team ids
	seen     map[string]map[string]bool
	pending  []seenValue
}

type seenValue struct {
	org, user, kind, value string
	remove                 bool // forget the user's values of kind
}

// disabled records that user was disabled (or enabled again), with the
// batch that saw it: after a restart the evaluator knows who is disabled
// as of its cursor. The org is not needed: user ids are unique.
func (c *lookupCache) disabled(user string, on bool) {
	c.pending = append(c.pending, seenValue{user: user, kind: "disabled", remove: !on})
}

func newLookupCache(m *Monitor) *lookupCache {
	return &lookupCache{m: m, seen: map[string]map[string]bool{}}
}

// reset drops what a Run may not reuse: policies and care teams change.
func (c *lookupCache) reset(ctx context.Context) {
	c.ctx = ctx
	c.monitors = map[string]ward.MonitorPolicy{}
	c.teams = map[string][]string{}
}

func (c *lookupCache) policy(org string) ward.MonitorPolicy {
	if mp, ok := c.monitors[org]; ok {
		return mp
	}
	p, ok := c.m.pols[org]
	if !ok {
		p = ward.DefaultPolicy()
	}
	mp := p.Monitor()
	if c.monitors == nil {
		c.monitors = map[string]ward.MonitorPolicy{}
	}
	c.monitors[org] = mp
	return mp
}

func (c *lookupCache) breakGlassAccess(org string) time.Duration {
	p, ok := c.m.pols[org]
	if !ok {
		p = ward.DefaultPolicy()
	}
	return p.GrantAccess(ward.GrantBreakGlass)
}

func (c *lookupCache) teamsOf(org, key string, load func(tx *store.Tx) ([]string, error)) ([]string, error) {
	if ts, ok := c.teams[key]; ok {
		return ts, nil
	}
	var ts []string
	err := c.m.cfg.Store.Read(c.context(), func(tx *store.Tx) (err error) {
		ts, err = load(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c.teams == nil {
		c.teams = map[string][]string{}
	}
	c.teams[key] = ts
	return ts, nil
}

func (c *lookupCache) outsideCareTeams(org, user, patient string) (bool, error) {
	ctx := c.context()
	pts, err := c.teamsOf(org, "p|"+org+"|"+patient, func(tx *store.Tx) ([]string, error) { return tx.PatientTeams(ctx, org, patient) })
	if err != nil || len(pts) == 0 {
		return false, err
	}
	uts, err := c.teamsOf(org, "u|"+org+"|"+user, func(tx *store.Tx) ([]string, error) { return tx.TeamsOf(ctx, org, user) })
	if err != nil {
		return false, err
	}
	for _, t := range uts {
		if slices.Contains(pts, t) {
			return false, nil
		}
	}
	return true, nil
}

func (c *lookupCache) newSeen(org, user, device, ip string) (fresh []string, first bool, err error) {
	key := org + "|" + user
	known, ok := c.seen[key]
	if !ok {
		known = map[string]bool{}
		ctx := c.context()
		err = c.m.cfg.Store.Read(ctx, func(tx *store.Tx) error {
			for _, kind := range []string{"device", "address"} {
				vs, err := tx.MonitorSeen(ctx, org, user, kind)
				if err != nil {
					return err
				}
				for _, v := range vs {
					known[kind+":"+v] = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		c.seen[key] = known
	}
	first = len(known) == 0
	for _, kv := range [][2]string{{"device", device}, {"address", ip}} {
		if kv[1] == "" || known[kv[0]+":"+kv[1]] {
			continue
		}
		known[kv[0]+":"+kv[1]] = true
		c.pending = append(c.pending, seenValue{org: org, user: user, kind: kv[0], value: kv[1]})
		fresh = append(fresh, kv[0])
	}
	return fresh, first, nil
}

// takeSeen returns the values seen since the last call, to be written.
func (c *lookupCache) takeSeen() []seenValue {
	p := c.pending
	c.pending = nil
	return p
}

func (c *lookupCache) context() context.Context {
	if c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}
