package httpapi

import (
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/monitor"
)

// alertRoutes are activity monitoring's alerts (docs/compliance.md,
// "Activity monitoring"): compliance officers only, as alerts name users
// and patient ids.
func (h *Handler) alertRoutes() {
	h.route("GET /api/v1/compliance/alerts", authz.AlertManage, withService(h.monitorService, h.listAlerts))
	h.route("GET /api/v1/compliance/alerts/counts", authz.AlertManage, withService(h.monitorService, h.alertCounts))
	h.route("GET /api/v1/compliance/alerts/{id}", authz.AlertManage, withService(h.monitorService, h.getAlert))
	h.route("POST /api/v1/compliance/alerts/{id}/acknowledge", authz.AlertManage, withService(h.monitorService, h.acknowledgeAlert))
	h.route("POST /api/v1/compliance/alerts/{id}/dismiss", authz.AlertManage, withService(h.monitorService, h.dismissAlert))
	h.route("POST /api/v1/compliance/alerts/{id}/escalate", authz.AlertManage, withService(h.monitorService, h.escalateAlert))
}

func (h *Handler) monitorService() (*monitor.Monitor, error) {
	if h.monitor == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "activity monitoring is not available")
	}
	return h.monitor, nil
}

func (h *Handler) listAlerts(w http.ResponseWriter, r *http.Request, p *app.Principal, m *monitor.Monitor) error {
	before, err := queryBefore(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	as, err := m.List(r.Context(), p, monitor.Filter{Status: q.Get("status"), Severity: q.Get("severity"), Before: before})
	if err != nil {
		return err
	}
	if as == nil {
		as = []monitor.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": as})
	return nil
}

func (h *Handler) alertCounts(w http.ResponseWriter, r *http.Request, p *app.Principal, m *monitor.Monitor) error {
	c, err := m.Counts(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) getAlert(w http.ResponseWriter, r *http.Request, p *app.Principal, m *monitor.Monitor) error {
	a, err := m.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) acknowledgeAlert(w http.ResponseWriter, r *http.Request, p *app.Principal, m *monitor.Monitor) error {
	a, err := m.Acknowledge(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// dismissRequest dismisses an alert with a reason (required).
type dismissRequest struct {
	Reason string `json:"reason"`
}

func (h *Handler) dismissAlert(w http.ResponseWriter, r *http.Request, p *app.Principal, m *monitor.Monitor) error {
	var req dismissRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a, err := m.Dismiss(r.Context(), p, r.PathValue("id"), req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// escalateRequest escalates an alert to a breach incident.
type escalateRequest struct {
	IncidentID string `json:"incident_id"`
}

func (h *Handler) escalateAlert(w http.ResponseWriter, r *http.Request, p *app.Principal, m *monitor.Monitor) error {
	var req escalateRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a, err := m.Escalate(r.Context(), p, r.PathValue("id"), req.IncidentID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
