package app

import (
	"context"
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
}

// UserChange is an admin's change to an account; nil fields stay as they are.
type UserChange struct {
	Name     *string
	Role     *ward.Role
	Disabled *bool
}

// Directory lists the caller's org: staff roles only (patients never see it).
// Clinicians and staff see the staff directory, without patients (until care
// teams say which patients are theirs); owners, admins and compliance
// officers, who manage and audit accounts, see every user.
func (a *App) Directory(ctx context.Context, p *Principal) ([]ward.User, error) {
	if err := p.Can(authz.UserList); err != nil {
		return nil, err
	}
	var users []ward.User
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		users, err = tx.ListUsers(ctx, p.User.OrgID)
		return err
	})
	if err != nil || (p.User.Role != ward.RoleClinician && p.User.Role != ward.RoleStaff) {
		return users, err
	}
	staffOnly := users[:0]
	for _, u := range users {
		if u.Role != ward.RolePatient {
			staffOnly = append(staffOnly, u)
		}
	}
	return staffOnly, nil
}

// CreateUser adds an account to the caller's org.
func (a *App) CreateUser(ctx context.Context, p *Principal, nu NewUser) (ward.User, error) {
	if err := p.Can(authz.UserCreate); err != nil {
		return ward.User{}, err
	}
	if nu.Role == ward.RoleOwner && p.User.Role != ward.RoleOwner {
		return ward.User{}, ward.Errorf(ward.CodeForbidden, "only an owner can make an owner")
	}
	return a.addUser(ctx, p.User.OrgID, p.actor(), nu)
}

// addUser validates, hashes and stores a user, with its audit event.
func (a *App) addUser(ctx context.Context, orgID string, by audit.Actor, nu NewUser) (ward.User, error) {
	u := ward.User{ID: newID(), OrgID: orgID, Email: ward.NormalizeEmail(nu.Email), Name: strings.TrimSpace(nu.Name), Role: nu.Role}
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
	if err := auth.CheckPassword(nu.Password, u.Email, u.Name, orgName); err != nil {
		return ward.User{}, err
	}
	hash, err := a.hasher.Hash(ctx, nu.Password)
	if err != nil {
		return ward.User{}, err
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, &u); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict {
				return ward.Errorf(ward.CodeConflict, "a user with this email already exists in the org")
			}
			return err
		}
		if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Event{OrgID: orgID, Actor: by, Action: audit.UserCreated,
			ResourceType: "user", ResourceID: u.ID, Outcome: audit.Success, Reason: "role " + string(u.Role)})
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
	var u ward.User
	var ended []endedMembership
	roleChanged := false
	err := a.changeAccess(ctx, func(tx *store.Tx) error {
		var err error
		ended, roleChanged = nil, false
		if u, err = tx.UserByID(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		if (u.Role == ward.RoleOwner || (ch.Role != nil && *ch.Role == ward.RoleOwner)) && p.User.Role != ward.RoleOwner {
			return ward.Errorf(ward.CodeForbidden, "only an owner can change an owner or make one")
		}
		if u.ID == p.User.ID && (ch.Role != nil || ch.Disabled != nil) {
			return ward.Errorf(ward.CodeForbidden, "you cannot change your own role or disable yourself")
		}
		old, action := u, audit.UserUpdated
		if ch.Name != nil {
			u.Name = strings.TrimSpace(*ch.Name)
		}
		if ch.Role != nil && *ch.Role != u.Role {
			u.Role, roleChanged = *ch.Role, true
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
		if err := u.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		ev := p.event(action, "user", u.ID)
		ev.Reason = userChangeDetail(old, u) // old -> new of role and disabled
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
