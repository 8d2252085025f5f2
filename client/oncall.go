package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// OnCallRole is an on-call role ("Cardiology on call") with its schedule
// (docs/oncall.md).
type OnCallRole struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Version   int64          `json:"version"`
	Schedule  OnCallSchedule `json:"schedule"`
	Chain     OnCallChain    `json:"chain"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// OnCallSchedule is a rotation with its overrides and swaps.
type OnCallSchedule struct {
	Rotation  Rotation         `json:"rotation"`
	Overrides []OnCallOverride `json:"overrides,omitempty"`
	Swaps     []OnCallSwap     `json:"swaps,omitempty"`
}

// Rotation hands a role from one person to the next every Days days at
// HandOver ("HH:MM"), local time in TimeZone, from the local date Start.
type Rotation struct {
	Kind     string   `json:"kind"` // daily, weekly or custom
	Days     int      `json:"days,omitempty"`
	HandOver string   `json:"hand_over"`
	TimeZone string   `json:"time_zone"`
	Start    string   `json:"start"`
	End      string   `json:"end,omitempty"`
	People   []string `json:"people"`
}

// OnCallOverride puts one of the rotation's people on call over [From, To).
type OnCallOverride struct {
	ID     string    `json:"id,omitempty"`
	UserID string    `json:"user_id"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// OnCallSwap exchanges the shifts that hold A and B.
type OnCallSwap struct {
	ID string    `json:"id,omitempty"`
	A  time.Time `json:"a"`
	B  time.Time `json:"b"`
}

// OnCall is who holds a role over a span of time; UserID is "" when no one
// does.
type OnCall struct {
	RoleID   string     `json:"role_id"`
	RoleName string     `json:"role_name"`
	UserID   string     `json:"user_id"`
	UserName string     `json:"user_name"`
	Label    string     `json:"label"` // "Cardiology on call (Dr Shah)"
	Source   string     `json:"source"`
	From     *time.Time `json:"from"`
	Until    *time.Time `json:"until"`
	Step     string     `json:"step,omitempty"` // a page: primary, or lead when no one was on call
	Why      string     `json:"why,omitempty"`  // why a page went to the lead
}

// OnCallChain is where an unacknowledged urgent page to a role goes after
// the person on call: the secondary, then the lead ("" for none).
type OnCallChain struct {
	SecondaryID string `json:"secondary_id"`
	LeadID      string `json:"lead_id"`
}

// PageState is where an urgent page to a role is (GET
// /api/v1/messages/{id}/page).
type PageState struct {
	MessageID      string      `json:"message_id"`
	ConversationID string      `json:"conversation_id"`
	RoleID         string      `json:"role_id"`
	RoleName       string      `json:"role_name"`
	SenderID       string      `json:"sender_id"`
	Step           string      `json:"step"` // primary, secondary, lead
	HolderID       string      `json:"holder_id"`
	HolderName     string      `json:"holder_name"`
	Since          time.Time   `json:"since"`
	NextStepAt     *time.Time  `json:"next_step_at"`
	HandOverAt     *time.Time  `json:"hand_over_at"`
	Done           bool        `json:"done"`
	AckedBy        string      `json:"acked_by"`
	AckedByName    string      `json:"acked_by_name"`
	AckedAt        *time.Time  `json:"acked_at"`
	SentAt         time.Time   `json:"sent_at"`
	Steps          []PageTrail `json:"steps"`
}

// PageTrail is one hand a page went through.
type PageTrail struct {
	Kind     string    `json:"kind"` // paged, escalated, rerouted
	Step     string    `json:"step"`
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	FromID   string    `json:"from_id"`
	FromName string    `json:"from_name"`
	At       time.Time `json:"at"`
}

// OnCallStats are the dashboard's on-call figures per role and UTC day.
type OnCallStats struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Roles []struct {
		RoleID string `json:"role_id"`
		Name   string `json:"name"`
		Days   []struct {
			Day          string `json:"day"`
			Pages        int64  `json:"pages"`
			Acknowledged int64  `json:"acknowledged"`
			AckP50S      int64  `json:"ack_p50_s"`
			Escalations  int64  `json:"escalations"`
		} `json:"days"`
	} `json:"roles"`
}

// Page is the answer to a page: the conversation, the message, and whom
// the role reached.
type Page struct {
	ConversationID string  `json:"conversation_id"`
	Message        Message `json:"message"`
	OnCall         OnCall  `json:"on_call"`
}

func rolePath(id string) string { return "/api/v1/oncall/roles/" + url.PathEscape(id) }

// OnCallRoles lists the org's on-call roles with their schedules.
func (c *Client) OnCallRoles(ctx context.Context) ([]OnCallRole, error) {
	var out struct{ Roles []OnCallRole }
	return out.Roles, c.do(ctx, http.MethodGet, "/api/v1/oncall/roles", nil, &out)
}

// CreateOnCallRole makes a role with its schedule (owners and admins).
func (c *Client) CreateOnCallRole(ctx context.Context, name string, s OnCallSchedule) (*OnCallRole, error) {
	var out OnCallRole
	return &out, c.do(ctx, http.MethodPost, "/api/v1/oncall/roles", map[string]any{"name": name, "schedule": s}, &out)
}

// SetOnCallSchedule replaces a role's whole schedule (owners and admins).
func (c *Client) SetOnCallSchedule(ctx context.Context, id string, s OnCallSchedule) (*OnCallRole, error) {
	var out OnCallRole
	return &out, c.do(ctx, http.MethodPut, rolePath(id)+"/schedule", s, &out)
}

// DeleteOnCallRole deletes a role (owners and admins).
func (c *Client) DeleteOnCallRole(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, rolePath(id), nil, nil)
}

// AddOnCallOverride adds an override to a role's schedule and returns it
// with its id.
func (c *Client) AddOnCallOverride(ctx context.Context, id string, o OnCallOverride) (*OnCallOverride, error) {
	var out struct{ Override OnCallOverride }
	return &out.Override, c.do(ctx, http.MethodPost, rolePath(id)+"/overrides", o, &out)
}

// RemoveOnCallOverride removes an override.
func (c *Client) RemoveOnCallOverride(ctx context.Context, id, overrideID string) error {
	return c.do(ctx, http.MethodDelete, rolePath(id)+"/overrides/"+url.PathEscape(overrideID), nil, nil)
}

// OnCallNow says who is on call now for every role of the org.
func (c *Client) OnCallNow(ctx context.Context) ([]OnCall, error) {
	var out struct {
		OnCall []OnCall `json:"on_call"`
	}
	return out.OnCall, c.do(ctx, http.MethodGet, "/api/v1/oncall/now", nil, &out)
}

// OnCallAt says who is on call for a role at t (zero: now).
func (c *Client) OnCallAt(ctx context.Context, id string, t time.Time) (*OnCall, error) {
	path := rolePath(id) + "/now"
	if !t.IsZero() {
		path += "?at=" + url.QueryEscape(t.Format(time.RFC3339))
	}
	var out OnCall
	return &out, c.do(ctx, http.MethodGet, path, nil, &out)
}

// PageRole sends a message, urgent unless priority is "normal", to whoever
// is on call for a role now.
func (c *Client) PageRole(ctx context.Context, id, body, clientID, priority string) (*Page, error) {
	var out Page
	return &out, c.do(ctx, http.MethodPost, rolePath(id)+"/page",
		map[string]string{"body": body, "client_id": clientID, "priority": priority}, &out)
}

// SetOnCallChain sets a role's escalation chain (owners and admins).
func (c *Client) SetOnCallChain(ctx context.Context, id string, chain OnCallChain) (*OnCallRole, error) {
	var out OnCallRole
	return &out, c.do(ctx, http.MethodPut, rolePath(id)+"/chain", chain, &out)
}

// PageOf says where the page of a message is (members of its conversation).
func (c *Client) PageOf(ctx context.Context, messageID string) (*PageState, error) {
	var out PageState
	return &out, c.do(ctx, http.MethodGet, "/api/v1/messages/"+url.PathEscape(messageID)+"/page", nil, &out)
}

// OnCallStats reads the dashboard's on-call figures from from to to
// ("YYYY-MM-DD"; "" for the defaults: the last 30 days).
func (c *Client) OnCallStats(ctx context.Context, from, to string) (*OnCallStats, error) {
	q := url.Values{}
	if from != "" {
		q.Set("from", from)
	}
	if to != "" {
		q.Set("to", to)
	}
	path := "/api/v1/oncall/stats"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out OnCallStats
	return &out, c.do(ctx, http.MethodGet, path, nil, &out)
}
