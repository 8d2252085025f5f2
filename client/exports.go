package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"
)

// ExportRequest starts an archive export (docs/archive.md): at most one of
// MRN, PatientID, ConversationID and UserID; From and To as RFC 3339 or
// YYYY-MM-DD ("" : the beginning, and now); exactly one of Recipient (an
// age public key) and Passphrase.
type ExportRequest struct {
	MRN            string `json:"mrn,omitempty"`
	PatientID      string `json:"patient_id,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	UserID         string `json:"user_id,omitempty"`
	From           string `json:"from,omitempty"`
	To             string `json:"to,omitempty"`
	Recipient      string `json:"recipient,omitempty"`
	Passphrase     string `json:"passphrase,omitempty"`
}

// ExportJob is an archive export running in the background.
type ExportJob struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"` // queued, running, done, failed, cancelled
	UserID     string          `json:"user_id"`
	Selection  ExportSelection `json:"selection"`
	Encryption string          `json:"encryption"` // recipient or passphrase
	Percent    float64         `json:"percent"`
	// ETASeconds is how long the run should still take, while it runs.
	ETASeconds      *int64        `json:"eta_seconds,omitempty"`
	Messages        int64         `json:"messages"`
	AttachmentBytes int64         `json:"attachment_bytes"`
	Attempts        int           `json:"attempts"`
	ArchiveID       string        `json:"archive_id,omitempty"`
	Size            int64         `json:"size,omitempty"`
	Counts          *ExportCounts `json:"counts,omitempty"`
	Error           string        `json:"error,omitempty"`
	CreatedAt       time.Time     `json:"created_at"`
	StartedAt       time.Time     `json:"started_at,omitzero"`
	FinishedAt      time.Time     `json:"finished_at,omitzero"`
}

// ExportSelection is what an export covers: ids and dates.
type ExportSelection struct {
	ConversationID string    `json:"conversation_id,omitempty"`
	PatientID      string    `json:"patient_id,omitempty"`
	PatientIDs     []string  `json:"patient_ids,omitempty"`
	UserID         string    `json:"user_id,omitempty"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
}

// ExportCounts are what a finished archive holds.
type ExportCounts struct {
	Conversations   int   `json:"conversations"`
	Messages        int   `json:"messages"`
	Attachments     int   `json:"attachments"`
	AttachmentBytes int64 `json:"attachment_bytes"`
	AuditEvents     int   `json:"audit_events"`
}

func exportPath(id string) string { return "/api/v1/compliance/exports/" + url.PathEscape(id) }

// StartExport starts an archive export in the background (compliance officers).
func (c *Client) StartExport(ctx context.Context, req ExportRequest) (*ExportJob, error) {
	var out ExportJob
	return &out, c.do(ctx, http.MethodPost, "/api/v1/compliance/exports", req, &out)
}

// Exports lists the org's newest archive exports.
func (c *Client) Exports(ctx context.Context) ([]ExportJob, error) {
	var out struct{ Exports []ExportJob }
	return out.Exports, c.do(ctx, http.MethodGet, "/api/v1/compliance/exports", nil, &out)
}

// Export reads one archive export, with its progress.
func (c *Client) Export(ctx context.Context, id string) (*ExportJob, error) {
	var out ExportJob
	return &out, c.do(ctx, http.MethodGet, exportPath(id), nil, &out)
}

// CancelExport cancels a queued or running archive export.
func (c *Client) CancelExport(ctx context.Context, id string) (*ExportJob, error) {
	var out ExportJob
	return &out, c.do(ctx, http.MethodPost, exportPath(id)+"/cancel", nil, &out)
}

// DownloadExport writes a finished export's archive (age-encrypted) to w
// and returns its size.
func (c *Client) DownloadExport(ctx context.Context, id string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+exportPath(id)+"/file", nil)
	if err != nil {
		return 0, err
	}
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return 0, readProblem(resp)
	}
	return io.Copy(w, resp.Body)
}
