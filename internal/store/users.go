package store

import (
	"context"

	"github.com/wardhealth/ward"
)

const userCols = "id, org_id, email, name, role, disabled, created_at"

// CreateUser stores a new user. It stamps CreatedAt with the transaction time.
func (tx *Tx) CreateUser(ctx context.Context, u *ward.User) error {
	u.CreatedAt = tx.Now
	_, err := tx.exec(ctx, "INSERT INTO users ("+userCols+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
		u.ID, u.OrgID, u.Email, u.Name, string(u.Role), boolInt(u.Disabled), micros(u.CreatedAt))
	return err
}

// UserByID finds a user of an org by id.
func (tx *Tx) UserByID(ctx context.Context, orgID, id string) (ward.User, error) {
	return tx.scanUser(tx.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE org_id = $1 AND id = $2", orgID, id))
}

// UserByEmail finds a user of an org by normalised email, or by the other
// form the email column may hold it in (index: a patient's blind index,
// app/useridentity.go). Both are looked up in one statement.
func (tx *Tx) UserByEmail(ctx context.Context, orgID, email string, index ...string) (ward.User, error) {
	return tx.scanUser(tx.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE org_id = $1 AND email IN ($2, $3) ORDER BY email",
		orgID, email, orFirst(index, email)))
}

// orFirst is alt[0], or def when alt is empty.
func orFirst(alt []string, def string) string {
	if len(alt) > 0 {
		return alt[0]
	}
	return def
}

// ListUsers lists an org's users by name.
func (tx *Tx) ListUsers(ctx context.Context, orgID string) ([]ward.User, error) {
	return collect(ctx, tx, tx.scanUser, "SELECT "+userCols+" FROM users WHERE org_id = $1 ORDER BY name, id", orgID)
}

func (tx *Tx) scanUser(row scanner) (ward.User, error) {
	var r userRow
	if err := row.Scan(r.dest()...); err != nil {
		return ward.User{}, tx.d.wrap(err)
	}
	return r.user(), nil
}

// userRow is a row of userCols as scanned.
type userRow struct {
	u        ward.User
	role     string
	disabled int
	created  int64
}

func (r *userRow) dest() []any {
	return []any{&r.u.ID, &r.u.OrgID, &r.u.Email, &r.u.Name, &r.role, &r.disabled, &r.created}
}

func (r *userRow) user() ward.User {
	u := r.u
	u.Role, u.Disabled, u.CreatedAt = ward.Role(r.role), r.disabled != 0, fromMicros(r.created)
	return u
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UsersByEmail finds the users with this normalised email (or its other
// form index, as UserByEmail) in every org, for a sign-in that names no org.
func (tx *Tx) UsersByEmail(ctx context.Context, email string, index ...string) ([]ward.User, error) {
	return collect(ctx, tx, tx.scanUser, "SELECT "+userCols+" FROM users WHERE email IN ($1, $2) ORDER BY org_id, email",
		email, orFirst(index, email))
}

// UpdateUser stores u's name, role and disabled flag.
func (tx *Tx) UpdateUser(ctx context.Context, u ward.User) error {
	return tx.execOne(ctx, "UPDATE users SET name = $1, role = $2, disabled = $3 WHERE org_id = $4 AND id = $5",
		u.Name, string(u.Role), boolInt(u.Disabled), u.OrgID, u.ID)
}

// PasswordHash returns a user's encoded password hash ("" when none is set).
func (tx *Tx) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := tx.queryRow(ctx, "SELECT password_hash FROM users WHERE id = $1", userID).Scan(&h)
	return h, tx.d.wrap(err)
}

// SetPasswordHash replaces a user's encoded password hash.
func (tx *Tx) SetPasswordHash(ctx context.Context, userID, hash string) error {
	return tx.execOne(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", hash, userID)
}
