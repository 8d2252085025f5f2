package httpapi

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/incidents"
)

// incidentRoutes are breach incidents (internal/incidents,
// docs/compliance.md): compliance officers only.
func (h *Handler) incidentRoutes() {
	h.route("GET /api/v1/incidents", authz.IncidentManage, withService(h.incidentService, h.listIncidents))
	h.route("POST /api/v1/incidents", authz.IncidentManage, withService(h.incidentService, h.openIncident))
	h.route("POST /api/v1/incidents/from-alerts", authz.IncidentManage, withService(h.incidentService, h.openIncidentFromAlerts))
	h.route("GET /api/v1/incidents/annual-log", authz.IncidentManage, withService(h.incidentService, h.incidentAnnualLog))
	h.route("GET /api/v1/incidents/{id}", authz.IncidentManage, withService(h.incidentService, h.getIncident))
	h.route("PUT /api/v1/incidents/{id}", authz.IncidentManage, withService(h.incidentService, h.updateIncident))
	h.route("PUT /api/v1/incidents/{id}/assessment", authz.IncidentManage, withService(h.incidentService, h.assessIncident))
	h.route("POST /api/v1/incidents/{id}/patients/compute", authz.IncidentManage, withService(h.incidentService, h.computeIncidentPatients))
	h.route("POST /api/v1/incidents/{id}/patients", authz.IncidentManage, withService(h.incidentService, h.addIncidentPatient))
	h.route("POST /api/v1/incidents/{id}/patients/{patient_id}/remove", authz.IncidentManage, withService(h.incidentService, h.removeIncidentPatient))
	h.route("GET /api/v1/incidents/{id}/letters/{patient_id}", authz.IncidentManage, withService(h.incidentService, h.incidentLetter))
	h.route("GET /api/v1/incidents/{id}/hhs", authz.IncidentManage, withService(h.incidentService, h.incidentHHS))
	h.route("POST /api/v1/incidents/{id}/close", authz.IncidentManage, withService(h.incidentService, h.closeIncident))
}

func (h *Handler) incidentService() (*incidents.Service, error) {
	if h.incidents == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "breach incidents are not available")
	}
	return h.incidents, nil
}

// incidentRequest is the body of POST and PUT /api/v1/incidents. Dates are
// RFC 3339 times or YYYY-MM-DD days (midnight UTC).
type incidentRequest struct {
	DiscoveredAt string            `json:"discovered_at"`
	Deadline     string            `json:"deadline"`
	WindowFrom   string            `json:"window_from"`
	WindowTo     string            `json:"window_to"`
	UserIDs      []string          `json:"user_ids"`
	DeviceIDs    []string          `json:"device_ids"`
	AlertIDs     []string          `json:"alert_ids"`
	AlertID      string            `json:"alert_id"` // one alert the incident is opened from (activity monitoring)
	Details      incidents.Details `json:"details"`
}

// parseWhen reads an optional date: RFC 3339, or YYYY-MM-DD (UTC).
func parseWhen(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, ward.Errorf(ward.CodeInvalid, "%s must be an RFC 3339 time or a YYYY-MM-DD date", name)
}

// decodeIncidentDraft reads an incidentRequest body as a draft.
func decodeIncidentDraft(r *http.Request) (incidents.Draft, error) {
	var q incidentRequest
	if err := decode(r, &q); err != nil {
		return incidents.Draft{}, err
	}
	return q.draft()
}

func (q incidentRequest) draft() (incidents.Draft, error) {
	d := incidents.Draft{UserIDs: q.UserIDs, DeviceIDs: q.DeviceIDs, AlertIDs: q.AlertIDs, Details: q.Details}
	if q.AlertID != "" {
		d.AlertIDs = append(d.AlertIDs, q.AlertID)
	}
	var err error
	for _, f := range []struct {
		name string
		v    string
		to   *time.Time
	}{{"discovered_at", q.DiscoveredAt, &d.DiscoveredAt}, {"deadline", q.Deadline, &d.Deadline},
		{"window_from", q.WindowFrom, &d.WindowFrom}, {"window_to", q.WindowTo, &d.WindowTo}} {
		if *f.to, err = parseWhen(f.name, f.v); err != nil {
			return d, err
		}
	}
	return d, nil
}

// fromAlertsRequest is the body of POST /api/v1/incidents/from-alerts.
type fromAlertsRequest struct {
	AlertIDs     []string `json:"alert_ids"`
	DiscoveredAt string   `json:"discovered_at"` // optional: when the earliest alert was raised
	Title        string   `json:"title"`         // optional: one naming the alerts' rules
}

// openIncidentFromAlerts opens an incident from alerts, takes their
// evidence's users, window and patients and escalates them, in one go.
func (h *Handler) openIncidentFromAlerts(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	var req fromAlertsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	at, err := parseWhen("discovered_at", req.DiscoveredAt)
	if err != nil {
		return err
	}
	f := incidents.FromAlerts{AlertIDs: req.AlertIDs, Title: req.Title, DiscoveredAt: at}
	in, err := svc.OpenFromAlerts(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, in)
	return nil
}

func (h *Handler) listIncidents(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	l, err := svc.List(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": l})
	return nil
}

func (h *Handler) openIncident(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	d, err := decodeIncidentDraft(r)
	if err != nil {
		return err
	}
	in, err := svc.Open(r.Context(), p, d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, in)
	return nil
}

func (h *Handler) getIncident(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	in, err := svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (h *Handler) updateIncident(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	d, err := decodeIncidentDraft(r)
	if err != nil {
		return err
	}
	in, err := svc.Update(r.Context(), p, r.PathValue("id"), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (h *Handler) assessIncident(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	var a incidents.Assessment
	if err := decode(r, &a); err != nil {
		return err
	}
	in, err := svc.Assess(r.Context(), p, r.PathValue("id"), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (h *Handler) computeIncidentPatients(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	ps, err := svc.Compute(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"patients": ps})
	return nil
}

// incidentPatientRequest adds a patient (or sets their state) or removes
// one, with a reason.
type incidentPatientRequest struct {
	PatientID string `json:"patient_id"`
	State     string `json:"state"`
	Reason    string `json:"reason"`
}

func (h *Handler) addIncidentPatient(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	var req incidentPatientRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a, err := svc.EditPatient(r.Context(), p, r.PathValue("id"), incidents.PatientEdit{PatientID: req.PatientID, State: req.State, Reason: req.Reason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// removeRequest is the body of a removal: the reason.
type removeRequest struct {
	Reason string `json:"reason"`
}

func (h *Handler) removeIncidentPatient(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	var req removeRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a, err := svc.EditPatient(r.Context(), p, r.PathValue("id"), incidents.PatientEdit{PatientID: r.PathValue("patient_id"), Reason: req.Reason, Remove: true})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) incidentLetter(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	pdf, err := svc.Letter(r.Context(), p, r.PathValue("id"), r.PathValue("patient_id"))
	if err != nil {
		return err
	}
	writeFile(w, "application/pdf", "breach-notice.pdf", pdf)
	return nil
}

// exportFormat reads ?format=json|csv (json by default).
func exportFormat(r *http.Request) (string, error) {
	f := r.URL.Query().Get("format")
	switch f {
	case "":
		return "json", nil
	case "json", "csv":
		return f, nil
	}
	return "", ward.Errorf(ward.CodeInvalid, "format must be json or csv")
}

func (h *Handler) incidentHHS(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	format, err := exportFormat(r)
	if err != nil {
		return err
	}
	pt, err := svc.Export(r.Context(), p, r.PathValue("id"), format)
	if err != nil {
		return err
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, pt)
		return nil
	}
	var b bytes.Buffer
	if err := incidents.WriteCSV(&b, []incidents.Portal{pt}); err != nil {
		return err
	}
	writeFile(w, "text/csv; charset=utf-8", "hhs-breach-report.csv", b.Bytes())
	return nil
}

func (h *Handler) incidentAnnualLog(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	format, err := exportFormat(r)
	if err != nil {
		return err
	}
	ys := r.URL.Query().Get("year")
	year := time.Now().UTC().Year() - 1
	if ys != "" {
		if year, err = strconv.Atoi(ys); err != nil || len(ys) != 4 {
			return ward.Errorf(ward.CodeInvalid, "year must be a four-digit year")
		}
	}
	log, due, err := svc.AnnualLog(r.Context(), p, year)
	if err != nil {
		return err
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, map[string]any{"year": year, "due": due, "breaches": log})
		return nil
	}
	ps := make([]incidents.Portal, len(log))
	for i, e := range log {
		ps[i] = e.Portal
	}
	var b bytes.Buffer
	if err := incidents.WriteCSV(&b, ps); err != nil {
		return err
	}
	writeFile(w, "text/csv; charset=utf-8", "hhs-annual-log-"+strconv.Itoa(year)+".csv", b.Bytes())
	return nil
}

func (h *Handler) closeIncident(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *incidents.Service) error {
	in, err := svc.Close(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

// writeFile answers a generated file as a download, never cached.
func writeFile(w http.ResponseWriter, contentType, name string, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("Content-Disposition", contentDisposition("attachment", strings.TrimSpace(name)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
