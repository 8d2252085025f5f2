package app

import (
	"context"
	"crypto/rand"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// InitOrg is what `ward init` asks for.
type InitOrg struct {
	Name        string
	AdminEmail  string
	AdminName   string // default: the part of the email before @
	Password    string // empty: a one-time password is made and returned
	MFARequired bool
}

// cliActor is the audit actor for administrative commands run on the host.
func cliActor() audit.Actor { return access.SystemActor() }

// OrgOf reads p's org: its id, slug and name (the clinic's name, not
// PHI), which every member of it may know.
func (a *App) OrgOf(ctx context.Context, p *Principal) (ward.Org, error) {
	var o ward.Org
	err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		o, err = tx.OrgByID(ctx, p.User.OrgID)
		return err
	})
	return o, err
}

// CreateOrg creates an org with its owner, from the command line. It
// returns the owner's password when it made one.
func (a *App) CreateOrg(ctx context.Context, in InitOrg) (ward.Org, ward.User, string, error) {
	o := ward.Org{ID: newID(), Name: strings.TrimSpace(in.Name), Slug: ward.Slugify(in.Name)}
	if err := o.Validate(); err != nil {
		return o, ward.User{}, "", err
	}
	made := ""
	if in.Password == "" {
		in.Password = OneTimePassword()
		made = in.Password
	}
	if in.AdminName == "" {
		in.AdminName, _, _ = strings.Cut(ward.NormalizeEmail(in.AdminEmail), "@")
	}
	pol := ward.DefaultPolicy()
	pol.MFARequired = in.MFARequired
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOrg(ctx, &o); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict {
				return ward.Errorf(ward.CodeConflict, "an org with the slug %q already exists", o.Slug)
			}
			return err
		}
		return tx.PutPolicy(ctx, o.ID, pol)
	})
	if err != nil {
		return o, ward.User{}, "", err
	}
	u, err := a.addUser(ctx, o.ID, cliActor(), NewUser{Email: in.AdminEmail, Name: in.AdminName, Role: ward.RoleOwner, Password: in.Password})
	if err != nil {
		// Leave no org without an owner behind.
		a.store.Write(ctx, func(tx *store.Tx) error { return tx.DeleteOrg(ctx, o.ID) })
		return o, ward.User{}, "", err
	}
	return o, u, made, nil
}

// AddUser adds a user to an org from the command line.
func (a *App) AddUser(ctx context.Context, orgSlug string, nu NewUser) (ward.User, error) {
	var o ward.Org
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		o, err = tx.OrgBySlug(ctx, orgSlug)
		return err
	}); err != nil {
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return ward.User{}, ward.Errorf(ward.CodeNotFound, "no org with the slug %q", orgSlug)
		}
		return ward.User{}, err
	}
	return a.addUser(ctx, o.ID, cliActor(), nu)
}

// OneTimePassword makes a random 24-character password (about 120 bits).
func OneTimePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l, o, 0, 1
	b := make([]byte, 24)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[0:6]) + "-" + string(b[6:12]) + "-" + string(b[12:18]) + "-" + string(b[18:24])
}

// SystemPrincipal is the caller for administrative commands on the host:
// the org's owner rights, audited as "system".
func (a *App) SystemPrincipal(ctx context.Context, orgSlug string) (*Principal, error) {
	var o ward.Org
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		o, err = tx.OrgBySlug(ctx, orgSlug)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return nil, ward.Errorf(ward.CodeNotFound, "no org with the slug %q", orgSlug)
	}
	if err != nil {
		return nil, err
	}
	return &Principal{User: ward.User{OrgID: o.ID, Role: ward.RoleOwner}, System: true}, nil
}
