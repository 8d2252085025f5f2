package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// A patient's name and email are PHI (HIPAA §164.514(b)(2) names both), so
// the users row of a patient holds neither in the clear: both are sealed
// by the keyring under the user's data key (scope "user:<id>", which also
// seals their TOTP secret, so shredding it erases the identity), and the
// plaintext columns hold "" as the name and, as the email, a blind index:
// "bi1:" and the base64url HMAC-SHA-256 of the normalised email under the
// keyring secret "patient-email-index". The index keeps the unique (org,
// email) constraint and sign-in by email working: a sign-in computes the
// index of the typed email (one HMAC) and looks up both forms in one
// statement. Staff rows keep their name and email in the clear (the
// directory).
//
// This file is the one place that seals and opens user identity: every
// path that stores a user's name or email goes through storedIdentity, and
// every path that returns them to someone through openUser or openUsers.
// The index key is global, not per org, because a sign-in may name no org.

// emailIndexPrefix starts the email column of a sealed identity.
const emailIndexPrefix = "bi1:"

// guestIndexPrefix starts the email column of a guest's sealed identity
// (internal/outside): a blind index of its own domain, so that a guest
// never signs in by email and never holds an address against a staff or
// patient account made later for it.
const guestIndexPrefix = "bg1:"

// isSealedEmail reports whether a users row's email column is a blind
// index, that is whether the identity is sealed.
func isSealedEmail(email string) bool {
	return strings.HasPrefix(email, emailIndexPrefix) || strings.HasPrefix(email, guestIndexPrefix)
}

// identityRef is where a user's name or email is sealed: the user's scope,
// as their TOTP secret (totpRef).
func identityRef(u ward.User, field string) keyring.Ref {
	return keyring.Ref{Org: u.OrgID, Scope: "user:" + u.ID, Record: u.ID, Field: field}
}

// emailIndex is the blind index of a normalised email. With no keyring
// (never in ward itself) it is the email, so look-ups still work.
func (a *App) emailIndex(email string) string {
	if a.indexKey == nil {
		return email
	}
	m := hmac.New(sha256.New, a.indexKey)
	m.Write([]byte(email))
	return emailIndexPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// guestIndex is the blind index of a guest's normalised email.
func (a *App) guestIndex(email string) string {
	if a.indexKey == nil {
		return guestIndexPrefix + email
	}
	m := hmac.New(sha256.New, a.indexKey)
	m.Write([]byte("guest\x00"))
	m.Write([]byte(email))
	return guestIndexPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// storedIdentity is how u's name and email are to be stored: as they are
// for staff, sealed with the email's blind index for a patient or a guest. Sealing
// may create the user's data key in a transaction of its own, so call it
// before, never inside, a write transaction.
func (a *App) storedIdentity(ctx context.Context, u ward.User) (store.StoredIdentity, error) {
	if !u.Role.External() || a.keys == nil {
		return store.StoredIdentity{Email: u.Email, Name: u.Name}, nil
	}
	name, err := a.keys.Seal(ctx, identityRef(u, "name"), []byte(u.Name))
	if err != nil {
		return store.StoredIdentity{}, err
	}
	email, err := a.keys.Seal(ctx, identityRef(u, "email"), []byte(u.Email))
	if err != nil {
		return store.StoredIdentity{}, err
	}
	index := a.emailIndex(u.Email)
	if u.Role == ward.RoleGuest {
		index = a.guestIndex(u.Email)
	}
	return store.StoredIdentity{Email: index, Name: "", EmailSealed: email, NameSealed: name}, nil
}

// stored returns u with its name and email as s stores them.
func stored(u ward.User, s store.StoredIdentity) ward.User {
	u.Email, u.Name = s.Email, s.Name
	return u
}

// erasedName stands for the name of a patient whose data key was shredded.
const erasedName = "(identity erased)"

// openIdentity puts into u the name and email s holds sealed. A shredded
// identity opens as erasedName and no email.
func (a *App) openIdentity(ctx context.Context, u *ward.User, s store.StoredIdentity) error {
	if !s.Sealed() {
		return nil
	}
	name, err := a.keys.Open(ctx, identityRef(*u, "name"), s.NameSealed)
	if errors.Is(err, keyring.ErrKeyDestroyed) {
		u.Name, u.Email = erasedName, ""
		return nil
	}
	if err != nil {
		return fmt.Errorf("open the identity of user %s: %w", u.ID, err)
	}
	email, err := a.keys.Open(ctx, identityRef(*u, "email"), s.EmailSealed)
	if err != nil {
		return fmt.Errorf("open the identity of user %s: %w", u.ID, err)
	}
	u.Name, u.Email = string(name), string(email)
	return nil
}

// openUser opens u's name and email if they are sealed: one read, for a
// patient only.
func (a *App) openUser(ctx context.Context, u *ward.User) error {
	if !isSealedEmail(u.Email) {
		return nil
	}
	var s store.StoredIdentity
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		s, err = tx.UserIdentity(ctx, u.OrgID, u.ID)
		return err
	}); err != nil {
		return err
	}
	return a.openIdentity(ctx, u, s)
}

// openUsers opens the sealed names and emails among users, all of orgID,
// with sealed as SealedIdentities read them.
func (a *App) openUsers(ctx context.Context, users []ward.User, sealed map[string]store.StoredIdentity) error {
	for i := range users {
		if s, ok := sealed[users[i].ID]; ok && isSealedEmail(users[i].Email) {
			if err := a.openIdentity(ctx, &users[i], s); err != nil {
				return err
			}
		}
	}
	return nil
}

// identityReads are the patient.read events of p being shown the names and
// emails of the patients and guests among users: reading a patient's
// identity is a read of their PHI, which the accounting of disclosures must
// list; a guest's address is sealed for the same reason (the person
// written to may be a patient not yet invited), so it is audited the same
// way, the guest's id standing as the patient's.
func identityReads(p *Principal, users []ward.User, where string) []audit.Event {
	var evs []audit.Event
	for _, u := range users {
		if u.Role.External() && u.ID != p.User.ID {
			e := p.Event(audit.PatientRecordRead, "user", u.ID)
			e.PatientID, e.Reason = u.ID, "name and email shown in "+where
			evs = append(evs, e)
		}
	}
	return evs
}

// sealBatch is how many patients SealPatientIdentities seals in one
// transaction.
const sealBatch = 200

// SealPatientIdentities seals the name and email of every patient whose
// users row still holds them in the clear (a database from before
// migration 0018), in batches of sealBatch, each its own transaction. A
// row whose email is a blind index already is done, so it is safe to run
// at every start, on several nodes at once, and to interrupt. It returns
// how many it sealed. The server runs it at start, after the migrations.
func (a *App) SealPatientIdentities(ctx context.Context) (int, error) {
	if a.keys == nil {
		return 0, nil
	}
	total := 0
	for {
		var batch []ward.User
		if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
			batch, err = tx.PatientsInTheClear(ctx, emailIndexPrefix, sealBatch)
			return err
		}); err != nil || len(batch) == 0 {
			return total, err
		}
		ids := make([]store.StoredIdentity, len(batch))
		for i, u := range batch {
			var err error
			if ids[i], err = a.storedIdentity(ctx, u); err != nil {
				return total, err
			}
		}
		n := 0
		if err := a.store.Write(ctx, func(tx *store.Tx) error {
			n = 0
			for i, u := range batch {
				// The row is rewritten only if it still holds what was sealed:
				// a concurrent change is sealed by the next round instead.
				ok, err := tx.SetUserIdentity(ctx, u.OrgID, u.ID, u.Email, ids[i])
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		}); err != nil {
			return total, err
		}
		if n == 0 {
			return total, fmt.Errorf("sealing patient identities makes no progress (%d rows changed under it)", len(batch))
		}
		total += n
	}
}
