package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/oncall"
)

// oncallRoutes are the on-call routes (docs/oncall.md): the workforce sees
// roles and who is on call, owners and admins build the schedules,
// clinicians and staff page a role. Patients and guests see none of it.
func (h *Handler) oncallRoutes() {
	h.route("GET /api/v1/oncall/now", authz.OnCallList, h.onCallNow)
	h.route("GET /api/v1/oncall/roles", authz.OnCallList, h.listOnCallRoles)
	h.route("POST /api/v1/oncall/roles", authz.OnCallManage, h.createOnCallRole)
	h.route("GET /api/v1/oncall/roles/{id}", authz.OnCallList, h.getOnCallRole)
	h.route("PATCH /api/v1/oncall/roles/{id}", authz.OnCallManage, h.renameOnCallRole)
	h.route("DELETE /api/v1/oncall/roles/{id}", authz.OnCallManage, h.deleteOnCallRole)
	h.route("PUT /api/v1/oncall/roles/{id}/schedule", authz.OnCallManage, h.setOnCallSchedule)
	h.route("POST /api/v1/oncall/roles/{id}/overrides", authz.OnCallManage, h.addOnCallOverride)
	h.route("DELETE /api/v1/oncall/roles/{id}/overrides/{override_id}", authz.OnCallManage, h.removeOnCallOverride)
	h.route("POST /api/v1/oncall/roles/{id}/swaps", authz.OnCallManage, h.addOnCallSwap)
	h.route("DELETE /api/v1/oncall/roles/{id}/swaps/{swap_id}", authz.OnCallManage, h.removeOnCallSwap)
	h.route("GET /api/v1/oncall/roles/{id}/now", authz.OnCallList, h.onCallRoleNow)
	h.route("GET /api/v1/oncall/roles/{id}/shifts", authz.OnCallList, h.onCallShifts)
	h.route("POST /api/v1/oncall/roles/{id}/page", authz.OnCallAddress, h.pageOnCallRole)
	h.route("PUT /api/v1/oncall/roles/{id}/chain", authz.OnCallManage, h.setOnCallChain)
	h.route("GET /api/v1/messages/{id}/page", authz.OnCallAddress, h.getPage)
	h.route("GET /api/v1/conversations/{id}/on-call", authz.OnCallList, h.conversationOnCall)
	h.route("GET /api/v1/oncall/stats", authz.StatsRead, h.onCallStats)
}

func (h *Handler) onCallService() (*oncall.Service, error) {
	if h.oncall == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "on-call roles are not available")
	}
	return h.oncall, nil
}

type rotationView struct {
	Kind     ward.RotationKind `json:"kind"`
	Days     int               `json:"days,omitempty"`
	HandOver string            `json:"hand_over"`
	TimeZone string            `json:"time_zone"`
	Start    string            `json:"start"`
	End      string            `json:"end,omitempty"`
	People   []string          `json:"people"`
}

type overrideView struct {
	ID     string    `json:"id,omitempty"`
	UserID string    `json:"user_id"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

type swapView struct {
	ID string    `json:"id,omitempty"`
	A  time.Time `json:"a"`
	B  time.Time `json:"b"`
}

type scheduleView struct {
	Rotation  rotationView   `json:"rotation"`
	Overrides []overrideView `json:"overrides"`
	Swaps     []swapView     `json:"swaps"`
}

func (v scheduleView) schedule() ward.Schedule {
	r := v.Rotation
	s := ward.Schedule{Rotation: ward.Rotation{Kind: r.Kind, Days: r.Days, HandOver: r.HandOver, TimeZone: r.TimeZone,
		Start: r.Start, End: r.End, People: r.People}}
	for _, o := range v.Overrides {
		s.Overrides = append(s.Overrides, ward.Override{ID: o.ID, UserID: o.UserID, From: o.From, To: o.To})
	}
	for _, w := range v.Swaps {
		s.Swaps = append(s.Swaps, ward.Swap{ID: w.ID, A: w.A, B: w.B})
	}
	return s
}

type chainView struct {
	SecondaryID string `json:"secondary_id"` // "" for none
	LeadID      string `json:"lead_id"`      // "" for none
}

type onCallRoleView struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Version   int64        `json:"version"`
	Schedule  scheduleView `json:"schedule"`
	Chain     chainView    `json:"chain"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

func viewOnCallRole(r ward.OnCallRole) onCallRoleView {
	s := r.Schedule
	ro := s.Rotation
	v := onCallRoleView{ID: r.ID, Name: r.Name, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Chain: chainView{SecondaryID: r.Chain.SecondaryID, LeadID: r.Chain.LeadID},
		Schedule: scheduleView{Rotation: rotationView{Kind: ro.Kind, Days: ro.Days, HandOver: ro.HandOver, TimeZone: ro.TimeZone,
			Start: ro.Start, End: ro.End, People: ro.People}, Overrides: []overrideView{}, Swaps: []swapView{}}}
	if v.Schedule.Rotation.People == nil {
		v.Schedule.Rotation.People = []string{}
	}
	for _, o := range s.Overrides {
		v.Schedule.Overrides = append(v.Schedule.Overrides, overrideView{ID: o.ID, UserID: o.UserID, From: o.From, To: o.To})
	}
	for _, w := range s.Swaps {
		v.Schedule.Swaps = append(v.Schedule.Swaps, swapView{ID: w.ID, A: w.A, B: w.B})
	}
	return v
}

type onCallView struct {
	RoleID   string     `json:"role_id"`
	RoleName string     `json:"role_name"`
	UserID   string     `json:"user_id"`        // "" when no one is on call
	UserName string     `json:"user_name"`      // the person's directory name
	Label    string     `json:"label"`          // "Cardiology on call (Dr Shah)"
	Source   string     `json:"source"`         // rotation, swap, override, or "" when no one
	From     *time.Time `json:"from"`           // null: since the schedule has no earlier shift
	Until    *time.Time `json:"until"`          // null: for ever
	Step     string     `json:"step,omitempty"` // a page: primary, or lead when no one is on call
	Why      string     `json:"why,omitempty"`  // why a page went to the lead
}

func viewOnCall(o oncall.OnCall) onCallView {
	return onCallView{RoleID: o.RoleID, RoleName: o.RoleName, UserID: o.UserID, UserName: o.UserName, Label: o.Label(),
		Source: o.Source, From: optTime(o.From), Until: optTime(o.Until), Step: o.Step, Why: o.Why}
}

func viewOnCalls(os []oncall.OnCall) []onCallView {
	out := make([]onCallView, len(os))
	for i, o := range os {
		out[i] = viewOnCall(o)
	}
	return out
}

func (h *Handler) onCallNow(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	now, err := svc.Now(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"on_call": viewOnCalls(now)})
	return nil
}

func (h *Handler) listOnCallRoles(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	rs, err := svc.Roles(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]onCallRoleView, len(rs))
	for i, role := range rs {
		out[i] = viewOnCallRole(role)
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": out})
	return nil
}

func (h *Handler) createOnCallRole(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	var req struct {
		Name     string       `json:"name"`
		Schedule scheduleView `json:"schedule"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	role, err := svc.Create(r.Context(), p, req.Name, req.Schedule.schedule())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewOnCallRole(role))
	return nil
}

func (h *Handler) getOnCallRole(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	role, err := svc.Role(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOnCallRole(role))
	return nil
}

func (h *Handler) renameOnCallRole(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	role, err := svc.Rename(r.Context(), p, r.PathValue("id"), req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOnCallRole(role))
	return nil
}

func (h *Handler) deleteOnCallRole(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) setOnCallSchedule(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	var req scheduleView
	if err := decode(r, &req); err != nil {
		return err
	}
	role, err := svc.SetSchedule(r.Context(), p, r.PathValue("id"), req.schedule())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOnCallRole(role))
	return nil
}

func (h *Handler) addOnCallOverride(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	var req struct {
		UserID string    `json:"user_id"`
		From   time.Time `json:"from"`
		To     time.Time `json:"to"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	role, o, err := svc.AddOverride(r.Context(), p, r.PathValue("id"), ward.Override{UserID: req.UserID, From: req.From, To: req.To})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"override": overrideView{ID: o.ID, UserID: o.UserID, From: o.From, To: o.To},
		"role": viewOnCallRole(role)})
	return nil
}

func (h *Handler) removeOnCallOverride(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	role, err := svc.RemoveOverride(r.Context(), p, r.PathValue("id"), r.PathValue("override_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOnCallRole(role))
	return nil
}

func (h *Handler) addOnCallSwap(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	var req swapView
	if err := decode(r, &req); err != nil {
		return err
	}
	role, sw, err := svc.AddSwap(r.Context(), p, r.PathValue("id"), ward.Swap{A: req.A, B: req.B})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"swap": swapView{ID: sw.ID, A: sw.A, B: sw.B}, "role": viewOnCallRole(role)})
	return nil
}

func (h *Handler) removeOnCallSwap(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	role, err := svc.RemoveSwap(r.Context(), p, r.PathValue("id"), r.PathValue("swap_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOnCallRole(role))
	return nil
}

// rfc3339Query reads an RFC 3339 time from the query; def when absent.
func rfc3339Query(r *http.Request, name string, def time.Time) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, ward.Errorf(ward.CodeInvalid, "%s must be an RFC 3339 time such as 2026-03-08T12:00:00Z", name)
	}
	return t, nil
}

func (h *Handler) onCallRoleNow(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	t, err := rfc3339Query(r, "at", time.Time{}) // zero: now
	if err != nil {
		return err
	}
	o, err := svc.At(r.Context(), p, r.PathValue("id"), t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOnCall(o))
	return nil
}

func (h *Handler) onCallShifts(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	from, err := rfc3339Query(r, "from", time.Time{})
	if err != nil {
		return err
	}
	to, err := rfc3339Query(r, "to", time.Time{})
	if err != nil {
		return err
	}
	if from.IsZero() || to.IsZero() {
		return ward.Errorf(ward.CodeInvalid, "from and to are required RFC 3339 times")
	}
	shifts, err := svc.Shifts(r.Context(), p, r.PathValue("id"), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"shifts": viewOnCalls(shifts)})
	return nil
}

// pageOnCallRole sends a message (urgent unless told otherwise) to whoever
// is on call for a role now, in the direct conversation with them.
func (h *Handler) pageOnCallRole(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	var req struct {
		ClientID string        `json:"client_id"`
		Body     string        `json:"body"`
		Priority ward.Priority `json:"priority"` // "" is urgent
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Priority == "" {
		req.Priority = ward.Urgent
	}
	// A message that would be refused opens no conversation either.
	if err := (ward.Message{ClientID: req.ClientID, Body: req.Body, Priority: req.Priority}).Validate(); err != nil {
		return err
	}
	urgent := req.Priority == ward.Urgent
	resolve := svc.Resolve
	if urgent { // with no one on call, an urgent page goes to the role's lead
		resolve = svc.ResolvePage
	}
	o, err := resolve(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, _, err := h.app.CreateConversation(r.Context(), p, app.NewConversation{Kind: ward.Direct, Members: []string{o.UserID}})
	if err != nil {
		return err
	}
	m, created, err := h.app.SendMessage(r.Context(), p, c.ID, app.SendRequest{ClientID: req.ClientID, Body: req.Body,
		Priority: req.Priority, Chained: urgent})
	if err != nil {
		return err
	}
	status := http.StatusOK // a retry: the message sent the first time, recorded then
	if created {
		record := svc.Record
		if urgent {
			record = svc.Paged
		}
		if err := record(r.Context(), p, o, c.ID, m.ID); err != nil {
			return err
		}
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"conversation_id": c.ID, "message": viewMessage(m), "on_call": viewOnCall(o)})
	return nil
}

// conversationWithRole starts (or opens) the direct conversation with
// whoever is on call for a role now: POST /api/v1/conversations with
// role_id.
func (h *Handler) conversationWithRole(r *http.Request, p *app.Principal, roleID string) (ward.Conversation, bool, *onCallView, error) {
	svc, err := h.onCallService()
	if err != nil {
		return ward.Conversation{}, false, nil, err
	}
	o, err := svc.Resolve(r.Context(), p, roleID)
	if err != nil {
		return ward.Conversation{}, false, nil, err
	}
	c, created, err := h.app.CreateConversation(r.Context(), p, app.NewConversation{Kind: ward.Direct, Members: []string{o.UserID}})
	if err != nil {
		return c, created, nil, err
	}
	if err := svc.Record(r.Context(), p, o, c.ID, ""); err != nil {
		return c, created, nil, err
	}
	v := viewOnCall(o)
	return c, created, &v, nil
}

// setOnCallChain sets a role's escalation chain: PUT
// /api/v1/oncall/roles/{id}/chain {secondary_id, lead_id}.
func (h *Handler) setOnCallChain(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	var req chainView
	if err := decode(r, &req); err != nil {
		return err
	}
	role, err := svc.SetChain(r.Context(), p, r.PathValue("id"), ward.EscalationChain{SecondaryID: req.SecondaryID, LeadID: req.LeadID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOnCallRole(role))
	return nil
}

type pageStepView struct {
	Kind     string    `json:"kind"` // paged, escalated, rerouted
	Step     string    `json:"step"`
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	FromID   string    `json:"from_id"` // "" when paged
	FromName string    `json:"from_name"`
	At       time.Time `json:"at"`
}

type pageView struct {
	MessageID      string         `json:"message_id"`
	ConversationID string         `json:"conversation_id"`
	RoleID         string         `json:"role_id"`
	RoleName       string         `json:"role_name"`
	SenderID       string         `json:"sender_id"`
	Step           string         `json:"step"` // primary, secondary, lead
	HolderID       string         `json:"holder_id"`
	HolderName     string         `json:"holder_name"`
	Since          time.Time      `json:"since"`
	NextStepAt     *time.Time     `json:"next_step_at"` // null: it escalates no further
	HandOverAt     *time.Time     `json:"hand_over_at"` // null: no hand-over ahead
	Done           bool           `json:"done"`         // acknowledged, recalled or purged: the chain stopped
	AckedBy        string         `json:"acked_by"`     // "" until acknowledged
	AckedByName    string         `json:"acked_by_name"`
	AckedAt        *time.Time     `json:"acked_at"`
	SentAt         time.Time      `json:"sent_at"`
	Steps          []pageStepView `json:"steps"`
}

// getPage says where the page of a message is: GET
// /api/v1/messages/{id}/page, for members of its conversation.
func (h *Handler) getPage(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	pg, err := svc.Page(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := pageView{MessageID: pg.MessageID, ConversationID: pg.ConversationID, RoleID: pg.RoleID, RoleName: pg.RoleName,
		SenderID: pg.SenderID, Step: pg.Step, HolderID: pg.HolderID, HolderName: pg.HolderName, Since: pg.Since,
		Done: !pg.AckedAt.IsZero() || pg.Gone || !pg.DoneAt.IsZero(), AckedBy: pg.AckedBy, AckedByName: pg.AckedByName,
		AckedAt: optTime(pg.AckedAt), SentAt: pg.CreatedAt, Steps: make([]pageStepView, len(pg.Steps))}
	if !v.Done {
		v.NextStepAt, v.HandOverAt = optTime(pg.NextAt), optTime(pg.HandOverAt)
	}
	for i, st := range pg.Steps {
		v.Steps[i] = pageStepView{Kind: st.Kind, Step: st.Step, UserID: st.UserID, UserName: st.UserName, FromID: st.FromID,
			FromName: st.FromName, At: st.At}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

type onCallDayView struct {
	Day          string `json:"day"` // YYYY-MM-DD, UTC
	Pages        int64  `json:"pages"`
	Acknowledged int64  `json:"acknowledged"`
	AckP50S      int64  `json:"ack_p50_s"` // median seconds to the first acknowledgement; 0 when none
	Escalations  int64  `json:"escalations"`
}

type onCallRoleStatsView struct {
	RoleID string          `json:"role_id"`
	Name   string          `json:"name"`
	Days   []onCallDayView `json:"days"`
}

// onCallStats gives the dashboard's on-call figures per role and day:
// GET /api/v1/oncall/stats?from&to.
func (h *Handler) onCallStats(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rs, first, last, err := svc.Stats(r.Context(), p, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	out := struct {
		From  string                `json:"from"`
		To    string                `json:"to"`
		Roles []onCallRoleStatsView `json:"roles"`
	}{From: first.Format(time.DateOnly), To: last.Format(time.DateOnly), Roles: make([]onCallRoleStatsView, len(rs))}
	for i, rl := range rs {
		out.Roles[i] = onCallRoleStatsView{RoleID: rl.RoleID, Name: rl.Name, Days: make([]onCallDayView, len(rl.Days))}
		for j, d := range rl.Days {
			out.Roles[i].Days[j] = onCallDayView{Day: d.Day.Format(time.DateOnly), Pages: d.Pages, Acknowledged: d.Acknowledged,
				AckP50S: int64(d.AckP50 / time.Second), Escalations: d.Escalations}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type addressedView struct {
	onCallView
	MessageID string    `json:"message_id"` // "" for a conversation started with the role
	At        time.Time `json:"at"`
}

// conversationOnCall lists what was addressed to a role in a conversation,
// with the labels its thread shows: GET
// /api/v1/conversations/{id}/on-call, for members of the conversation.
func (h *Handler) conversationOnCall(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.onCallService()
	if err != nil {
		return err
	}
	list, err := svc.AddressedIn(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]addressedView, len(list))
	for i, a := range list {
		v := viewOnCall(a.OnCall)
		v.Source = ""
		out[i] = addressedView{onCallView: v, MessageID: a.MessageID, At: a.At}
	}
	writeJSON(w, http.StatusOK, map[string]any{"on_call": out})
	return nil
}
