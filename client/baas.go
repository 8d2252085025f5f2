package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"
)

// BAA is a business associate agreement.
type BAA struct {
	ID        string    `json:"id"`
	Vendor    string    `json:"vendor"`
	Service   string    `json:"service"`
	PHI       string    `json:"phi"`
	Status    string    `json:"status"` // none, requested, signed, expired, terminated
	SignedAt  time.Time `json:"signed_at,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	DaysLeft  *int      `json:"days_left,omitempty"`
	Document  *struct {
		Name        string `json:"name"`
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
	} `json:"document,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// BAARequest registers or changes an agreement; dates are RFC 3339 times
// or YYYY-MM-DD days.
type BAARequest struct {
	Vendor    string `json:"vendor"`
	Service   string `json:"service,omitempty"`
	PHI       string `json:"phi,omitempty"`
	Status    string `json:"status,omitempty"`
	SignedAt  string `json:"signed_at,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// BAACard is the dashboard card: expiring within 60 days, and missing.
type BAACard struct {
	Expiring []BAA `json:"expiring"`
	Missing  []BAA `json:"missing"`
	Total    int   `json:"total"`
}

func baaPath(id string) string { return "/api/v1/baas/" + url.PathEscape(id) }

// BAAs lists the org's agreements (owners, admins, compliance).
func (c *Client) BAAs(ctx context.Context) ([]BAA, error) {
	var out struct{ BAAs []BAA }
	return out.BAAs, c.do(ctx, http.MethodGet, "/api/v1/baas", nil, &out)
}

// BAA reads one agreement.
func (c *Client) BAA(ctx context.Context, id string) (*BAA, error) {
	var out BAA
	return &out, c.do(ctx, http.MethodGet, baaPath(id), nil, &out)
}

// CreateBAA registers an agreement; one that expires before it was signed
// is baa_dates_invalid.
func (c *Client) CreateBAA(ctx context.Context, req BAARequest) (*BAA, error) {
	var out BAA
	return &out, c.do(ctx, http.MethodPost, "/api/v1/baas", req, &out)
}

// UpdateBAA changes an agreement.
func (c *Client) UpdateBAA(ctx context.Context, id string, req BAARequest) (*BAA, error) {
	var out BAA
	return &out, c.do(ctx, http.MethodPut, baaPath(id), req, &out)
}

// BAADashboard reads the dashboard card.
func (c *Client) BAADashboard(ctx context.Context) (*BAACard, error) {
	var out BAACard
	return &out, c.do(ctx, http.MethodGet, "/api/v1/baas/dashboard", nil, &out)
}

// UploadBAADocument stores the agreement's document (sealed by the server).
func (c *Client) UploadBAADocument(ctx context.Context, id, name string, body io.Reader) error {
	_, _, err := c.raw(ctx, http.MethodPut, baaPath(id)+"/document?name="+url.QueryEscape(name), "application/octet-stream", body)
	return err
}

// BAADocument downloads the agreement's document.
func (c *Client) BAADocument(ctx context.Context, id string) ([]byte, error) {
	b, _, err := c.raw(ctx, http.MethodGet, baaPath(id)+"/document", "", nil)
	return b, err
}
