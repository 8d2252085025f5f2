package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// LegalHold is a legal hold (docs/retention.md): while it is active,
// nothing in its scope is destroyed.
type LegalHold struct {
	ID             string    `json:"id"`
	Matter         string    `json:"matter"`
	UserID         string    `json:"user_id,omitempty"`
	PatientID      string    `json:"patient_id,omitempty"`
	ConversationID string    `json:"conversation_id,omitempty"`
	From           time.Time `json:"from,omitzero"`
	To             time.Time `json:"to,omitzero"`
	PlacedBy       string    `json:"placed_by,omitempty"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
	ReleasedAt     time.Time `json:"released_at,omitzero"`
	ReleasedBy     string    `json:"released_by,omitempty"`
}

// HoldScope is what PlaceHold and ChangeHold send: the matter and the
// scope (at least one of the ids or times; the scope is their conjunction).
type HoldScope struct {
	Matter         string    `json:"matter"`
	UserID         string    `json:"user_id,omitempty"`
	PatientID      string    `json:"patient_id,omitempty"`
	ConversationID string    `json:"conversation_id,omitempty"`
	From           time.Time `json:"from,omitzero"`
	To             time.Time `json:"to,omitzero"`
}

// RetentionPolicy is one policy of the retention overview.
type RetentionPolicy struct {
	Name          string    `json:"name"`
	Setting       int64     `json:"setting"` // seconds; 0 keeps forever
	DueNow        int       `json:"due_now"`
	Held          int       `json:"held"`
	NextDue       time.Time `json:"next_due,omitzero"`
	Conversations int       `json:"conversations_with_own_lifespan,omitempty"`
}

// RetentionOverview is every retention policy of the org with what it
// would destroy now, and the holds that keep things from it.
type RetentionOverview struct {
	Policies    []RetentionPolicy `json:"policies"`
	ActiveHolds int               `json:"active_holds"`
	HeldCopies  int               `json:"held_copies"`
}

func holdPath(id string) string { return "/api/v1/holds/" + url.PathEscape(id) }

// Holds lists the org's legal holds, active ones first (compliance, owners).
func (c *Client) Holds(ctx context.Context) ([]LegalHold, error) {
	var out struct{ Holds []LegalHold }
	return out.Holds, c.do(ctx, http.MethodGet, "/api/v1/holds", nil, &out)
}

// Hold reads one legal hold (compliance, owners).
func (c *Client) Hold(ctx context.Context, id string) (*LegalHold, error) {
	var out LegalHold
	return &out, c.do(ctx, http.MethodGet, holdPath(id), nil, &out)
}

// PlaceHold places a legal hold (compliance); an empty scope is
// hold_scope_empty.
func (c *Client) PlaceHold(ctx context.Context, s HoldScope) (*LegalHold, error) {
	var out LegalHold
	return &out, c.do(ctx, http.MethodPost, "/api/v1/holds", s, &out)
}

// ChangeHold replaces an active hold's matter and scope (compliance).
func (c *Client) ChangeHold(ctx context.Context, id string, s HoldScope) (*LegalHold, error) {
	var out LegalHold
	return &out, c.do(ctx, http.MethodPut, holdPath(id), s, &out)
}

// ReleaseHold releases a hold (compliance): retention proceeds.
func (c *Client) ReleaseHold(ctx context.Context, id string) (*LegalHold, error) {
	var out LegalHold
	return &out, c.do(ctx, http.MethodPost, holdPath(id)+"/release", nil, &out)
}

// Retention is the retention overview (owners, admins, compliance).
func (c *Client) Retention(ctx context.Context) (*RetentionOverview, error) {
	var out RetentionOverview
	return &out, c.do(ctx, http.MethodGet, "/api/v1/retention", nil, &out)
}
