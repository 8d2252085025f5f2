package httpapi

import (
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/baa"
)

// baaRoutes are the business associate agreement registry (internal/baa):
// owners, admins and compliance officers.
func (h *Handler) baaRoutes() {
	h.route("GET /api/v1/baas", authz.BAAManage, withService(h.baaService, h.listBAAs))
	h.route("POST /api/v1/baas", authz.BAAManage, withService(h.baaService, h.createBAA))
	h.route("GET /api/v1/baas/dashboard", authz.BAAManage, withService(h.baaService, h.baaDashboard))
	h.route("GET /api/v1/baas/{id}", authz.BAAManage, withService(h.baaService, h.getBAA))
	h.route("PUT /api/v1/baas/{id}", authz.BAAManage, withService(h.baaService, h.updateBAA))
	h.route("PUT /api/v1/baas/{id}/document", authz.BAAManage, withService(h.baaService, h.putBAADocument))
	h.route("GET /api/v1/baas/{id}/document", authz.BAAManage, withService(h.baaService, h.getBAADocument))
}

func (h *Handler) baaService() (*baa.Service, error) {
	if h.baas == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "the BAA registry is not available")
	}
	return h.baas, nil
}

// baaRequest is the body of POST and PUT /api/v1/baas; dates are RFC 3339
// times or YYYY-MM-DD days.
type baaRequest struct {
	Vendor    string `json:"vendor"`
	Service   string `json:"service"`
	PHI       string `json:"phi"`
	Status    string `json:"status"`
	SignedAt  string `json:"signed_at"`
	ExpiresAt string `json:"expires_at"`
}

// decodeBAADraft reads a baaRequest body as a draft.
func decodeBAADraft(r *http.Request) (baa.Draft, error) {
	var q baaRequest
	if err := decode(r, &q); err != nil {
		return baa.Draft{}, err
	}
	return q.draft()
}

func (q baaRequest) draft() (baa.Draft, error) {
	d := baa.Draft{Vendor: q.Vendor, Service: q.Service, PHI: q.PHI, Status: q.Status}
	var err error
	if d.SignedAt, err = parseWhen("signed_at", q.SignedAt); err != nil {
		return d, err
	}
	d.ExpiresAt, err = parseWhen("expires_at", q.ExpiresAt)
	return d, err
}

func (h *Handler) listBAAs(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *baa.Service) error {
	l, err := svc.List(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"baas": l})
	return nil
}

func (h *Handler) createBAA(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *baa.Service) error {
	d, err := decodeBAADraft(r)
	if err != nil {
		return err
	}
	a, err := svc.Create(r.Context(), p, d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (h *Handler) baaDashboard(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *baa.Service) error {
	c, err := svc.Dashboard(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) getBAA(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *baa.Service) error {
	a, err := svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) updateBAA(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *baa.Service) error {
	d, err := decodeBAADraft(r)
	if err != nil {
		return err
	}
	a, err := svc.Update(r.Context(), p, r.PathValue("id"), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// putBAADocument stores the raw request body as the agreement's document;
// its name comes as X-Filename or ?name=, as an attachment's.
func (h *Handler) putBAADocument(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *baa.Service) error {
	name, err := uploadName(r)
	if err != nil {
		return err
	}
	const limit = baa.MaxDocumentSize
	if r.ContentLength > limit {
		return errTooLarge(limit)
	}
	a, err := svc.PutDocument(r.Context(), p, r.PathValue("id"), baa.Upload{Name: name,
		Body: &uploadBody{r: http.MaxBytesReader(w, r.Body, limit+1), limit: limit}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) getBAADocument(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *baa.Service) error {
	d, body, err := svc.OpenDocument(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.serveAttachment(w, r, ward.Attachment{Name: d.Name, ContentType: d.ContentType, Size: d.Size}, body, false)
}
