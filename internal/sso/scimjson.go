package sso

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wardhealth/ward"
)

// SCIM schema URNs (RFC 7643, RFC 7644).
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// SCIMError is an error in SCIM's own shape (RFC 7644 §3.12): an HTTP
// status and, for a 400, a scimType (invalidFilter, invalidSyntax,
// invalidPath, invalidValue, mutability, noTarget, uniqueness, tooMany).
// These are the stable codes of SCIM's protocol.
type SCIMError struct {
	Status int
	Type   string
	Detail string
}

func (e *SCIMError) Error() string { return fmt.Sprintf("scim %d %s: %s", e.Status, e.Type, e.Detail) }

func badSCIM(typ, format string, args ...any) *SCIMError {
	return &SCIMError{Status: 400, Type: typ, Detail: fmt.Sprintf(format, args...)}
}

// AsSCIM turns any error into a SCIMError: ward's codes to their SCIM
// status and type.
func AsSCIM(err error) *SCIMError {
	if se, ok := err.(*SCIMError); ok {
		return se
	}
	msg := "internal error"
	if we, ok := err.(*ward.Error); ok {
		msg = we.Message
	}
	switch ward.ErrorCode(err) {
	case ward.CodeInvalid, ward.CodeTooLarge, ward.CodeUnsupported:
		return &SCIMError{Status: 400, Type: "invalidValue", Detail: msg}
	case ward.CodeNotFound:
		return &SCIMError{Status: 404, Detail: msg}
	case ward.CodeConflict:
		return &SCIMError{Status: 409, Type: "uniqueness", Detail: msg}
	case ward.CodeForbidden:
		return &SCIMError{Status: 403, Detail: msg}
	case ward.CodeUnauth:
		return &SCIMError{Status: 401, Detail: msg}
	case ward.CodeUnavailable, ward.CodeRateLimited:
		return &SCIMError{Status: 503, Detail: msg}
	}
	return &SCIMError{Status: 500, Detail: "internal error"}
}

// SCIMUser is a User resource as SCIM writes and reads it.
type SCIMUser struct {
	Schemas     []string     `json:"schemas"`
	ID          string       `json:"id,omitempty"`
	ExternalID  string       `json:"externalId,omitempty"`
	UserName    string       `json:"userName"`
	Name        *scimName    `json:"name,omitempty"`
	DisplayName string       `json:"displayName,omitempty"`
	Active      *bool        `json:"active,omitempty"`
	Emails      []scimValue  `json:"emails,omitempty"`
	Roles       []scimValue  `json:"roles,omitempty"`
	Groups      []scimMember `json:"groups,omitempty"`
	Meta        *scimMeta    `json:"meta,omitempty"`
}

type scimName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type scimValue struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
	Display string `json:"display,omitempty"`
}

type scimMember struct {
	Value   string `json:"value"`
	Ref     string `json:"$ref,omitempty"`
	Display string `json:"display,omitempty"`
}

type scimMeta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location,omitempty"`
}

// SCIMGroup is a Group resource: one of ward's staff roles.
type SCIMGroup struct {
	Schemas     []string     `json:"schemas"`
	ID          string       `json:"id"`
	DisplayName string       `json:"displayName"`
	Members     []scimMember `json:"members"`
	Meta        *scimMeta    `json:"meta,omitempty"`
}

// ListResponse is a page of resources.
type ListResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// userAttributes are the User attributes ward reads or knowingly ignores
// (the rest of the core schema, and the enterprise extension, which
// identity providers send whether asked or not). Anything else is refused.
var userAttributes = map[string]bool{
	"schemas": true, "id": true, "externalid": true, "username": true, "name": true, "displayname": true, "active": true,
	"emails": true, "roles": true, "groups": true, "meta": true, "nickname": true, "profileurl": true, "title": true,
	"usertype": true, "preferredlanguage": true, "locale": true, "timezone": true, "phonenumbers": true, "addresses": true,
	"ims": true, "photos": true, "entitlements": true, "x509certificates": true,
	strings.ToLower(SchemaEnterprise): true,
}

// DecodeUser reads a User resource strictly: an attribute outside the core
// User schema and the enterprise extension is invalidSyntax, a password
// is invalidValue (ward's provisioned accounts sign in through the IdP).
func DecodeUser(body []byte) (SCIMUser, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return SCIMUser{}, badSCIM("invalidSyntax", "the body is not a JSON object")
	}
	for k := range raw {
		if strings.EqualFold(k, "password") {
			return SCIMUser{}, badSCIM("invalidValue", "ward does not take passwords: provisioned accounts sign in through the identity provider")
		}
		if !userAttributes[strings.ToLower(k)] {
			return SCIMUser{}, badSCIM("invalidSyntax", "unknown attribute %q", k)
		}
	}
	var u SCIMUser
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&u); err != nil {
		return SCIMUser{}, badSCIM("invalidSyntax", "the User resource is malformed")
	}
	return u, nil
}

// fullName is the name a User resource gives.
func (u SCIMUser) fullName() string {
	if u.Name != nil {
		if n := strings.TrimSpace(u.Name.Formatted); n != "" {
			return n
		}
		if n := strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName); n != "" {
			return n
		}
	}
	if n := strings.TrimSpace(u.DisplayName); n != "" {
		return n
	}
	n, _, _ := strings.Cut(u.UserName, "@")
	return n
}

// role is the role a User resource's roles name ("" when none): the
// primary one, else the first.
func (u SCIMUser) role() (ward.Role, error) {
	if len(u.Roles) == 0 {
		return "", nil
	}
	v := u.Roles[0]
	for _, r := range u.Roles {
		if r.Primary {
			v = r
		}
	}
	r := ward.Role(strings.ToLower(strings.TrimSpace(v.Value)))
	for _, m := range mappable {
		if r == m {
			return r, nil
		}
	}
	return "", badSCIM("invalidValue", "roles: %q is not one of admin, compliance, clinician, staff", v.Value)
}
