package sso

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/wardhealth/ward"
)

// patchOp is one operation of a PATCH (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

func decodePatch(body []byte) (patchRequest, error) {
	var req patchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, badSCIM("invalidSyntax", "the body is not a PatchOp message")
	}
	if !slices.Contains(req.Schemas, SchemaPatch) {
		return req, badSCIM("invalidSyntax", "schemas must name %s", SchemaPatch)
	}
	if len(req.Operations) == 0 || len(req.Operations) > 100 {
		return req, badSCIM("invalidSyntax", "a PATCH carries 1 to 100 Operations")
	}
	for i := range req.Operations {
		req.Operations[i].Op = strings.ToLower(req.Operations[i].Op)
		switch req.Operations[i].Op {
		case "add", "replace", "remove":
		default:
			return req, badSCIM("invalidSyntax", "op must be add, replace or remove")
		}
	}
	return req, nil
}

// userPatch is what a PATCH of a User changes.
type userPatch struct {
	formatted, given, family *string
	email                    *string
	active                   *bool
	role                     *ward.Role
	external                 *string
}

// SCIMPatchUser is a PATCH of a User: active, the name, displayName,
// roles, externalId and userName (the account's email; with a path, or as
// members of a value object without one); the rest of the core schema is
// accepted and ignored.
func (s *Service) SCIMPatchUser(ctx context.Context, c SCIMCaller, id string, body []byte) (SCIMUser, error) {
	req, err := decodePatch(body)
	if err != nil {
		return SCIMUser{}, err
	}
	if _, err := s.scimAccount(ctx, c.OrgID, id); err != nil {
		return SCIMUser{}, err
	}
	var p userPatch
	for _, op := range req.Operations {
		if op.Path == "" {
			if op.Op == "remove" {
				return SCIMUser{}, badSCIM("noTarget", "remove needs a path")
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(op.Value, &obj); err != nil {
				return SCIMUser{}, badSCIM("invalidValue", "without a path, value must be an object")
			}
			for k, v := range obj {
				if err := p.set(k, v); err != nil {
					return SCIMUser{}, err
				}
			}
			continue
		}
		if op.Op == "remove" {
			if err := p.remove(op.Path); err != nil {
				return SCIMUser{}, err
			}
			continue
		}
		if err := p.set(op.Path, op.Value); err != nil {
			return SCIMUser{}, err
		}
	}
	var name *string
	switch {
	case p.formatted != nil:
		name = p.formatted
	case p.given != nil || p.family != nil:
		n := strings.TrimSpace(deref(p.given) + " " + deref(p.family))
		name = &n
	}
	if err := s.applyUser(ctx, c, id, accountChange{name: name, email: p.email, role: p.role, active: p.active, external: p.external}); err != nil {
		return SCIMUser{}, err
	}
	return s.SCIMGetUser(ctx, c, id)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// set applies one attribute (a path such as "active", "name.givenName",
// or a key of a value object).
func (p *userPatch) set(path string, v json.RawMessage) error {
	attr, sub, err := patchPath(path)
	if err != nil {
		return err
	}
	str := func() (*string, error) {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, badSCIM("invalidValue", "%s must be a string", path)
		}
		return &s, nil
	}
	switch {
	case attr == "active":
		b, err := scimBool(v)
		if err != nil {
			return err
		}
		p.active = &b
	case attr == "displayname", attr == "name" && sub == "formatted":
		if p.formatted, err = str(); err != nil {
			return err
		}
	case attr == "name" && sub == "givenname":
		p.given, err = str()
	case attr == "name" && sub == "familyname":
		p.family, err = str()
	case attr == "name" && sub == "":
		var n scimName
		if json.Unmarshal(v, &n) != nil {
			return badSCIM("invalidValue", "name must be an object")
		}
		u := SCIMUser{Name: &n}
		f := u.fullName()
		p.formatted = &f
	case attr == "externalid":
		p.external, err = str()
	case attr == "roles":
		var vals []scimValue
		if json.Unmarshal(v, &vals) != nil {
			var one scimValue
			if json.Unmarshal(v, &one) != nil {
				return badSCIM("invalidValue", "roles must be a list of {value}")
			}
			vals = []scimValue{one}
		}
		r, err := SCIMUser{Roles: vals}.role()
		if err != nil {
			return err
		}
		if r != "" {
			p.role = &r
		}
	case attr == "username":
		p.email, err = str()
	case attr == "emails", attr == "password":
		if attr == "password" {
			return badSCIM("invalidValue", "ward does not take passwords")
		}
		// emails: ward keeps the account's email (as userName).
	case userAttributes[attr]:
		// the rest of the core schema and the enterprise extension: ignored
	default:
		return badSCIM("invalidPath", "unknown attribute %q", path)
	}
	return err
}

// remove applies a remove operation.
func (p *userPatch) remove(path string) error {
	attr, _, err := patchPath(path)
	if err != nil {
		return err
	}
	switch {
	case attr == "externalid":
		empty := ""
		p.external = &empty
	case attr == "username", attr == "active", attr == "name", attr == "displayname":
		return badSCIM("mutability", "%s cannot be removed", path)
	case userAttributes[attr]:
	default:
		return badSCIM("invalidPath", "unknown attribute %q", path)
	}
	return nil
}

// patchPath reads a PATCH path into its attribute and sub-attribute, lower
// case; a path under the enterprise extension is that extension.
func patchPath(path string) (attr, sub string, err error) {
	if strings.HasPrefix(strings.ToLower(path), strings.ToLower(SchemaEnterprise)) {
		return strings.ToLower(SchemaEnterprise), "", nil
	}
	pp, perr := filter.ParsePath([]byte(path))
	if perr != nil {
		return "", "", badSCIM("invalidPath", "the path %q does not parse", path)
	}
	attr = strings.ToLower(pp.AttributePath.AttributeName)
	if pp.AttributePath.SubAttribute != nil {
		sub = strings.ToLower(*pp.AttributePath.SubAttribute)
	} else if pp.SubAttribute != nil {
		sub = strings.ToLower(*pp.SubAttribute)
	}
	return attr, sub, nil
}

// scimBool reads a boolean, or the strings "true" and "false" that some
// identity providers send (any case).
func scimBool(v json.RawMessage) (bool, error) {
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b, nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, badSCIM("invalidValue", "active must be true or false")
}
