package sso

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// SCIM Groups are ward's staff roles (docs/sso.md): four fixed groups, id
// and displayName admin, compliance, clinician and staff. A member added
// to a group gets its role; one removed from the group of their role gets
// the org's default role. Groups are neither created nor deleted: a POST
// whose displayName is a role, or an IdP group the OIDC role map maps to
// a role, answers that role's group.

func groupRole(id string) (ward.Role, bool) {
	r := ward.Role(strings.ToLower(id))
	return r, slices.Contains(mappable, r)
}

// SCIMGetGroup reads a role's group with its members.
func (s *Service) SCIMGetGroup(ctx context.Context, c SCIMCaller, id string) (SCIMGroup, error) {
	r, ok := groupRole(id)
	if !ok {
		return SCIMGroup{}, &SCIMError{Status: 404, Detail: "no such group: ward's groups are admin, compliance, clinician and staff"}
	}
	gs, err := s.groups(ctx, c.OrgID)
	return gs[r], err
}

// groups are the four role groups with their members.
func (s *Service) groups(ctx context.Context, orgID string) (map[ward.Role]SCIMGroup, error) {
	var users []ward.User
	var deleted map[string]string
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if users, err = tx.ListUsers(ctx, orgID); err != nil {
			return err
		}
		deleted, err = tx.IdentityLinks(ctx, orgID, linkSCIMDeleted)
		return err
	})
	out := map[ward.Role]SCIMGroup{}
	for _, r := range mappable {
		out[r] = SCIMGroup{Schemas: []string{SchemaGroup}, ID: string(r), DisplayName: string(r), Members: []scimMember{},
			Meta: &scimMeta{ResourceType: "Group", Location: "/scim/v2/Groups/" + string(r)}}
	}
	for _, u := range users {
		if _, gone := deleted[u.ID]; gone || !visible(u) {
			continue
		}
		g := out[u.Role]
		g.Members = append(g.Members, scimMember{Value: u.ID, Display: u.Name, Ref: "/scim/v2/Users/" + u.ID})
		out[u.Role] = g
	}
	return out, err
}

// SCIMListGroups lists the role groups, filtered by displayName or id eq.
func (s *Service) SCIMListGroups(ctx context.Context, c SCIMCaller, filterText string, start, count int) (ListResponse, error) {
	want := ""
	if strings.TrimSpace(filterText) != "" {
		exp, err := filter.ParseFilter([]byte(filterText))
		e, ok := exp.(*filter.AttributeExpression)
		if err != nil || !ok || !strings.EqualFold(string(e.Operator), "eq") || e.AttributePath.SubAttribute != nil {
			return ListResponse{}, badSCIM("invalidFilter", "ward filters groups with displayName or id eq \"…\"")
		}
		name := strings.ToLower(e.AttributePath.AttributeName)
		v, isStr := e.CompareValue.(string)
		if !isStr || (name != "displayname" && name != "id") {
			return ListResponse{}, badSCIM("invalidFilter", "ward filters groups with displayName or id eq \"…\"")
		}
		want = strings.ToLower(v)
	}
	gs, err := s.groups(ctx, c.OrgID)
	if err != nil {
		return ListResponse{}, err
	}
	var all []any
	for _, r := range mappable {
		if want == "" || want == string(r) {
			all = append(all, gs[r])
		}
	}
	return page(all, start, count), nil
}

// groupBody is a Group resource as written: displayName and members.
type groupBody struct {
	Schemas     []string     `json:"schemas"`
	ID          string       `json:"id"`
	ExternalID  string       `json:"externalId"`
	DisplayName string       `json:"displayName"`
	Members     []scimMember `json:"members"`
	Meta        any          `json:"meta"`
}

func decodeGroup(body []byte) (groupBody, error) {
	var g groupBody
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return g, badSCIM("invalidSyntax", "the Group resource is malformed or has an unknown attribute")
	}
	return g, nil
}

// SCIMCreateGroup answers the role group a displayName names: a role's
// name, or an IdP group that the OIDC role map maps to a role. Members it
// lists join that role.
func (s *Service) SCIMCreateGroup(ctx context.Context, c SCIMCaller, body []byte) (SCIMGroup, error) {
	g, err := decodeGroup(body)
	if err != nil {
		return SCIMGroup{}, err
	}
	r, ok := groupRole(strings.TrimSpace(g.DisplayName))
	if !ok {
		var cfg store.OIDCConfig
		if s.store.Read(ctx, func(tx *store.Tx) (err error) { cfg, err = tx.OIDCConfig(ctx, c.OrgID); return err }) == nil {
			if set, err := settingsOf(cfg); err == nil {
				r, ok = set.RoleMap[strings.TrimSpace(g.DisplayName)]
			}
		}
	}
	if !ok {
		return SCIMGroup{}, badSCIM("invalidValue", "ward's groups are its roles (admin, compliance, clinician, staff) and the IdP groups the OIDC role map names")
	}
	for _, m := range g.Members {
		if err := s.setRole(ctx, c, m.Value, r); err != nil {
			return SCIMGroup{}, err
		}
	}
	return s.SCIMGetGroup(ctx, c, string(r))
}

// SCIMReplaceGroup is a PUT: the members listed get the role; members of
// the role who are not listed get the default role.
func (s *Service) SCIMReplaceGroup(ctx context.Context, c SCIMCaller, id string, body []byte) (SCIMGroup, error) {
	r, ok := groupRole(id)
	if !ok {
		return SCIMGroup{}, &SCIMError{Status: 404, Detail: "no such group"}
	}
	g, err := decodeGroup(body)
	if err != nil {
		return SCIMGroup{}, err
	}
	return s.setMembers(ctx, c, r, g.Members)
}

func (s *Service) setMembers(ctx context.Context, c SCIMCaller, r ward.Role, members []scimMember) (SCIMGroup, error) {
	cur, err := s.SCIMGetGroup(ctx, c, string(r))
	if err != nil {
		return SCIMGroup{}, err
	}
	keep := map[string]bool{}
	for _, m := range members {
		keep[m.Value] = true
		if err := s.setRole(ctx, c, m.Value, r); err != nil {
			return SCIMGroup{}, err
		}
	}
	for _, m := range cur.Members {
		if !keep[m.Value] {
			if err := s.leaveRole(ctx, c, m.Value, r); err != nil {
				return SCIMGroup{}, err
			}
		}
	}
	return s.SCIMGetGroup(ctx, c, string(r))
}

// SCIMPatchGroup adds and removes members (add/remove "members", remove
// `members[value eq "id"]`, replace "members").
func (s *Service) SCIMPatchGroup(ctx context.Context, c SCIMCaller, id string, body []byte) (SCIMGroup, error) {
	r, ok := groupRole(id)
	if !ok {
		return SCIMGroup{}, &SCIMError{Status: 404, Detail: "no such group"}
	}
	req, err := decodePatch(body)
	if err != nil {
		return SCIMGroup{}, err
	}
	for _, op := range req.Operations {
		pp, perr := filter.ParsePath([]byte(op.Path))
		attr := ""
		if op.Path != "" && perr == nil {
			attr = strings.ToLower(pp.AttributePath.AttributeName)
		}
		var members []scimMember
		if len(op.Value) > 0 {
			if err := json.Unmarshal(op.Value, &members); err != nil {
				var obj struct {
					Members     []scimMember `json:"members"`
					DisplayName string       `json:"displayName"`
				}
				if json.Unmarshal(op.Value, &obj) != nil {
					return SCIMGroup{}, badSCIM("invalidValue", "value must be a list of members")
				}
				members, attr = obj.Members, "members"
			}
		}
		if attr == "displayname" {
			return SCIMGroup{}, badSCIM("mutability", "a role's group keeps its name")
		}
		if attr != "members" {
			return SCIMGroup{}, badSCIM("invalidPath", "a group's PATCH changes its members")
		}
		switch op.Op {
		case "add":
			for _, m := range members {
				if err := s.setRole(ctx, c, m.Value, r); err != nil {
					return SCIMGroup{}, err
				}
			}
		case "replace":
			if _, err := s.setMembers(ctx, c, r, members); err != nil {
				return SCIMGroup{}, err
			}
		case "remove":
			if pp.ValueExpression != nil {
				e, ok := pp.ValueExpression.(*filter.AttributeExpression)
				if !ok {
					return SCIMGroup{}, badSCIM("invalidFilter", "remove members[value eq \"id\"]")
				}
				v, isStr := e.CompareValue.(string)
				if !isStr || !strings.EqualFold(e.AttributePath.AttributeName, "value") {
					return SCIMGroup{}, badSCIM("invalidFilter", "remove members[value eq \"id\"]")
				}
				members = append(members, scimMember{Value: v})
			}
			if len(members) == 0 {
				return SCIMGroup{}, badSCIM("noTarget", "remove which members?")
			}
			for _, m := range members {
				if err := s.leaveRole(ctx, c, m.Value, r); err != nil {
					return SCIMGroup{}, err
				}
			}
		}
	}
	return s.SCIMGetGroup(ctx, c, string(r))
}

// setRole gives a member the role (a user SCIM cannot see: noTarget).
func (s *Service) setRole(ctx context.Context, c SCIMCaller, userID string, r ward.Role) error {
	if _, err := s.scimAccount(ctx, c.OrgID, userID); err != nil {
		return badSCIM("noTarget", "no such user %q", userID)
	}
	return s.applyUser(ctx, c, userID, accountChange{role: &r})
}

// leaveRole moves a member of role r to the default role (nothing when
// they no longer hold r, or r is the default).
func (s *Service) leaveRole(ctx context.Context, c SCIMCaller, userID string, r ward.Role) error {
	a, err := s.scimAccount(ctx, c.OrgID, userID)
	if err != nil {
		return badSCIM("noTarget", "no such user %q", userID)
	}
	def := s.defaultRole(ctx, c.OrgID)
	if a.u.Role != r || def == r {
		return nil
	}
	return s.applyUser(ctx, c, userID, accountChange{role: &def})
}
