package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// UserByEmail finds, in tx, the user of org orgID with email: a staff
// member's in the clear, or a patient's through its blind index. For the
// host's commands (ward archive export --user), which have no principal;
// it reads no PHI (the user's name stays as stored: sealed for a patient).
func (a *App) UserByEmail(ctx context.Context, tx *store.Tx, orgID, email string) (ward.User, error) {
	email = ward.NormalizeEmail(email)
	return tx.UserByEmail(ctx, orgID, email, a.emailIndex(email))
}
