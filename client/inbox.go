package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// CareTeam is a care team a patient may write to.
type CareTeam struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// InboxThread is a thread of a care team's shared inbox.
type InboxThread struct {
	ConversationID string     `json:"conversation_id"`
	TeamID         string     `json:"team_id"`
	PatientID      string     `json:"patient_id"`
	Status         string     `json:"status"` // open, waiting (on the patient) or closed
	AssigneeID     string     `json:"assignee_id,omitempty"`
	WaitingSince   *time.Time `json:"waiting_since,omitempty"`
	WaitingSeconds int64      `json:"waiting_seconds"`
	CreatedAt      time.Time  `json:"created_at"`
}

// CareTeams lists the care teams the signed-in patient may write to.
func (c *Client) CareTeams(ctx context.Context) ([]CareTeam, error) {
	var out struct{ Teams []CareTeam }
	return out.Teams, c.do(ctx, http.MethodGet, "/api/v1/inbox/teams", nil, &out)
}

// WriteToCareTeam starts a conversation in a care team's inbox (patients);
// a non-empty body is its first message (nil when body is empty).
func (c *Client) WriteToCareTeam(ctx context.Context, teamID, body string) (*Conversation, *Message, error) {
	var out struct {
		Conversation Conversation
		Message      *Message
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/inbox/conversations", map[string]string{"team_id": teamID, "body": body}, &out)
	return &out.Conversation, out.Message, err
}

// TeamInbox lists up to limit (0: 50) threads of a care team's inbox with
// a status ("": open), longest waiting first (the team's clinicians and
// staff).
func (c *Client) TeamInbox(ctx context.Context, teamID, status string, limit int) ([]InboxThread, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/api/v1/teams/" + url.PathEscape(teamID) + "/inbox"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out struct{ Threads []InboxThread }
	return out.Threads, c.do(ctx, http.MethodGet, path, nil, &out)
}

// ClaimInbox takes an inbox thread (by its conversation id) for oneself.
func (c *Client) ClaimInbox(ctx context.Context, convID string) (*InboxThread, error) {
	var out InboxThread
	return &out, c.do(ctx, http.MethodPost, "/api/v1/inbox/"+url.PathEscape(convID)+"/claim", nil, &out)
}

// AssignInbox gives an inbox thread to a member of its team.
func (c *Client) AssignInbox(ctx context.Context, convID, userID string) (*InboxThread, error) {
	var out InboxThread
	return &out, c.do(ctx, http.MethodPost, "/api/v1/inbox/"+url.PathEscape(convID)+"/assign", map[string]string{"user_id": userID}, &out)
}

// SetInboxStatus sets an inbox thread open, waiting or closed.
func (c *Client) SetInboxStatus(ctx context.Context, convID, status string) (*InboxThread, error) {
	var out InboxThread
	return &out, c.do(ctx, http.MethodPost, "/api/v1/inbox/"+url.PathEscape(convID)+"/status", map[string]string{"status": status}, &out)
}

// InboxDayStats is one team's response times on one UTC day, in seconds:
// first responses (a patient's wait to the staff message that ended it) and
// resolutions (a thread's opening to its closing), median and 90th
// percentile.
type InboxDayStats struct {
	Day                string `json:"day"` // YYYY-MM-DD
	FirstResponseCount int64  `json:"first_response_count"`
	FirstResponseP50S  int64  `json:"first_response_p50_s"`
	FirstResponseP90S  int64  `json:"first_response_p90_s"`
	ResolutionCount    int64  `json:"resolution_count"`
	ResolutionP50S     int64  `json:"resolution_p50_s"`
	ResolutionP90S     int64  `json:"resolution_p90_s"`
	Count              int64  `json:"count"`
}

// InboxStats is the team inboxes' response times over a range of days.
type InboxStats struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Teams []struct {
		TeamID string          `json:"team_id"`
		Name   string          `json:"name"`
		Days   []InboxDayStats `json:"days"`
	} `json:"teams"`
}

// InboxStats reads the team inboxes' response times per team and UTC day
// from from to to, both included ("YYYY-MM-DD"; "": the last 30 days), for
// owners, admins and compliance officers.
func (c *Client) InboxStats(ctx context.Context, from, to string) (*InboxStats, error) {
	q := url.Values{}
	if from != "" {
		q.Set("from", from)
	}
	if to != "" {
		q.Set("to", to)
	}
	path := "/api/v1/inbox/stats"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out InboxStats
	return &out, c.do(ctx, http.MethodGet, path, nil, &out)
}
