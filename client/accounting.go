package client

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// AccountingQuery names a patient (MRN or PatientID) and a period (From,
// To: RFC 3339 or YYYY-MM-DD, a date To including that day; empty: the six
// years up to now), or a logged request (RequestID).
type AccountingQuery struct {
	MRN         string `json:"mrn,omitempty"`
	PatientID   string `json:"patient_id,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
	Format      string `json:"format,omitempty"`       // set by the client's methods
	RequestedAt string `json:"requested_at,omitempty"` // LogAccountingRequest: when the patient asked (default now)
}

// AccountingEntry is one access to or disclosure of the patient's PHI.
type AccountingEntry struct {
	Time     time.Time `json:"time"`
	Seq      int64     `json:"seq"`
	UserID   string    `json:"user_id"`
	Who      string    `json:"who"`
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	What     string    `json:"what"`
	Kind     string    `json:"kind"` // access or disclosure
	Resource string    `json:"resource"`
	Why      string    `json:"why"`
}

// Accounting is a patient's accounting of disclosures (45 CFR 164.528).
type Accounting struct {
	RequestID   string            `json:"request_id"`
	OrgName     string            `json:"org_name"`
	MRN         string            `json:"mrn"`
	PatientID   string            `json:"patient_id"`
	PatientIDs  []string          `json:"patient_ids"`
	From        time.Time         `json:"from"`
	To          time.Time         `json:"to"`
	RequestedAt time.Time         `json:"requested_at"`
	Deadline    time.Time         `json:"deadline"`
	ProducedAt  time.Time         `json:"produced_at"`
	Entries     []AccountingEntry `json:"entries"`
}

// AccountingRequest is a logged request and its 60-day deadline.
type AccountingRequest struct {
	ID          string     `json:"id"`
	PatientID   string     `json:"patient_id"`
	From        time.Time  `json:"from"`
	To          time.Time  `json:"to"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	Deadline    time.Time  `json:"deadline"`
	AnsweredAt  *time.Time `json:"answered_at"`
	Entries     int        `json:"entries"`
}

// ProduceAccounting answers q (compliance officers): the accounting, kept
// as an answered request.
func (c *Client) ProduceAccounting(ctx context.Context, q AccountingQuery) (*Accounting, error) {
	q.Format = "json"
	var out Accounting
	return &out, c.do(ctx, http.MethodPost, "/api/v1/compliance/accounting", q, &out)
}

// AccountingFile answers q as a file: format "csv" or "pdf".
func (c *Client) AccountingFile(ctx context.Context, q AccountingQuery, format string) ([]byte, error) {
	q.Format = format
	b, _, err := c.rawJSON(ctx, http.MethodPost, "/api/v1/compliance/accounting", q)
	return b, err
}

// LogAccountingRequest logs a patient's request, due 60 days after it was asked.
func (c *Client) LogAccountingRequest(ctx context.Context, q AccountingQuery) (*AccountingRequest, error) {
	q.Format = ""
	var out AccountingRequest
	return &out, c.do(ctx, http.MethodPost, "/api/v1/compliance/accounting/requests", q, &out)
}

// AccountingRequests lists the org's requests, newest first.
func (c *Client) AccountingRequests(ctx context.Context) ([]AccountingRequest, error) {
	var out struct{ Requests []AccountingRequest }
	return out.Requests, c.do(ctx, http.MethodGet, "/api/v1/compliance/accounting/requests", nil, &out)
}

// ConformanceItem is one check of the conformance report.
type ConformanceItem struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Status   string `json:"status"` // pass, warn or fail
	Evidence string `json:"evidence"`
	Reason   string `json:"reason"`
}

// ConformanceReport is the HIPAA Security Rule conformance report.
type ConformanceReport struct {
	OrgID    string    `json:"org_id"`
	OrgName  string    `json:"org_name"`
	MadeAt   time.Time `json:"made_at"`
	Version  string    `json:"version"`
	Pass     int       `json:"pass"`
	Warn     int       `json:"warn"`
	Fail     int       `json:"fail"`
	Sections []struct {
		Title string            `json:"title"`
		Items []ConformanceItem `json:"items"`
	} `json:"sections"`
}

// ConformanceReport reads the report (owner, admins, compliance).
func (c *Client) ConformanceReport(ctx context.Context) (*ConformanceReport, error) {
	var out ConformanceReport
	return &out, c.do(ctx, http.MethodGet, "/api/v1/compliance/report", nil, &out)
}

// ConformanceReportFile downloads the signed report as format ("html" or
// "pdf") and its detached signature (the JSON 'ward compliance report
// verify' reads from FILE.sig).
func (c *Client) ConformanceReportFile(ctx context.Context, format string) (content, signature []byte, err error) {
	b, hdr, err := c.raw(ctx, http.MethodGet, "/api/v1/compliance/report?format="+format, "", nil)
	if err != nil {
		return nil, nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(hdr.Get("Ward-Signature"))
	if err != nil || len(sig) == 0 {
		return b, nil, fmt.Errorf("ward: the report came without a valid Ward-Signature header")
	}
	return b, sig, nil
}
