package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/inbox"
)

// inboxRoutes are the team inbox routes: a patient lists their care teams
// and writes to one's inbox; the team's clinicians and staff list its
// inbox and claim, assign and set the status of its threads.
func (h *Handler) inboxRoutes() {
	h.route("GET /api/v1/inbox/teams", authz.InboxWrite, h.myCareTeams)
	h.route("POST /api/v1/inbox/conversations", authz.InboxWrite, h.startInboxConversation)
	h.route("GET /api/v1/teams/{id}/inbox", authz.InboxRead, h.teamInbox)
	h.route("POST /api/v1/inbox/{id}/claim", authz.InboxManage, h.claimInbox)
	h.route("POST /api/v1/inbox/{id}/assign", authz.InboxManage, h.assignInbox)
	h.route("POST /api/v1/inbox/{id}/status", authz.InboxManage, h.setInboxStatus)
	h.route("GET /api/v1/inbox/stats", authz.StatsRead, h.inboxStats)
}

type inboxThreadView struct {
	ConversationID string     `json:"conversation_id"`
	TeamID         string     `json:"team_id"`
	PatientID      string     `json:"patient_id"`
	Status         string     `json:"status"`
	AssigneeID     string     `json:"assignee_id,omitempty"`
	WaitingSince   *time.Time `json:"waiting_since,omitempty"`
	WaitingSeconds int64      `json:"waiting_seconds"` // 0 when the patient is not waiting
	CreatedAt      time.Time  `json:"created_at"`
}

func viewInboxThread(t inbox.Thread) inboxThreadView {
	return inboxThreadView{ConversationID: t.ConversationID, TeamID: t.TeamID, PatientID: t.PatientID, Status: t.Status,
		AssigneeID: t.AssigneeID, WaitingSince: optTime(t.WaitingSince), WaitingSeconds: int64(t.Waiting / time.Second),
		CreatedAt: t.CreatedAt}
}

func (h *Handler) myCareTeams(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.inboxService()
	if err != nil {
		return err
	}
	ts, err := svc.MyCareTeams(r.Context(), p)
	if err != nil {
		return err
	}
	type teamRef struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	out := make([]teamRef, len(ts))
	for i, t := range ts {
		out[i] = teamRef{ID: t.ID, Name: t.Name}
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": out})
	return nil
}

func (h *Handler) startInboxConversation(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.inboxService()
	if err != nil {
		return err
	}
	var req struct {
		TeamID string `json:"team_id"`
		Body   string `json:"body"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	c, m, err := svc.Start(r.Context(), p, req.TeamID, req.Body)
	if err != nil {
		return err
	}
	out := map[string]any{"conversation": viewConversation(ward.ConversationSummary{Conversation: c})}
	if m != nil {
		out["message"] = viewMessage(*m)
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) teamInbox(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.inboxService()
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 50
	}
	ts, err := svc.List(r.Context(), p, r.PathValue("id"), r.URL.Query().Get("status"), int(min(limit, 1<<20)))
	if err != nil {
		return err
	}
	out := make([]inboxThreadView, len(ts))
	for i, t := range ts {
		out[i] = viewInboxThread(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"threads": out})
	return nil
}

func (h *Handler) claimInbox(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.inboxService()
	if err != nil {
		return err
	}
	t, err := svc.Claim(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewInboxThread(t))
	return nil
}

func (h *Handler) assignInbox(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.inboxService()
	if err != nil {
		return err
	}
	var req struct {
		UserID string `json:"user_id"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	t, err := svc.Assign(r.Context(), p, r.PathValue("id"), req.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewInboxThread(t))
	return nil
}

func (h *Handler) setInboxStatus(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.inboxService()
	if err != nil {
		return err
	}
	var req struct {
		Status string `json:"status"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	t, err := svc.SetStatus(r.Context(), p, r.PathValue("id"), req.Status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewInboxThread(t))
	return nil
}

func (h *Handler) inboxService() (*inbox.Service, error) {
	if h.inbox == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "the team inbox is not available")
	}
	return h.inbox, nil
}

// inboxStatsView is GET /api/v1/inbox/stats: per team, the UTC days that
// have response times, in whole seconds.
type inboxStatsView struct {
	From  string               `json:"from"` // YYYY-MM-DD, UTC, included
	To    string               `json:"to"`
	Teams []inboxTeamStatsView `json:"teams"`
}

type inboxTeamStatsView struct {
	TeamID string         `json:"team_id"`
	Name   string         `json:"name"`
	Days   []inboxDayView `json:"days"`
}

type inboxDayView struct {
	Day               string `json:"day"`
	FirstResponses    int64  `json:"first_response_count"`
	FirstResponseP50S int64  `json:"first_response_p50_s"`
	FirstResponseP90S int64  `json:"first_response_p90_s"`
	Resolutions       int64  `json:"resolution_count"`
	ResolutionP50S    int64  `json:"resolution_p50_s"`
	ResolutionP90S    int64  `json:"resolution_p90_s"`
	Count             int64  `json:"count"` // first responses and resolutions
}

func (h *Handler) inboxStats(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.inboxService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ts, first, last, err := svc.Stats(r.Context(), p, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	out := inboxStatsView{From: first.Format(time.DateOnly), To: last.Format(time.DateOnly)}
	out.Teams = make([]inboxTeamStatsView, len(ts))
	sec := func(d time.Duration) int64 { return int64(d / time.Second) }
	for i, t := range ts {
		out.Teams[i].TeamID, out.Teams[i].Name, out.Teams[i].Days = t.TeamID, t.Name, make([]inboxDayView, len(t.Days))
		for j, d := range t.Days {
			out.Teams[i].Days[j] = inboxDayView{Day: d.Day.Format(time.DateOnly), FirstResponses: d.FirstResponses,
				FirstResponseP50S: sec(d.FirstResponseP50), FirstResponseP90S: sec(d.FirstResponseP90), Resolutions: d.Resolutions,
				ResolutionP50S: sec(d.ResolutionP50), ResolutionP90S: sec(d.ResolutionP90), Count: d.FirstResponses + d.Resolutions}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
