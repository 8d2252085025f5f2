package app

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// checkLifespan checks that p may give a new conversation its own lifespan
// life (0: none, the org's policy decides). Only clinicians and staff may,
// and only within the org's policy: a policy that keeps messages
// (MessageLifespan 0) is a retention decision no conversation overrides, and
// under a policy with a lifespan a conversation may only ask for a shorter
// one (at least ward.MinLifespan, which Validate checked).
func checkLifespan(ctx context.Context, tx *store.Tx, p *Principal, life time.Duration) error {
	if life == 0 {
		return nil
	}
	if p.User.Role != ward.RoleClinician && p.User.Role != ward.RoleStaff {
		return ward.Errorf(ward.CodeForbidden, "only clinicians and staff may set a conversation's lifespan")
	}
	pol, err := tx.Policy(ctx, p.User.OrgID)
	if err != nil {
		return err
	}
	org := pol.MessageLifespan.D()
	switch {
	case org == 0:
		return ward.Errorf(ward.CodeForbidden, "the org's policy keeps messages: a conversation cannot set a lifespan")
	case life > org:
		return ward.Errorf(ward.CodeInvalid, "lifespan must be at most the org's message lifespan (%s)", org)
	}
	return nil
}
