package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Secure messages to outside addresses (docs/outside.md): staff write to an
// email address with no ward account; the address gets a link, its holder
// proves it with a mailed code and reads and replies as a guest.

// OutsideRequest is a message to an outside address: a new or continued
// thread to Email, or a continued thread by ConversationID. AttachmentIDs
// name attachments uploaded to that conversation (a continued thread only).
// ClientID makes retries safe, as for Send.
type OutsideRequest struct {
	Email          string   `json:"email,omitempty"`
	ConversationID string   `json:"conversation_id,omitempty"`
	ClientID       string   `json:"client_id,omitempty"`
	Body           string   `json:"body"`
	AttachmentIDs  []string `json:"attachment_ids,omitempty"`
}

// OutsideMessage is one secure message as its sender sees it: the thread,
// the guest, and what the recipient did with the link.
type OutsideMessage struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	MessageID      string     `json:"message_id"`
	GuestID        string     `json:"guest_id"`
	Status         string     `json:"status"` // sent | opened | replied
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	OpenedAt       *time.Time `json:"opened_at,omitempty"`
}

// OutsideSent is the answer to SendOutside.
type OutsideSent struct {
	ConversationID string         `json:"conversation_id"`
	Message        Message        `json:"message"`
	Recipient      OutsideMessage `json:"recipient"`
}

// OutsideInfo is what a link shows before any proof.
type OutsideInfo struct {
	Clinic    string    `json:"clinic"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SendOutside writes to an outside address; the server mails it a new link.
func (c *Client) SendOutside(ctx context.Context, req OutsideRequest) (*OutsideSent, error) {
	var out OutsideSent
	return &out, c.do(ctx, http.MethodPost, "/api/v1/outside-messages", req, &out)
}

// OutsideMessages lists the caller's secure messages, newest first; with a
// conversation id, only that thread's latest.
func (c *Client) OutsideMessages(ctx context.Context, conversationID string) ([]OutsideMessage, error) {
	var out struct {
		OutsideMessages []OutsideMessage `json:"outside_messages"`
	}
	path := "/api/v1/outside-messages"
	if conversationID != "" {
		path += "?" + url.Values{"conversation_id": {conversationID}}.Encode()
	}
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out.OutsideMessages, err
}

// LookUpOutside reads what a link shows (no session).
func (c *Client) LookUpOutside(ctx context.Context, token string) (*OutsideInfo, error) {
	var out OutsideInfo
	return &out, c.do(ctx, http.MethodGet, "/api/v1/outside/"+url.PathEscape(token), nil, &out)
}

// SendOutsideCode has the server mail the link's one-time code to the
// address the link went to.
func (c *Client) SendOutsideCode(ctx context.Context, token string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/outside/"+url.PathEscape(token)+"/email-code", struct{}{}, nil)
}

// OpenOutside uses the link with the mailed code and signs in as the guest:
// the client keeps the session token and the device secret, as Login does.
func (c *Client) OpenOutside(ctx context.Context, token, emailCode string, device Device) (*LoginResponse, error) {
	device.Secret = "" // a link opens a new device
	var out LoginResponse
	if err := c.do(ctx, http.MethodPost, "/api/v1/outside/"+url.PathEscape(token)+"/open",
		map[string]any{"email_code": emailCode, "device": device}, &out); err != nil {
		return nil, err
	}
	if out.DeviceSecret != "" {
		c.SetDeviceSecret(device.ID, out.DeviceSecret)
	}
	c.SetToken(out.Token)
	return &out, nil
}
