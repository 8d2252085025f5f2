package httpapi

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
)

// accountingRoutes are the accounting of disclosures (docs/compliance.md):
// compliance officers only, as it shows who read a patient's PHI.
func (h *Handler) accountingRoutes() {
	h.route("POST /api/v1/compliance/accounting", authz.DisclosureReport, withService(h.accountingService, h.produceAccounting))
	h.route("GET /api/v1/compliance/accounting/requests", authz.DisclosureReport, withService(h.accountingService, h.listAccountingRequests))
	h.route("POST /api/v1/compliance/accounting/requests", authz.DisclosureReport, withService(h.accountingService, h.logAccountingRequest))
}

func (h *Handler) accountingService() (*accounting.Service, error) {
	if h.accounting == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "the accounting of disclosures is not available")
	}
	return h.accounting, nil
}

// accountingRequest names the patient (mrn or patient_id) and the period
// (from, to: RFC 3339 or YYYY-MM-DD, a date to including that day; empty:
// the six years up to now), or a logged request (request_id).
type accountingRequest struct {
	MRN         string `json:"mrn"`
	PatientID   string `json:"patient_id"`
	From        string `json:"from"`
	To          string `json:"to"`
	RequestID   string `json:"request_id"`
	Format      string `json:"format"`       // json (default), csv or pdf: what POST /accounting answers
	RequestedAt string `json:"requested_at"` // POST /accounting/requests: when the patient asked (default now)
}

func (b *accountingRequest) query() (accounting.Query, error) {
	q := accounting.Query{MRN: b.MRN, PatientID: b.PatientID, RequestID: b.RequestID, Format: b.Format}
	var err error
	if len(b.MRN) > 256 || len(b.PatientID) > 128 || len(b.RequestID) > 64 {
		return q, ward.Errorf(ward.CodeInvalid, "mrn, patient_id or request_id is too long")
	}
	if q.From, err = when("from", b.From, false); err != nil {
		return q, err
	}
	if q.To, err = when("to", b.To, true); err != nil {
		return q, err
	}
	return q, nil
}

// when parses a body's time field as queryTime parses a query's.
func when(name, s string, endOfDay bool) (time.Time, error) {
	return queryTime(url.Values{name: {s}}, name, endOfDay)
}

func (h *Handler) produceAccounting(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *accounting.Service) error {
	var b accountingRequest
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.RequestedAt != "" {
		return ward.Errorf(ward.CodeInvalid, "requested_at belongs to POST /api/v1/compliance/accounting/requests")
	}
	if b.RequestID != "" && (b.MRN != "" || b.PatientID != "" || b.From != "" || b.To != "") {
		return ward.Errorf(ward.CodeInvalid, "a logged request names its patient and period: give request_id alone")
	}
	switch b.Format {
	case "":
		b.Format = "json"
	case "json", "csv", "pdf":
	default:
		return ward.Errorf(ward.CodeInvalid, "format must be json, csv or pdf")
	}
	q, err := b.query()
	if err != nil {
		return err
	}
	a, err := svc.Produce(r.Context(), accounting.Caller{OrgID: p.User.OrgID, Actor: p.Actor()}, q)
	if err != nil {
		return err
	}
	if b.Format == "json" {
		writeJSON(w, http.StatusOK, a)
		return nil
	}
	var out bytes.Buffer
	typ, name := "text/csv; charset=utf-8", "accounting-"+a.RequestID+".csv"
	if b.Format == "pdf" {
		typ, name = "application/pdf", "accounting-"+a.RequestID+".pdf"
		err = accounting.WritePDF(&out, &a, true)
	} else {
		err = accounting.WriteCSV(&out, &a)
	}
	if err != nil {
		return err
	}
	writeFile(w, typ, name, out.Bytes())
	return nil
}

func (h *Handler) listAccountingRequests(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *accounting.Service) error {
	rs, err := svc.Requests(r.Context(), p.User.OrgID)
	if err != nil {
		return err
	}
	out := make([]accountingRequestJSON, len(rs))
	for i, q := range rs {
		out[i] = requestJSON(q)
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": out})
	return nil
}

func (h *Handler) logAccountingRequest(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *accounting.Service) error {
	var b accountingRequest
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.RequestID != "" || b.Format != "" {
		return ward.Errorf(ward.CodeInvalid, "a new request takes mrn or patient_id, from, to and requested_at")
	}
	q, err := b.query()
	if err != nil {
		return err
	}
	at, err := when("requested_at", b.RequestedAt, false)
	if err != nil {
		return err
	}
	req, err := svc.LogRequest(r.Context(), accounting.Caller{OrgID: p.User.OrgID, Actor: p.Actor()}, q, at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, requestJSON(req))
	return nil
}

// accountingRequestJSON is a request as the API shows it.
type accountingRequestJSON struct {
	ID          string     `json:"id"`
	PatientID   string     `json:"patient_id"`
	From        time.Time  `json:"from"`
	To          time.Time  `json:"to"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	Deadline    time.Time  `json:"deadline"`
	AnsweredAt  *time.Time `json:"answered_at"` // null until answered
	Entries     int        `json:"entries"`
}

func requestJSON(q accounting.Request) accountingRequestJSON {
	out := accountingRequestJSON{ID: q.ID, PatientID: q.PatientID, From: q.From, To: q.To, RequestedBy: q.RequestedBy,
		RequestedAt: q.RequestedAt, Deadline: q.Deadline, Entries: q.Entries}
	if !q.AnsweredAt.IsZero() {
		t := q.AnsweredAt
		out.AnsweredAt = &t
	}
	return out
}
