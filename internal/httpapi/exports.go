package httpapi

import (
	"io"
	"net/http"
	"strconv"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/archive/jobs"
	"github.com/wardhealth/ward/internal/authz"
)

// exportRoutes are archive exports run in the background from the
// compliance console (docs/archive.md): compliance officers only.
func (h *Handler) exportRoutes() {
	h.route("POST /api/v1/compliance/exports", authz.ComplianceExport, h.startExport)
	h.route("GET /api/v1/compliance/exports", authz.ComplianceExport, h.listExports)
	h.route("GET /api/v1/compliance/exports/{id}", authz.ComplianceExport, h.getExport)
	h.route("POST /api/v1/compliance/exports/{id}/cancel", authz.ComplianceExport, h.cancelExport)
	h.route("GET /api/v1/compliance/exports/{id}/file", authz.ComplianceExport, h.downloadExport)
}

func (h *Handler) exportRunner() (*jobs.Runner, error) {
	if h.exports == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "archive exports are not available")
	}
	return h.exports, nil
}

func (h *Handler) startExport(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	x, err := h.exportRunner()
	if err != nil {
		return err
	}
	var req jobs.StartRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	j, err := x.Start(r.Context(), p, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

func (h *Handler) listExports(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	x, err := h.exportRunner()
	if err != nil {
		return err
	}
	js, err := x.List(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"exports": js})
	return nil
}

func (h *Handler) getExport(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	x, err := h.exportRunner()
	if err != nil {
		return err
	}
	j, err := x.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (h *Handler) cancelExport(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	x, err := h.exportRunner()
	if err != nil {
		return err
	}
	j, err := x.Cancel(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (h *Handler) downloadExport(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	x, err := h.exportRunner()
	if err != nil {
		return err
	}
	j, body, err := x.Open(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer body.Close()
	hdr := w.Header()
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("Content-Length", strconv.FormatInt(j.Size, 10))
	hdr.Set("Content-Disposition", contentDisposition("attachment", "ward-archive-"+j.ArchiveID+".age"))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, body) // a client that goes away ends it
	return nil
}
