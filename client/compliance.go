package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Grant is a compliance review (Kind "review") or a break-glass use (Kind
// "breakglass"): a time-boxed read outside membership (docs/compliance.md).
type Grant struct {
	ID             string      `json:"id"`
	Kind           string      `json:"kind"`
	UserID         string      `json:"user_id"`
	ConversationID string      `json:"conversation_id,omitempty"`
	PatientID      string      `json:"patient_id,omitempty"`
	Reason         GrantReason `json:"reason"`
	OpenedAt       time.Time   `json:"opened_at"`
	ExpiresAt      time.Time   `json:"expires_at"`
	Verdict        string      `json:"verdict,omitempty"` // justified, unjustified; "" waits in the queue
	Note           string      `json:"note,omitempty"`
	VerdictBy      string      `json:"verdict_by,omitempty"`
	VerdictAt      time.Time   `json:"verdict_at,omitzero"`
}

// GrantReason is why a grant was opened: a category and free text (the
// text is empty in the org owner's log).
type GrantReason struct {
	Category string `json:"category"`
	Text     string `json:"text"`
}

// FoundConversation is a conversation as the compliance search and a
// break-glass list it (Title only in a break-glass list).
type FoundConversation struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	Title         string    `json:"title,omitempty"`
	PatientID     string    `json:"patient_id,omitempty"`
	MemberIDs     []string  `json:"member_ids"`
	CreatedAt     time.Time `json:"created_at"`
	LastMessageAt time.Time `json:"last_message_at,omitzero"`
	LastSeq       int64     `json:"last_seq"`
}

// ConversationSearch filters the compliance search: at least one field.
type ConversationSearch struct {
	ID, Patient, Member string
	From, To            time.Time
}

// ComplianceDashboard is the compliance counts.
type ComplianceDashboard struct {
	Reviews              int `json:"reviews"`
	BreakGlassUses       int `json:"break_glass_uses"`
	BreakGlassUnreviewed int `json:"break_glass_unreviewed"`
}

// FindConversations is the compliance search (compliance officers).
func (c *Client) FindConversations(ctx context.Context, s ConversationSearch) ([]FoundConversation, error) {
	q := url.Values{}
	for k, v := range map[string]string{"id": s.ID, "patient": s.Patient, "member": s.Member} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !s.From.IsZero() {
		q.Set("from", s.From.UTC().Format(time.RFC3339))
	}
	if !s.To.IsZero() {
		q.Set("to", s.To.UTC().Format(time.RFC3339))
	}
	var out struct{ Conversations []FoundConversation }
	return out.Conversations, c.do(ctx, http.MethodGet, "/api/v1/compliance/conversations?"+q.Encode(), nil, &out)
}

type grantRequest struct {
	ConversationID string `json:"conversation_id,omitempty"`
	PatientID      string `json:"patient_id,omitempty"`
	Category       string `json:"category"`
	Reason         string `json:"reason"`
	Minutes        int    `json:"minutes,omitempty"`
}

// OpenReview opens a review of a conversation with a reason for minutes
// (0: the policy's time box).
func (c *Client) OpenReview(ctx context.Context, conversationID, category, reason string, minutes int) (*Grant, error) {
	var g Grant
	return &g, c.do(ctx, http.MethodPost, "/api/v1/compliance/reviews",
		grantRequest{ConversationID: conversationID, Category: category, Reason: reason, Minutes: minutes}, &g)
}

// HeldCopy is a recalled message of a conversation under legal hold, its
// body kept for the hold, as a review reads it.
type HeldCopy struct {
	MessageID  string    `json:"message_id"`
	Seq        int64     `json:"seq"`
	SenderID   string    `json:"sender_id"`
	CreatedAt  time.Time `json:"created_at"`
	RecalledAt time.Time `json:"recalled_at"`
	KeptAt     time.Time `json:"kept_at"`
	Body       string    `json:"body"`
	// Attachments are the files the message carried, kept with it:
	// ReviewAttachment downloads them.
	Attachments []HeldFile `json:"attachments"`
}

// HeldFile is a kept attachment of a held copy.
type HeldFile struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// ReviewAttachment downloads an attachment of the reviewed conversation,
// or a kept attachment of one of its held copies, while the review is
// live (audited): the content and its content type.
func (c *Client) ReviewAttachment(ctx context.Context, reviewID, attachmentID string) ([]byte, string, error) {
	b, hdr, err := c.raw(ctx, http.MethodGet, "/api/v1/compliance/reviews/"+url.PathEscape(reviewID)+"/attachments/"+
		url.PathEscape(attachmentID), "", nil)
	if err != nil {
		return nil, "", err
	}
	return b, hdr.Get("Content-Type"), nil
}

// ReviewHeldCopies reads the held copies of the reviewed conversation's
// recalled messages, while the review is live (audited).
func (c *Client) ReviewHeldCopies(ctx context.Context, reviewID string) ([]HeldCopy, error) {
	var out struct{ Held []HeldCopy }
	return out.Held, c.do(ctx, http.MethodGet, "/api/v1/compliance/reviews/"+url.PathEscape(reviewID)+"/held", nil, &out)
}

// ReviewMessages reads a page of a reviewed conversation's messages.
func (c *Client) ReviewMessages(ctx context.Context, reviewID string, after int64, limit int) ([]Message, error) {
	var out struct{ Messages []Message }
	q := url.Values{"after": {fmt.Sprint(after)}}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	return out.Messages, c.do(ctx, http.MethodGet, "/api/v1/compliance/reviews/"+url.PathEscape(reviewID)+"/messages?"+q.Encode(), nil, &out)
}

// Reviews is the log of the org's reviews, newest first.
func (c *Client) Reviews(ctx context.Context) ([]Grant, error) {
	var out struct{ Reviews []Grant }
	return out.Reviews, c.do(ctx, http.MethodGet, "/api/v1/compliance/reviews", nil, &out)
}

// ComplianceDashboard reads the compliance counts.
func (c *Client) ComplianceDashboard(ctx context.Context) (*ComplianceDashboard, error) {
	var d ComplianceDashboard
	return &d, c.do(ctx, http.MethodGet, "/api/v1/compliance/dashboard", nil, &d)
}

// BreakGlassQueue lists break-glass uses (only those not yet judged when
// unreviewed).
func (c *Client) BreakGlassQueue(ctx context.Context, unreviewed bool) ([]Grant, error) {
	path := "/api/v1/compliance/breakglass"
	if unreviewed {
		path += "?unreviewed=1"
	}
	var out struct{ Uses []Grant }
	return out.Uses, c.do(ctx, http.MethodGet, path, nil, &out)
}

// JudgeBreakGlass marks a break-glass use justified or unjustified with a note.
func (c *Client) JudgeBreakGlass(ctx context.Context, id, verdict, note string) (*Grant, error) {
	var g Grant
	return &g, c.do(ctx, http.MethodPost, "/api/v1/compliance/breakglass/"+url.PathEscape(id)+"/verdict",
		map[string]string{"verdict": verdict, "note": note}, &g)
}

// BreakGlass opens a patient's conversations in an emergency (clinicians).
func (c *Client) BreakGlass(ctx context.Context, patientID, category, reason string, minutes int) (*Grant, error) {
	var g Grant
	return &g, c.do(ctx, http.MethodPost, "/api/v1/breakglass",
		grantRequest{PatientID: patientID, Category: category, Reason: reason, Minutes: minutes}, &g)
}

// BreakGlassConversations lists the conversations about a break-glass's patient.
func (c *Client) BreakGlassConversations(ctx context.Context, id string) ([]FoundConversation, error) {
	var out struct{ Conversations []FoundConversation }
	return out.Conversations, c.do(ctx, http.MethodGet, "/api/v1/breakglass/"+url.PathEscape(id)+"/conversations", nil, &out)
}

// BreakGlassMessages reads a page of a conversation about a break-glass's patient.
func (c *Client) BreakGlassMessages(ctx context.Context, id, conversationID string, after int64, limit int) ([]Message, error) {
	var out struct{ Messages []Message }
	q := url.Values{"after": {fmt.Sprint(after)}}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	path := "/api/v1/breakglass/" + url.PathEscape(id) + "/conversations/" + url.PathEscape(conversationID) + "/messages?" + q.Encode()
	return out.Messages, c.do(ctx, http.MethodGet, path, nil, &out)
}
