package httpapi

import (
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/replies"
)

// replyRoutes registers saved replies and team hours (internal/replies).
func (h *Handler) replyRoutes() {
	h.route("GET /api/v1/replies", authz.ReplyUse, h.listReplies)
	h.route("POST /api/v1/replies", authz.ReplyUse, h.createReply)
	h.route("PATCH /api/v1/replies/{id}", authz.ReplyUse, h.updateReply)
	h.route("DELETE /api/v1/replies/{id}", authz.ReplyUse, h.deleteReply)
	h.route("POST /api/v1/replies/{id}/render", authz.ReplyUse, h.renderReply)
	h.route("GET /api/v1/teams/{id}/hours", authz.TeamList, h.getTeamHours)
	h.route("PUT /api/v1/teams/{id}/hours", authz.TeamHoursManage, h.putTeamHours)
}

func (h *Handler) replyService() (*replies.Service, error) {
	if h.replies == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "saved replies are not available")
	}
	return h.replies, nil
}

func (h *Handler) listReplies(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.replyService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for k, v := range q {
		if k != "team_id" || len(v) != 1 {
			return ward.Errorf(ward.CodeInvalid, "the only parameter is one team_id")
		}
	}
	rs, err := svc.List(r.Context(), p, q.Get("team_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"replies": rs, "placeholders": replies.Placeholders})
	return nil
}

func (h *Handler) createReply(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.replyService()
	if err != nil {
		return err
	}
	var req replies.NewReply
	if err := decode(r, &req); err != nil {
		return err
	}
	rep, err := svc.Create(r.Context(), p, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rep)
	return nil
}

func (h *Handler) updateReply(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.replyService()
	if err != nil {
		return err
	}
	var req replies.Edit
	if err := decode(r, &req); err != nil {
		return err
	}
	rep, err := svc.Update(r.Context(), p, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (h *Handler) deleteReply(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.replyService()
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) renderReply(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.replyService()
	if err != nil {
		return err
	}
	var req struct {
		PatientID string `json:"patient_id"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	out, err := svc.Render(r.Context(), p, r.PathValue("id"), req.PatientID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getTeamHours(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.replyService()
	if err != nil {
		return err
	}
	out, err := svc.TeamHours(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) putTeamHours(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.replyService()
	if err != nil {
		return err
	}
	var req replies.Hours
	if err := decode(r, &req); err != nil {
		return err
	}
	out, err := svc.SetTeamHours(r.Context(), p, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
