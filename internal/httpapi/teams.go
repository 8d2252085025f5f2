package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/teams"
)

// teamRoutes are the care team routes: the workforce lists teams, owners
// and admins manage them.
func (h *Handler) teamRoutes() {
	h.route("GET /api/v1/teams", authz.TeamList, h.listTeams)
	h.route("POST /api/v1/teams", authz.TeamManage, h.createTeam)
	h.route("PATCH /api/v1/teams/{id}", authz.TeamManage, h.renameTeam)
	h.route("DELETE /api/v1/teams/{id}", authz.TeamManage, h.deleteTeam)
	h.route("PUT /api/v1/teams/{id}/members/{user_id}", authz.TeamManage, h.addTeamMember)
	h.route("DELETE /api/v1/teams/{id}/members/{user_id}", authz.TeamManage, h.removeTeamMember)
}

type teamMemberView struct {
	UserID  string    `json:"user_id"`
	Name    string    `json:"name"`
	Role    ward.Role `json:"role"`
	AddedAt time.Time `json:"added_at"`
}

type teamView struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Members   []teamMemberView `json:"members"`
	CreatedAt time.Time        `json:"created_at"`
}

func viewTeam(t ward.Team) teamView {
	v := teamView{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, Members: make([]teamMemberView, len(t.Members))}
	for i, m := range t.Members {
		v.Members[i] = teamMemberView{UserID: m.UserID, Name: m.Name, Role: m.Role, AddedAt: m.AddedAt}
	}
	return v
}

func (h *Handler) listTeams(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.teamService()
	if err != nil {
		return err
	}
	ts, err := svc.Teams(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]teamView, len(ts))
	for i, t := range ts {
		out[i] = viewTeam(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": out})
	return nil
}

type teamNameRequest struct {
	Name string `json:"name"`
}

func (h *Handler) createTeam(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.teamService()
	if err != nil {
		return err
	}
	var req teamNameRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	t, err := svc.Create(r.Context(), p, req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewTeam(t))
	return nil
}

func (h *Handler) renameTeam(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.teamService()
	if err != nil {
		return err
	}
	var req teamNameRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	t, err := svc.Rename(r.Context(), p, r.PathValue("id"), req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewTeam(t))
	return nil
}

func (h *Handler) deleteTeam(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.teamService()
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) addTeamMember(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.teamService()
	if err != nil {
		return err
	}
	t, err := svc.AddMember(r.Context(), p, r.PathValue("id"), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewTeam(t))
	return nil
}

func (h *Handler) removeTeamMember(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.teamService()
	if err != nil {
		return err
	}
	t, err := svc.RemoveMember(r.Context(), p, r.PathValue("id"), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewTeam(t))
	return nil
}

func (h *Handler) teamService() (*teams.Service, error) {
	if h.teams == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "care teams are not available")
	}
	return h.teams, nil
}
