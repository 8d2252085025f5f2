package client

import (
	"context"
	"net/http"
	"time"
)

// OIDCConfig is an org's OpenID Connect provider (docs/sso.md). ClientSecret
// is write-only: reads leave it empty and say SecretSet.
type OIDCConfig struct {
	Enabled      bool              `json:"enabled"`
	Issuer       string            `json:"issuer"`
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret,omitempty"`
	SecretSet    bool              `json:"secret_set,omitempty"`
	Label        string            `json:"label"`
	GroupsClaim  string            `json:"groups_claim,omitempty"`
	RoleMap      map[string]string `json:"role_map"`
	DefaultRole  string            `json:"default_role"`
	TrustIdPMFA  bool              `json:"trust_idp_mfa"`
	MFAACR       []string          `json:"mfa_acr,omitempty"`
	RedirectURI  string            `json:"redirect_uri,omitempty"`
	UpdatedAt    time.Time         `json:"updated_at,omitzero"`
}

// OIDCConfig reads the org's provider (owners, admins); sso_not_configured
// when it has none.
func (c *Client) OIDCConfig(ctx context.Context) (*OIDCConfig, error) {
	var out OIDCConfig
	return &out, c.do(ctx, http.MethodGet, "/api/v1/admin/sso/oidc", nil, &out)
}

// SetOIDCConfig sets the org's provider (owners, admins); an empty
// ClientSecret keeps the stored one.
func (c *Client) SetOIDCConfig(ctx context.Context, cfg OIDCConfig) (*OIDCConfig, error) {
	var out OIDCConfig
	return &out, c.do(ctx, http.MethodPut, "/api/v1/admin/sso/oidc", cfg, &out)
}

// IssueSCIMToken creates or rotates the org's SCIM bearer token (owners,
// admins): shown once; the old one stops working. It answers the token and
// the SCIM base URL.
func (c *Client) IssueSCIMToken(ctx context.Context) (token, baseURL string, err error) {
	var out struct {
		Token   string `json:"token"`
		BaseURL string `json:"base_url"`
	}
	err = c.do(ctx, http.MethodPost, "/api/v1/admin/sso/scim-token", struct{}{}, &out)
	return out.Token, out.BaseURL, err
}

// RevokeSCIMToken revokes the org's SCIM token (owners, admins).
func (c *Client) RevokeSCIMToken(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/admin/sso/scim-token", nil, nil)
}
