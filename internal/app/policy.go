package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Policy returns the caller's org policy.
func (a *App) Policy(ctx context.Context, p *Principal) (ward.Policy, error) {
	if err := p.Can(authz.PolicyRead); err != nil {
		return ward.Policy{}, err
	}
	var pol ward.Policy
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		pol, err = tx.Policy(ctx, p.User.OrgID)
		return err
	})
	return pol, err
}

// UpdatePolicy replaces the caller's org policy. It applies to live
// sessions too (applyPolicy): every open socket of the org checks its
// session again at once, and closes if the new policy ends or restricts it.
func (a *App) UpdatePolicy(ctx context.Context, p *Principal, pol ward.Policy) (ward.Policy, error) {
	if err := p.Can(authz.PolicyUpdate); err != nil {
		return ward.Policy{}, err
	}
	if err := pol.Validate(); err != nil {
		return ward.Policy{}, err
	}
	var users []string
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		us, err := tx.ListUsers(ctx, p.User.OrgID)
		users = users[:0]
		for _, u := range us {
			users = append(users, u.ID)
		}
		return err
	}); err != nil {
		return ward.Policy{}, err
	}
	err := a.changeAccess(ctx, func(tx *store.Tx) error {
		old, err := tx.Policy(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		if err := tx.PutPolicy(ctx, p.User.OrgID, pol); err != nil {
			return err
		}
		ev := p.Event(audit.PolicyUpdated, "org", p.User.OrgID)
		ev.Reason = policyChangeDetail(old, pol)
		return audit.Append(ctx, tx, ev)
	}, users...)
	return pol, err
}
