package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Invitation is a patient invitation as staff see it (never its token).
type Invitation struct {
	ID         string     `json:"id"`
	PatientID  string     `json:"patient_id"`
	Channel    string     `json:"channel"` // email | link
	Status     string     `json:"status"`  // pending | accepted | expired | revoked
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Link is the invitation's link, for channel link, on creation and
	// resend only: hand it over once.
	Link string `json:"link,omitempty"`
}

// InvitationInfo is what an invitation link shows before any proof.
type InvitationInfo struct {
	Clinic         string    `json:"clinic"`
	ExpiresAt      time.Time `json:"expires_at"`
	NeedsEmailCode bool      `json:"needs_email_code"`
}

// AcceptInvitation is a patient accepting an invitation.
type AcceptInvitation struct {
	Password  string `json:"password"`
	EmailCode string `json:"email_code,omitempty"` // invitations by email
	Device    Device `json:"device"`
}

// InvitePatient invites the patient of a record by channel "email" or "link".
func (c *Client) InvitePatient(ctx context.Context, patientID, channel string) (*Invitation, error) {
	var out Invitation
	return &out, c.do(ctx, http.MethodPost, "/api/v1/patients/"+url.PathEscape(patientID)+"/invitations",
		map[string]string{"channel": channel}, &out)
}

// Invitations lists a record's invitations, newest first.
func (c *Client) Invitations(ctx context.Context, patientID string) ([]Invitation, error) {
	var out struct{ Invitations []Invitation }
	err := c.do(ctx, http.MethodGet, "/api/v1/patients/"+url.PathEscape(patientID)+"/invitations", nil, &out)
	return out.Invitations, err
}

// RevokeInvitation ends an invitation; its link stops working.
func (c *Client) RevokeInvitation(ctx context.Context, patientID, id string) (*Invitation, error) {
	var out Invitation
	return &out, c.do(ctx, http.MethodPost, "/api/v1/patients/"+url.PathEscape(patientID)+"/invitations/"+url.PathEscape(id)+"/revoke", nil, &out)
}

// ResendInvitation gives an invitation a new link (the old one dies).
func (c *Client) ResendInvitation(ctx context.Context, patientID, id string) (*Invitation, error) {
	var out Invitation
	return &out, c.do(ctx, http.MethodPost, "/api/v1/patients/"+url.PathEscape(patientID)+"/invitations/"+url.PathEscape(id)+"/resend", nil, &out)
}

// LookUpInvitation reads what an invitation link shows (no session).
func (c *Client) LookUpInvitation(ctx context.Context, token string) (*InvitationInfo, error) {
	var out InvitationInfo
	return &out, c.do(ctx, http.MethodGet, "/api/v1/invitations/"+url.PathEscape(token), nil, &out)
}

// SendInvitationCode has the server mail the one-time code of an
// invitation that came by email.
func (c *Client) SendInvitationCode(ctx context.Context, token string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/invitations/"+url.PathEscape(token)+"/email-code", struct{}{}, nil)
}

// AcceptInvitation makes the patient's account and signs in as it: the
// client keeps the session token and the device secret, as Login does.
func (c *Client) AcceptInvitation(ctx context.Context, token string, req AcceptInvitation) (*LoginResponse, error) {
	req.Device.Secret = "" // a new account: a new device
	var out LoginResponse
	if err := c.do(ctx, http.MethodPost, "/api/v1/invitations/"+url.PathEscape(token)+"/accept", req, &out); err != nil {
		return nil, err
	}
	if out.DeviceSecret != "" {
		c.SetDeviceSecret(req.Device.ID, out.DeviceSecret)
	}
	c.SetToken(out.Token)
	return &out, nil
}
