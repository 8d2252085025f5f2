package store

import (
	"context"

	"github.com/wardhealth/ward"
)

// StoredIdentity is a user's name and email as the users row holds them:
// in the clear (staff; Sealed empty), or, for a patient, a placeholder name,
// the email's blind index and both sealed by the keyring (migration 0018).
// What is sealed and how is app/useridentity.go's business.
type StoredIdentity struct {
	Email, Name             string
	EmailSealed, NameSealed []byte
}

// Sealed reports whether the identity is held sealed.
func (s StoredIdentity) Sealed() bool { return len(s.EmailSealed) > 0 }

// UserIdentity reads the sealed name and email of a user of an org.
func (tx *Tx) UserIdentity(ctx context.Context, orgID, id string) (StoredIdentity, error) {
	var s StoredIdentity
	err := tx.queryRow(ctx, "SELECT email, name, email_sealed, name_sealed FROM users WHERE org_id = $1 AND id = $2",
		orgID, id).Scan(&s.Email, &s.Name, &s.EmailSealed, &s.NameSealed)
	return s, tx.d.wrap(err)
}

// SealedIdentities reads the sealed names and emails of an org's users
// whose identity is sealed, by user id.
func (tx *Tx) SealedIdentities(ctx context.Context, orgID string) (map[string]StoredIdentity, error) {
	rows, err := tx.query(ctx, "SELECT id, email, name, email_sealed, name_sealed FROM users"+
		" WHERE org_id = $1 AND email_sealed IS NOT NULL", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]StoredIdentity{}
	for rows.Next() {
		var id string
		var s StoredIdentity
		if err := rows.Scan(&id, &s.Email, &s.Name, &s.EmailSealed, &s.NameSealed); err != nil {
			return nil, tx.d.wrap(err)
		}
		out[id] = s
	}
	return out, tx.d.wrap(rows.Err())
}

// SetUserIdentity stores a user's name and email as s holds them, if the
// row's email column still holds fromEmail (so that a concurrent change is
// not overwritten). It reports whether the row was changed. An email
// another user of the org holds fails with CodeConflict.
func (tx *Tx) SetUserIdentity(ctx context.Context, orgID, id, fromEmail string, s StoredIdentity) (bool, error) {
	var es, ns any // NULL, not an empty blob, for a staff row
	if s.Sealed() {
		es, ns = s.EmailSealed, s.NameSealed
	}
	res, err := tx.exec(ctx, "UPDATE users SET email = $1, name = $2, email_sealed = $3, name_sealed = $4"+
		" WHERE org_id = $5 AND id = $6 AND email = $7", s.Email, s.Name, es, ns, orgID, id, fromEmail)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// PatientsInTheClear lists up to limit users of the role patient, in every
// org, whose email column does not start with sealedPrefix: the rows a
// database from before migration 0018 holds in the clear.
func (tx *Tx) PatientsInTheClear(ctx context.Context, sealedPrefix string, limit int) ([]ward.User, error) {
	return collect(ctx, tx, tx.scanUser, "SELECT "+userCols+" FROM users WHERE role = $1 AND substr(email, 1, $2) <> $3"+
		" ORDER BY id LIMIT $4", string(ward.RolePatient), len(sealedPrefix), sealedPrefix, limit)
}

// userEmailLock is the PostgreSQL advisory lock key of an org's user emails.
const userEmailLock = 7720430

// LockUserEmails serialises, until the transaction ends, changes to the
// emails of an org's users. The email column holds a staff email in the
// clear and a patient's as a blind index, so the unique constraint does not
// see one email stored in both forms; app checks both forms under this
// lock. On SQLite the single writer already serialises.
func (tx *Tx) LockUserEmails(ctx context.Context, orgID string) error {
	if tx.d.name != "postgres" {
		return nil
	}
	_, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || ':' || $2))", userEmailLock, orgID)
	return err
}
