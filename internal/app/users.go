package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// NewUser is an account to create.
type NewUser struct {
	Email    string
	Name     string
	Role     ward.Role
	Password string
	// External: the account signs in through the org's identity provider
	// only (internal/sso): it has no password, so a password sign-in finds
	// no account.
	External bool
}

// UserChange is an admin's change to an account; nil fields stay as they are.
// Email changes a staff account's sign-in email (an identity provider's
// SCIM renames people too); a patient's or guest's is the address they
// proved with a one-time code, and does not change.
type UserChange struct {
	Name     *string
	Email    *string
	Role     *ward.Role
	Disabled *bool
}

// Directory lists the caller's org: staff roles only (patients never see it).
// Clinicians and staff see the staff directory, without patients (until care
// teams say which patients are theirs); owners, admins and compliance
// officers, who manage and audit accounts, see every user, patients with
// their sealed names and emails opened: each patient shown leaves a
// patient.read event, recorded before the list is returned.
func (a *App) Directory(ctx context.Context, p *Principal) ([]ward.User, error) {
	if err := p.Can(authz.UserList); err != nil {
		return nil, err
	}
	staffOnly := p.User.Role == ward.RoleClinician || p.User.Role == ward.RoleStaff
	var users []ward.User
	var sealed map[string]store.StoredIdentity
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if users, err = tx.ListUsers(ctx, p.User.OrgID); err != nil || staffOnly {
			return err
		}
		sealed, err = tx.SealedIdentities(ctx, p.User.OrgID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if staffOnly {
		kept := users[:0]
		for _, u := range users {
			if !u.Role.External() {
				kept = append(kept, u)
			}
		}
		return kept, nil
	}
	if len(sealed) > 0 {
		if err := a.openUsers(ctx, users, sealed); err != nil {
			return nil, err
		}
		slices.SortFunc(users, func(x, y ward.User) int { // by name, as the store orders them
			return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
		})
	}
	if evs := identityReads(p, users, "the user directory"); len(evs) > 0 {
		if err := a.audit.Record(ctx, evs...); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// CreateUser adds an account to the caller's org.
func (a *App) CreateUser(ctx context.Context, p *Principal, nu NewUser) (ward.User, error) {
	if err := p.Can(authz.UserCreate); err != nil {
		return ward.User{}, err
	}
	if nu.Role == ward.RoleOwner && p.User.Role != ward.RoleOwner {
		return ward.User{}, ward.Errorf(ward.CodeForbidden, "only an owner can make an owner")
	}
	return a.addUser(ctx, p.User.OrgID, p.Actor(), nu)
}

// addUser validates, hashes and stores a user, with its audit event.
func (a *App) addUser(ctx context.Context, orgID string, by audit.Actor, nu NewUser) (ward.User, error) {
	u := ward.User{ID: newID(), OrgID: orgID, Email: ward.NormalizeEmail(nu.Email), Name: strings.TrimSpace(nu.Name), Role: nu.Role}
	if u.Role == ward.RoleGuest {
		return ward.User{}, errGuestRole()
	}
	if err := u.Validate(); err != nil {
		return ward.User{}, err
	}
	var orgName string
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.OrgByID(ctx, orgID)
		orgName = o.Name
		return err
	}); err != nil {
		return ward.User{}, err
	}
	var hash string
	if !nu.External {
		if err := auth.CheckPassword(nu.Password, u.Email, u.Name, orgName); err != nil {
			return ward.User{}, err
		}
		var err error
		if hash, err = a.hasher.Hash(ctx, nu.Password); err != nil {
			return ward.User{}, err
		}
	}
	ident, err := a.storedIdentity(ctx, u) // a patient's name and email sealed (useridentity.go)
	if err != nil {
		return ward.User{}, err
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if err := a.checkEmailFree(ctx, tx, u); err != nil {
			return err
		}
		row := stored(u, ident)
		if err := tx.CreateUser(ctx, &row); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict {
				return errEmailTaken()
			}
			return err
		}
		u.CreatedAt = row.CreatedAt
		if ident.Sealed() {
			if _, err := tx.SetUserIdentity(ctx, u.OrgID, u.ID, ident.Email, ident); err != nil {
				return err
			}
		}
		if !nu.External {
			if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
				return err
			}
		}
		ev := audit.Event{OrgID: orgID, Actor: by, Action: audit.UserCreated,
			ResourceType: "user", ResourceID: u.ID, Outcome: audit.Success, Reason: "role " + string(u.Role)}
		if nu.External {
			ev.Reason += ", signs in through the identity provider"
		}
		if u.Role == ward.RolePatient {
			ev.PatientID = u.ID
		}
		return audit.Append(ctx, tx, ev)
	})
	return u, err
}

// UpdateUser changes someone's name, role or disabled flag. Disabling ends
// their sessions at once. A new role ends the memberships it may not hold
// (roles.go) and closes the user's open sockets.
func (a *App) UpdateUser(ctx context.Context, p *Principal, id string, ch UserChange) (ward.User, error) {
	if err := p.Can(authz.UserUpdate); err != nil {
		return ward.User{}, err
	}
	if ch.Disabled != nil {
		if err := p.Can(authz.UserDisable); err != nil {
			return ward.User{}, err
		}
	}
	// The name and email the change leaves are sealed before the write
	// (storedIdentity may create the user's data key): a patient's, and
	// those of a user made patient; a patient made staff gets them back in
	// the clear. The transaction then stores them, unless the role or email
	// changed meanwhile.
	before, beforeRow, err := a.userOpened(ctx, p.User.OrgID, id)
	if err != nil {
		return ward.User{}, err
	}
	target := before
	if ch.Name != nil {
		target.Name = strings.TrimSpace(*ch.Name)
	}
	if ch.Role != nil {
		target.Role = *ch.Role
	}
	if ch.Email != nil {
		target.Email = ward.NormalizeEmail(*ch.Email)
		if target.Email != before.Email && (before.Role.External() || target.Role.External()) {
			return ward.User{}, ward.Errorf(ward.CodeInvalid, "a patient's or guest's email is the address they proved; it does not change")
		}
	}
	if (before.Role == ward.RoleGuest || target.Role == ward.RoleGuest) && target.Role != before.Role {
		return ward.User{}, errGuestRole()
	}
	identityChanged := target.Name != before.Name || target.Role != before.Role || target.Email != before.Email
	ident := store.StoredIdentity{Email: beforeRow.Email, Name: beforeRow.Name} // as stored, when unchanged
	if identityChanged {
		if before.Email == "" {
			return ward.User{}, ward.Errorf(ward.CodeConflict, "this patient's name and email were erased; they cannot change")
		}
		if err := target.Validate(); err != nil {
			return ward.User{}, err
		}
		if ident, err = a.storedIdentity(ctx, target); err != nil {
			return ward.User{}, err
		}
	}
	var u ward.User
	var ended []endedMembership
	roleChanged := false
	err = a.changeAccess(ctx, func(tx *store.Tx) error {
		ended, roleChanged = nil, false
		row, err := tx.UserByID(ctx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		if row.Role != before.Role || row.Email != beforeRow.Email {
			return ward.Errorf(ward.CodeConflict, "the user changed meanwhile; try again")
		}
		u = before
		u.Disabled = row.Disabled
		if (u.Role == ward.RoleOwner || (ch.Role != nil && *ch.Role == ward.RoleOwner)) && p.User.Role != ward.RoleOwner {
			return ward.Errorf(ward.CodeForbidden, "only an owner can change an owner or make one")
		}
		// Nor one's own sign-in email: a stolen session must not lock its
		// owner out. Another admin, or the IdP over SCIM, changes it.
		if u.ID == p.User.ID && (ch.Role != nil || ch.Disabled != nil || target.Email != before.Email) {
			return ward.Errorf(ward.CodeForbidden, "you cannot change your own role or email, or disable yourself")
		}
		old, action := u, audit.UserUpdated
		u.Name, u.Email = target.Name, target.Email
		if target.Role != u.Role {
			u.Role, roleChanged = target.Role, true
		}
		if ch.Disabled != nil && *ch.Disabled != u.Disabled {
			u.Disabled = *ch.Disabled
			action = audit.UserEnabled
			if u.Disabled {
				action = audit.UserDisabled
				if _, err := tx.RevokeUserSessions(ctx, u.ID, ""); err != nil {
					return err
				}
			}
		}
		if identityChanged && ident.Email != row.Email {
			// Sealed or unsealed: the email's other form may be another user's.
			if err := a.checkEmailFree(ctx, tx, u); err != nil {
				return err
			}
		}
		if err := tx.UpdateUser(ctx, stored(u, ident)); err != nil {
			return err
		}
		if identityChanged {
			if _, err := tx.SetUserIdentity(ctx, u.OrgID, u.ID, row.Email, ident); err != nil {
				if ward.ErrorCode(err) == ward.CodeConflict {
					return errEmailTaken()
				}
				return err
			}
		}
		ev := p.Event(action, "user", u.ID)
		ev.Reason = userChangeDetail(old, u) // old -> new of role and disabled
		if old.Role == ward.RolePatient || u.Role == ward.RolePatient {
			ev.PatientID = u.ID
		}
		if err := audit.Append(ctx, tx, ev); err != nil {
			return err
		}
		if roleChanged {
			ended, err = endMembershipsForRole(ctx, tx, p, u)
		}
		return err
	}, id)
	if err == nil && roleChanged {
		a.afterRoleChange(ctx, u, ended)
	}
	return u, err
}

// userOpened reads a user of an org with their name and email opened, and
// as the row stores them (a patient's: "" and the blind index).
func (a *App) userOpened(ctx context.Context, orgID, id string) (ward.User, ward.User, error) {
	var u ward.User
	var s store.StoredIdentity
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		if u, err = tx.UserByID(ctx, orgID, id); err != nil || !isSealedEmail(u.Email) {
			return err
		}
		s, err = tx.UserIdentity(ctx, orgID, id)
		return err
	}); err != nil {
		return ward.User{}, ward.User{}, err
	}
	row := u
	return u, row, a.openIdentity(ctx, &u, s)
}

func errEmailTaken() error {
	return ward.Errorf(ward.CodeConflict, "a user with this email already exists in the org")
}

// checkEmailFree fails with CodeConflict when another user of u's org has
// u's email, in the clear or as a patient's blind index: the unique
// constraint sees only the form the row stores. It holds the org's email
// lock for the rest of tx.
func (a *App) checkEmailFree(ctx context.Context, tx *store.Tx, u ward.User) error {
	if err := tx.LockUserEmails(ctx, u.OrgID); err != nil { // PostgreSQL: two creations at once
		return err
	}
	other, err := tx.UserByEmail(ctx, u.OrgID, u.Email, a.emailIndex(u.Email))
	switch {
	case ward.ErrorCode(err) == ward.CodeNotFound:
		return nil
	case err != nil:
		return err
	case other.ID != u.ID:
		return errEmailTaken()
	}
	return nil
}
