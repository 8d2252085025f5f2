package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/holds"
)

// holdRoutes are legal hold and the retention overview (docs/retention.md):
// compliance places, changes and releases holds; the owner reads them;
// owners, admins and compliance see the retention overview.
func (h *Handler) holdRoutes() {
	h.route("GET /api/v1/holds", authz.HoldRead, h.listHolds)
	h.route("POST /api/v1/holds", authz.HoldManage, h.placeHold)
	h.route("GET /api/v1/holds/{id}", authz.HoldRead, h.getHold)
	h.route("PUT /api/v1/holds/{id}", authz.HoldManage, h.changeHold)
	h.route("POST /api/v1/holds/{id}/release", authz.HoldManage, h.releaseHold)
	h.route("GET /api/v1/retention", authz.RetentionRead, h.retentionOverview)
}

func (h *Handler) holdService() (*holds.Service, error) {
	if h.holds == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "legal holds are not available")
	}
	return h.holds, nil
}

// holdRequest is the body of POST and PUT /api/v1/holds: the matter and
// the scope (at least one of the ids or times).
type holdRequest struct {
	Matter         string    `json:"matter"`
	UserID         string    `json:"user_id"`
	PatientID      string    `json:"patient_id"`
	ConversationID string    `json:"conversation_id"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
}

func (q holdRequest) hold() ward.LegalHold {
	return ward.LegalHold{Matter: q.Matter, UserID: q.UserID, PatientID: q.PatientID, ConversationID: q.ConversationID,
		From: q.From, To: q.To}
}

func (h *Handler) listHolds(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.holdService()
	if err != nil {
		return err
	}
	hs, err := svc.List(r.Context(), p)
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []ward.LegalHold{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"holds": hs})
	return nil
}

func (h *Handler) placeHold(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.holdService()
	if err != nil {
		return err
	}
	var req holdRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	hold, err := svc.Place(r.Context(), p, req.hold())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, hold)
	return nil
}

func (h *Handler) getHold(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.holdService()
	if err != nil {
		return err
	}
	hold, err := svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hold)
	return nil
}

func (h *Handler) changeHold(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.holdService()
	if err != nil {
		return err
	}
	var req holdRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	hold, err := svc.Change(r.Context(), p, r.PathValue("id"), req.hold())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hold)
	return nil
}

func (h *Handler) releaseHold(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.holdService()
	if err != nil {
		return err
	}
	hold, err := svc.Release(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hold)
	return nil
}

func (h *Handler) retentionOverview(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.holdService()
	if err != nil {
		return err
	}
	o, err := svc.Overview(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}
