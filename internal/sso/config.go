package sso

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// OIDCSettings is an org's OpenID Connect provider as an admin sets and
// reads it. ClientSecret is write-only: reads leave it empty and say
// SecretSet.
type OIDCSettings struct {
	Enabled      bool
	Issuer       string
	ClientID     string
	ClientSecret string
	Label        string // the sign-in button says "Sign in with <Label>"
	GroupsClaim  string // the ID token claim that lists the person's groups; default "groups"
	// RoleMap maps an IdP group to the ward role its members get. When a
	// person's groups map to several, the first of admin, compliance,
	// clinician, staff wins.
	RoleMap map[string]ward.Role
	// DefaultRole is the role of a person none of whose groups maps; ""
	// refuses them (sso_no_role).
	DefaultRole ward.Role
	// TrustIdPMFA: an ID token whose amr names a second factor (mfa, otp,
	// hwk, …) or whose acr is one of MFAACR satisfies ward's MFA.
	TrustIdPMFA bool
	MFAACR      []string
	SecretSet   bool      // read only
	UpdatedAt   time.Time // read only
}

// Limits of a configuration.
const (
	maxGroups   = 200
	maxFieldLen = 256
)

// mappable are the roles an IdP group can give, in precedence order: an
// IdP never makes an owner, a patient or a guest.
var mappable = []ward.Role{ward.RoleAdmin, ward.RoleCompliance, ward.RoleClinician, ward.RoleStaff}

// secretRef is where an org's client secret is sealed.
func secretRef(orgID string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: "sso", Record: orgID, Field: "oidc_client_secret"}
}

// OIDCConfig reads the caller's org's provider; not_found when none.
func (s *Service) OIDCConfig(ctx context.Context, p *access.Principal) (OIDCSettings, error) {
	if err := p.Can(authz.SSOManage); err != nil {
		return OIDCSettings{}, err
	}
	var c store.OIDCConfig
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		c, err = tx.OIDCConfig(ctx, p.User.OrgID)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return OIDCSettings{}, ward.Errorf(ward.CodeSSONotConfigured, "no OpenID Connect provider is configured")
	}
	if err != nil {
		return OIDCSettings{}, err
	}
	return settingsOf(c)
}

func settingsOf(c store.OIDCConfig) (OIDCSettings, error) {
	o := OIDCSettings{Enabled: c.Enabled, Issuer: c.Issuer, ClientID: c.ClientID, Label: c.Label, GroupsClaim: c.GroupsClaim,
		DefaultRole: ward.Role(c.DefaultRole), TrustIdPMFA: c.IdPMFA, MFAACR: strings.Fields(c.MFAACR),
		SecretSet: len(c.SecretSealed) > 0, UpdatedAt: c.UpdatedAt, RoleMap: map[string]ward.Role{}}
	if err := json.Unmarshal([]byte(c.RoleMap), &o.RoleMap); err != nil {
		return o, fmt.Errorf("sso: stored role map: %w", err)
	}
	return o, nil
}

// PutOIDCConfig sets the caller's org's provider. An empty ClientSecret
// keeps the stored one (a first configuration needs one). Audited as
// sso.configured, without the secret.
func (s *Service) PutOIDCConfig(ctx context.Context, p *access.Principal, in OIDCSettings) (OIDCSettings, error) {
	if err := p.Can(authz.SSOManage); err != nil {
		return OIDCSettings{}, err
	}
	if err := in.normalize(); err != nil {
		return OIDCSettings{}, err
	}
	roleMap, _ := json.Marshal(in.RoleMap)
	var sealed []byte
	if in.ClientSecret != "" {
		var err error
		if sealed, err = s.keys.Seal(ctx, secretRef(p.User.OrgID), []byte(in.ClientSecret)); err != nil {
			return OIDCSettings{}, err
		}
	}
	var out store.OIDCConfig
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.OIDCConfig(ctx, p.User.OrgID)
		if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		secretChanged := sealed != nil
		if sealed == nil {
			if len(old.SecretSealed) == 0 {
				return ward.Errorf(ward.CodeInvalid, "client_secret is required the first time")
			}
			sealed = old.SecretSealed
		}
		out = store.OIDCConfig{OrgID: p.User.OrgID, Issuer: in.Issuer, ClientID: in.ClientID, SecretSealed: sealed,
			Label: in.Label, GroupsClaim: in.GroupsClaim, RoleMap: string(roleMap), DefaultRole: string(in.DefaultRole),
			IdPMFA: in.TrustIdPMFA, MFAACR: strings.Join(in.MFAACR, " "), Enabled: in.Enabled}
		if err := tx.PutOIDCConfig(ctx, &out); err != nil {
			return err
		}
		ev := p.Event(audit.SSOConfigured, "org", p.User.OrgID)
		ev.Reason = fmt.Sprintf("issuer %s, client id %s, enabled %t, %d group mappings, default role %q, trust IdP MFA %t, secret changed %t",
			in.Issuer, in.ClientID, in.Enabled, len(in.RoleMap), in.DefaultRole, in.TrustIdPMFA, secretChanged)
		return audit.Append(ctx, tx, ev)
	})
	if err != nil {
		return OIDCSettings{}, err
	}
	s.forgetProvider(p.User.OrgID)
	return settingsOf(out)
}

// normalize trims and checks a configuration: bad input is invalid_input
// and nothing is stored.
func (in *OIDCSettings) normalize() error {
	in.Issuer = strings.TrimRight(strings.TrimSpace(in.Issuer), "/")
	in.ClientID, in.Label = strings.TrimSpace(in.ClientID), strings.TrimSpace(in.Label)
	in.GroupsClaim = strings.TrimSpace(in.GroupsClaim)
	if in.GroupsClaim == "" {
		in.GroupsClaim = "groups"
	}
	if err := checkIssuer(in.Issuer); err != nil {
		return err
	}
	if in.Label == "" {
		in.Label = "your organisation"
	}
	for name, v := range map[string]string{"client_id": in.ClientID, "label": in.Label, "groups_claim": in.GroupsClaim} {
		if v == "" || len(v) > maxFieldLen || strings.ContainsFunc(v, isControl) {
			return ward.Errorf(ward.CodeInvalid, "%s must be 1 to %d printable characters", name, maxFieldLen)
		}
	}
	if len(in.ClientSecret) > 1024 || strings.ContainsFunc(in.ClientSecret, isControl) {
		return ward.Errorf(ward.CodeInvalid, "client_secret must be at most 1024 printable characters")
	}
	if len(in.RoleMap) > maxGroups {
		return ward.Errorf(ward.CodeInvalid, "role_map maps at most %d groups", maxGroups)
	}
	clean := map[string]ward.Role{}
	for g, r := range in.RoleMap {
		g = strings.TrimSpace(g)
		if g == "" || len(g) > maxFieldLen || strings.ContainsFunc(g, isControl) {
			return ward.Errorf(ward.CodeInvalid, "role_map: a group name must be 1 to %d printable characters", maxFieldLen)
		}
		if !slices.Contains(mappable, r) {
			return ward.Errorf(ward.CodeInvalid, "role_map: group %q maps to %q; a group maps to admin, compliance, clinician or staff", g, r)
		}
		clean[g] = r
	}
	in.RoleMap = clean
	if in.DefaultRole != "" && !slices.Contains(mappable, in.DefaultRole) {
		return ward.Errorf(ward.CodeInvalid, "default_role must be \"\", admin, compliance, clinician or staff")
	}
	if len(in.MFAACR) > 20 {
		return ward.Errorf(ward.CodeInvalid, "mfa_acr lists at most 20 values")
	}
	for _, v := range in.MFAACR {
		if v == "" || len(v) > maxFieldLen || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' }) {
			return ward.Errorf(ward.CodeInvalid, "mfa_acr: each value is 1 to %d printable characters without spaces", maxFieldLen)
		}
	}
	sort.Strings(in.MFAACR)
	return nil
}

// checkIssuer accepts an https URL, or http on a loopback host (a provider
// on the same machine, tests).
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(issuer) > maxFieldLen {
		return ward.Errorf(ward.CodeInvalid, "issuer must be the provider's https URL (as its discovery document names it)")
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())) {
		return nil
	}
	return ward.Errorf(ward.CodeInvalid, "issuer must be an https URL (http only on a loopback address)")
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// roleFor is the role a person's groups give under c, or "" when none maps
// and c has no default.
func (c OIDCSettings) roleFor(groups []string) ward.Role {
	best := -1
	for _, g := range groups {
		if r, ok := c.RoleMap[g]; ok {
			if i := slices.Index(mappable, r); best < 0 || i < best {
				best = i
			}
		}
	}
	if best < 0 {
		return c.DefaultRole
	}
	return mappable[best]
}
