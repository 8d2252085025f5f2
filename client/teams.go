package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Team is a care team: a named group of clinicians and staff.
type Team struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Members   []TeamMember `json:"members"`
	CreatedAt time.Time    `json:"created_at"`
}

// TeamMember is a clinician or staff member in a team.
type TeamMember struct {
	UserID  string    `json:"user_id"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	AddedAt time.Time `json:"added_at"`
}

// Teams lists the org's care teams with their members.
func (c *Client) Teams(ctx context.Context) ([]Team, error) {
	var out struct{ Teams []Team }
	return out.Teams, c.do(ctx, http.MethodGet, "/api/v1/teams", nil, &out)
}

// CreateTeam makes a care team (owners and admins).
func (c *Client) CreateTeam(ctx context.Context, name string) (*Team, error) {
	var out Team
	return &out, c.do(ctx, http.MethodPost, "/api/v1/teams", map[string]string{"name": name}, &out)
}

// RenameTeam renames a care team (owners and admins).
func (c *Client) RenameTeam(ctx context.Context, id, name string) (*Team, error) {
	var out Team
	return &out, c.do(ctx, http.MethodPatch, "/api/v1/teams/"+url.PathEscape(id), map[string]string{"name": name}, &out)
}

// DeleteTeam deletes a care team and its memberships (owners and admins).
func (c *Client) DeleteTeam(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/teams/"+url.PathEscape(id), nil, nil)
}

// AddTeamMember puts a clinician or staff member in a team.
func (c *Client) AddTeamMember(ctx context.Context, teamID, userID string) (*Team, error) {
	var out Team
	return &out, c.do(ctx, http.MethodPut, "/api/v1/teams/"+url.PathEscape(teamID)+"/members/"+url.PathEscape(userID), nil, &out)
}

// RemoveTeamMember takes a user out of a team.
func (c *Client) RemoveTeamMember(ctx context.Context, teamID, userID string) (*Team, error) {
	var out Team
	return &out, c.do(ctx, http.MethodDelete, "/api/v1/teams/"+url.PathEscape(teamID)+"/members/"+url.PathEscape(userID), nil, &out)
}
