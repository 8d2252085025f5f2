package sso

import (
	"context"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// SCIM sees the org's staff accounts (admin, compliance, clinician,
// staff): never an owner, and never a patient or a guest, whose names are
// PHI. An account SCIM deleted leaves its view (linkDeleted).
const (
	linkSCIM        = "scim"
	linkSCIMDeleted = "scim-deleted"
	maxPage         = 500
)

func visible(u ward.User) bool { return slices.Contains(mappable, u.Role) }

// scimAccount is a user as SCIM sees it, with its externalId.
type scimAccount struct {
	u        ward.User
	external string
}

// scimAccount reads a user SCIM may see; not_found otherwise.
func (s *Service) scimAccount(ctx context.Context, orgID, id string) (scimAccount, error) {
	var a scimAccount
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if !visible(u) {
			return ward.Errorf(ward.CodeNotFound, "no such user")
		}
		if _, err := tx.LinkOf(ctx, id, linkSCIMDeleted); err == nil {
			return ward.Errorf(ward.CodeNotFound, "no such user")
		}
		a.u = u
		if a.external, err = tx.LinkOf(ctx, id, linkSCIM); ward.ErrorCode(err) == ward.CodeNotFound {
			err = nil
		}
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound || ward.ErrorCode(err) == ward.CodeInvalid {
		return a, &SCIMError{Status: 404, Detail: "no such user"}
	}
	return a, err
}

func (a scimAccount) resource() SCIMUser {
	u := a.u
	active := !u.Disabled
	return SCIMUser{Schemas: []string{SchemaUser}, ID: u.ID, ExternalID: a.external, UserName: u.Email,
		Name: &scimName{Formatted: u.Name}, DisplayName: u.Name, Active: &active,
		Emails: []scimValue{{Value: u.Email, Type: "work", Primary: true}},
		Roles:  []scimValue{{Value: string(u.Role), Primary: true}},
		Groups: []scimMember{{Value: string(u.Role), Display: string(u.Role), Ref: "/scim/v2/Groups/" + string(u.Role)}},
		Meta:   &scimMeta{ResourceType: "User", Created: scimTime(u.CreatedAt), Location: "/scim/v2/Users/" + u.ID}}
}

// SCIMGetUser reads one user.
func (s *Service) SCIMGetUser(ctx context.Context, c SCIMCaller, id string) (SCIMUser, error) {
	a, err := s.scimAccount(ctx, c.OrgID, id)
	return a.resource(), err
}

// SCIMListUsers lists the users SCIM sees, filtered (userName, externalId
// or emails.value eq "…", joined with and/or) and paged (startIndex from
// 1).
func (s *Service) SCIMListUsers(ctx context.Context, c SCIMCaller, filterText string, start, count int) (ListResponse, error) {
	var match func(scimAccount) bool
	if strings.TrimSpace(filterText) != "" {
		exp, err := filter.ParseFilter([]byte(filterText))
		if err != nil {
			return ListResponse{}, badSCIM("invalidFilter", "the filter does not parse")
		}
		if match, err = userMatcher(exp); err != nil {
			return ListResponse{}, err
		}
	}
	var users []ward.User
	var ext, deleted map[string]string
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if users, err = tx.ListUsers(ctx, c.OrgID); err != nil {
			return err
		}
		if ext, err = tx.IdentityLinks(ctx, c.OrgID, linkSCIM); err != nil {
			return err
		}
		deleted, err = tx.IdentityLinks(ctx, c.OrgID, linkSCIMDeleted)
		return err
	})
	if err != nil {
		return ListResponse{}, err
	}
	var all []any
	for _, u := range users {
		if _, gone := deleted[u.ID]; gone || !visible(u) {
			continue
		}
		a := scimAccount{u: u, external: ext[u.ID]}
		if match == nil || match(a) {
			all = append(all, a.resource())
		}
	}
	return page(all, start, count), nil
}

// page cuts a list response out of all (startIndex from 1).
func page(all []any, start, count int) ListResponse {
	if start < 1 {
		start = 1
	}
	if count < 0 || count > maxPage {
		count = maxPage
	}
	out := ListResponse{Schemas: []string{SchemaList}, TotalResults: len(all), StartIndex: start, Resources: []any{}}
	if start-1 < len(all) {
		out.Resources = all[start-1 : min(len(all), start-1+count)]
	}
	out.ItemsPerPage = len(out.Resources)
	return out
}

// userMatcher compiles a filter over the attributes ward can search.
func userMatcher(exp filter.Expression) (func(scimAccount) bool, error) {
	switch e := exp.(type) {
	case *filter.AttributeExpression:
		return attrMatcher(*e)
	case *filter.LogicalExpression:
		l, err := userMatcher(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := userMatcher(e.Right)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(e.Operator), "or") {
			return func(a scimAccount) bool { return l(a) || r(a) }, nil
		}
		return func(a scimAccount) bool { return l(a) && r(a) }, nil
	}
	return nil, badSCIM("invalidFilter", "ward filters users with userName, externalId or emails.value eq \"…\"")
}

func attrMatcher(e filter.AttributeExpression) (func(scimAccount) bool, error) {
	v, ok := e.CompareValue.(string)
	if !ok || !strings.EqualFold(string(e.Operator), "eq") {
		return nil, badSCIM("invalidFilter", "ward filters users with eq and a string value")
	}
	name := strings.ToLower(e.AttributePath.AttributeName)
	sub := ""
	if e.AttributePath.SubAttribute != nil {
		sub = strings.ToLower(*e.AttributePath.SubAttribute)
	}
	switch {
	case name == "username" && sub == "", name == "emails" && (sub == "value" || sub == ""):
		want := ward.NormalizeEmail(v)
		return func(a scimAccount) bool { return a.u.Email == want }, nil
	case name == "externalid" && sub == "":
		return func(a scimAccount) bool { return a.external == v }, nil
	case name == "id" && sub == "":
		return func(a scimAccount) bool { return a.u.ID == v }, nil
	}
	return nil, badSCIM("invalidFilter", "ward filters users with userName, externalId or emails.value eq \"…\"")
}

// defaultRole is the role of a provisioned user whose resource names none:
// the org's OIDC default role when it set one, else staff.
func (s *Service) defaultRole(ctx context.Context, orgID string) ward.Role {
	var c store.OIDCConfig
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		c, err = tx.OIDCConfig(ctx, orgID)
		return err
	}); err == nil && c.DefaultRole != "" {
		return ward.Role(c.DefaultRole)
	}
	return ward.RoleStaff
}

// SCIMCreateUser provisions a staff account. An email of an account SCIM
// deleted brings that account back; of any other account: 409 uniqueness.
func (s *Service) SCIMCreateUser(ctx context.Context, c SCIMCaller, in SCIMUser) (SCIMUser, bool, error) {
	email := ward.NormalizeEmail(in.UserName)
	if email == "" {
		return SCIMUser{}, false, badSCIM("invalidValue", "userName (the person's work email) is required")
	}
	role, err := in.role()
	if err != nil {
		return SCIMUser{}, false, err
	}
	if role == "" {
		role = s.defaultRole(ctx, c.OrgID)
	}
	var existing ward.User
	var wasDeleted bool
	err = s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if existing, err = tx.UserByEmail(ctx, c.OrgID, email); ward.ErrorCode(err) == ward.CodeNotFound {
			return nil
		} else if err != nil {
			return err
		}
		_, err = tx.LinkOf(ctx, existing.ID, linkSCIMDeleted)
		wasDeleted = err == nil
		if ward.ErrorCode(err) == ward.CodeNotFound {
			err = nil
		}
		return err
	})
	if err != nil {
		return SCIMUser{}, false, err
	}
	if existing.ID != "" && !wasDeleted {
		return SCIMUser{}, false, &SCIMError{Status: 409, Type: "uniqueness", Detail: "a user with this userName already exists"}
	}
	active := in.Active == nil || *in.Active
	name := in.fullName()
	if existing.ID == "" {
		u, err := s.accounts.ProvisionUser(ctx, c.OrgID, c.principal().Actor(), app.NewUser{Email: email, Name: name, Role: role})
		if err != nil {
			return SCIMUser{}, false, err
		}
		existing = u
	} else if err := s.store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.DeleteIdentityLink(ctx, existing.ID, linkSCIMDeleted)
		return err
	}); err != nil {
		return SCIMUser{}, false, err
	}
	if err := s.applyUser(ctx, c, existing.ID, accountChange{name: &name, role: &role, active: &active, external: &in.ExternalID}); err != nil {
		return SCIMUser{}, false, err
	}
	u, err := s.SCIMGetUser(ctx, c, existing.ID)
	return u, true, err
}

// accountChange is what a SCIM request changes of an account; nil fields
// stay as they are.
type accountChange struct {
	name, email, external *string
	role                  *ward.Role
	active                *bool
}

// applyUser brings an account to the name, email, role, state and
// externalId given through app.UpdateUser, as an admin's change: a disable
// ends the sessions and closes the sockets at once, a new role closes the
// sockets. Nothing is written when nothing changes.
func (s *Service) applyUser(ctx context.Context, c SCIMCaller, id string, want accountChange) error {
	a, err := s.scimAccount(ctx, c.OrgID, id)
	if err != nil {
		return err
	}
	var ch app.UserChange
	changed := false
	if name := want.name; name != nil && strings.TrimSpace(*name) != a.u.Name {
		ch.Name, changed = name, true
	}
	if email := want.email; email != nil && ward.NormalizeEmail(*email) != a.u.Email {
		ch.Email, changed = email, true
	}
	if role := want.role; role != nil && *role != a.u.Role {
		ch.Role, changed = role, true
	}
	if active := want.active; active != nil && *active == a.u.Disabled {
		disabled := !*active
		ch.Disabled, changed = &disabled, true
	}
	if changed {
		if _, err := s.accounts.UpdateUser(ctx, c.principal(), id, ch); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict && ch.Email != nil {
				return &SCIMError{Status: 409, Type: "uniqueness", Detail: "a user with this userName already exists"}
			}
			return err
		}
	}
	external := want.external
	if external != nil && *external != a.external {
		if len(*external) > maxFieldLen {
			return badSCIM("invalidValue", "externalId is at most %d characters", maxFieldLen)
		}
		return s.store.Write(ctx, func(tx *store.Tx) error {
			if *external == "" {
				_, err := tx.DeleteIdentityLink(ctx, id, linkSCIM)
				return err
			}
			return tx.PutIdentityLink(ctx, store.IdentityLink{OrgID: c.OrgID, Kind: linkSCIM, Subject: *external, UserID: id})
		})
	}
	return nil
}

// SCIMReplaceUser is a PUT: the resource's userName (the account's email),
// name, role (when it names one), active and externalId replace the
// account's.
func (s *Service) SCIMReplaceUser(ctx context.Context, c SCIMCaller, id string, in SCIMUser) (SCIMUser, error) {
	if _, err := s.scimAccount(ctx, c.OrgID, id); err != nil {
		return SCIMUser{}, err
	}
	role, err := in.role()
	if err != nil {
		return SCIMUser{}, err
	}
	var rp *ward.Role
	if role != "" {
		rp = &role
	}
	active := in.Active == nil || *in.Active
	name := in.fullName()
	if err := s.applyUser(ctx, c, id, accountChange{name: &name, email: &in.UserName, role: rp, active: &active, external: &in.ExternalID}); err != nil {
		return SCIMUser{}, err
	}
	return s.SCIMGetUser(ctx, c, id)
}

// SCIMDeleteUser is a DELETE: the account is disabled (its sessions end,
// its sockets close at once) and leaves SCIM's view; ward keeps it, as the
// audit trail names it. Audited as scim.user_deleted.
func (s *Service) SCIMDeleteUser(ctx context.Context, c SCIMCaller, id string) error {
	off := false
	if err := s.applyUser(ctx, c, id, accountChange{active: &off}); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteIdentityLink(ctx, id, linkSCIM); err != nil {
			return err
		}
		if err := tx.PutIdentityLink(ctx, store.IdentityLink{OrgID: c.OrgID, Kind: linkSCIMDeleted, Subject: id, UserID: id}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.principal().Event(audit.SCIMUserDeleted, "user", id))
	})
}
