package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/patients"
)

// patientRoutes registers patient records (internal/patients).
func (h *Handler) patientRoutes() {
	h.route("POST /api/v1/patients", authz.PatientCreate, h.createPatient)
	h.route("GET /api/v1/patients", authz.PatientRead, h.findPatients)
	h.route("GET /api/v1/patients/{id}", authz.PatientRead, h.getPatient)
	h.route("PATCH /api/v1/patients/{id}", authz.PatientUpdate, h.updatePatient)
	h.route("POST /api/v1/patients/{id}/deactivate", authz.PatientDeactivate, h.deactivatePatient)
	h.route("POST /api/v1/patients/{id}/merge", authz.PatientUpdate, h.mergePatient)
	h.route("POST /api/v1/patients/{id}/unmerge", authz.PatientUpdate, h.unmergePatient)
	h.route("GET /api/v1/patients/{id}/conversations", authz.PatientRead, h.patientConversations)
	h.route("PUT /api/v1/teams/{id}/patients/{patient_id}", authz.TeamAssignPatient, h.assignPatient)
	h.route("DELETE /api/v1/teams/{id}/patients/{patient_id}", authz.TeamAssignPatient, h.unassignPatient)
}

type patientView struct {
	ID string `json:"id"`
	patients.Fields
	Status  patients.Status `json:"status"`
	Erased  bool            `json:"erased,omitempty"`   // the data key was shredded: no fields
	TeamIDs []string        `json:"team_ids,omitempty"` // the care teams it is assigned to (reads only)
	// HasAccount: the record's patient has a ward account (an accepted invitation).
	HasAccount bool `json:"has_account"`
	// AccountUserID names that account (an id, no PHI), so a thread can name
	// the patient's messages.
	AccountUserID string    `json:"account_user_id,omitempty"`
	MergedInto    string    `json:"merged_into,omitempty"` // the record this duplicate was merged into
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func viewPatient(r patients.Record) patientView {
	return patientView{ID: r.ID, Fields: r.Fields, Status: r.Status, Erased: r.Erased, TeamIDs: r.Teams, HasAccount: r.HasAccount, AccountUserID: r.AccountUserID,
		MergedInto: r.MergedInto, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (h *Handler) patientService() (*patients.Service, error) {
	if h.patients == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "patient records are not available")
	}
	return h.patients, nil
}

func (h *Handler) createPatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	var req patients.Fields
	if err := decode(r, &req); err != nil {
		return err
	}
	rec, err := svc.Create(r.Context(), p, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/patients/"+rec.ID)
	writeJSON(w, http.StatusCreated, viewPatient(rec))
	return nil
}

// findPatients looks records up by ?mrn=, or by ?birth_date=&family_name=;
// with neither it lists the caller's care teams' patients (?limit=&after=).
func (h *Handler) findPatients(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if !q.Has("mrn") && !q.Has("birth_date") && !q.Has("family_name") {
		return h.teamPatients(w, r, p, svc)
	}
	for k, v := range q {
		if (k != "mrn" && k != "birth_date" && k != "family_name") || len(v) != 1 {
			return ward.Errorf(ward.CodeInvalid, "look a patient up by ?mrn= or by ?birth_date=&family_name=, each once")
		}
	}
	var recs []patients.Record
	switch {
	case q.Has("mrn") && !q.Has("birth_date") && !q.Has("family_name"):
		recs, err = svc.FindByMRN(r.Context(), p, q.Get("mrn"))
	case !q.Has("mrn") && q.Has("birth_date") && q.Has("family_name"):
		recs, err = svc.FindByBirthDateAndName(r.Context(), p, q.Get("birth_date"), q.Get("family_name"))
	default:
		return ward.Errorf(ward.CodeInvalid, "look a patient up by ?mrn= or by ?birth_date=&family_name=")
	}
	if err != nil {
		return err
	}
	out := make([]patientView, len(recs))
	for i, rec := range recs {
		out[i] = viewPatient(rec)
	}
	writeJSON(w, http.StatusOK, map[string]any{"patients": out})
	return nil
}

func (h *Handler) getPatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	rec, err := svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewPatient(rec))
	return nil
}

func (h *Handler) updatePatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	var req struct {
		MRN               *string `json:"mrn"`
		GivenName         *string `json:"given_name"`
		FamilyName        *string `json:"family_name"`
		BirthDate         *string `json:"birth_date"`
		Sex               *string `json:"sex"`
		Phone             *string `json:"phone"`
		Email             *string `json:"email"`
		PreferredLanguage *string `json:"preferred_language"`
		Guardian          *string `json:"guardian"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	rec, err := svc.Update(r.Context(), p, r.PathValue("id"), patients.Edit{MRN: req.MRN, GivenName: req.GivenName,
		FamilyName: req.FamilyName, BirthDate: req.BirthDate, Sex: req.Sex, Phone: req.Phone, Email: req.Email,
		PreferredLanguage: req.PreferredLanguage, Guardian: req.Guardian})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewPatient(rec))
	return nil
}

// deactivatePatient answers no PHI: admins may deactivate a record by id.
func (h *Handler) deactivatePatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := svc.Deactivate(r.Context(), p, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "status": string(patients.Deactivated)})
	return nil
}

// mergeState is the answer of merge and unmerge: no fields (no PHI read).
type mergeState struct {
	ID         string          `json:"id"`
	Status     patients.Status `json:"status"`
	MergedInto string          `json:"merged_into"`
}

func (h *Handler) mergePatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	var req struct {
		Into string `json:"into"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	rec, err := svc.Merge(r.Context(), p, r.PathValue("id"), req.Into)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mergeState{ID: rec.ID, Status: rec.Status, MergedInto: rec.MergedInto})
	return nil
}

func (h *Handler) unmergePatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	rec, err := svc.Unmerge(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mergeState{ID: rec.ID, Status: rec.Status})
	return nil
}

// teamPatients lists the caller's care teams' patients, a page at a time.
func (h *Handler) teamPatients(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *patients.Service) error {
	q := r.URL.Query()
	limit := 50
	for k, v := range q {
		if (k != "limit" && k != "after") || len(v) != 1 {
			return ward.Errorf(ward.CodeInvalid, "list your care teams' patients with ?limit=&after=, each at most once")
		}
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil {
			return ward.Errorf(ward.CodeInvalid, "limit must be a number from 1 to %d", patients.MaxPage)
		}
		limit = n
	}
	recs, next, err := svc.TeamPatients(r.Context(), p, q.Get("after"), limit)
	if err != nil {
		return err
	}
	out := make([]patientView, len(recs))
	for i, rec := range recs {
		out[i] = viewPatient(rec)
	}
	body := map[string]any{"patients": out}
	if next != "" {
		body["next"] = next
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// assignPatient assigns a record to a care team: ids only, no PHI.
func (h *Handler) assignPatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	if err := svc.AssignToTeam(r.Context(), p, r.PathValue("id"), r.PathValue("patient_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) unassignPatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.patientService()
	if err != nil {
		return err
	}
	if err := svc.UnassignFromTeam(r.Context(), p, r.PathValue("id"), r.PathValue("patient_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patientConversations lists the conversations about a patient that the
// caller is in (internal/app: conversations are its business).
func (h *Handler) patientConversations(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	list, err := h.app.PatientConversations(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]conversationView, len(list))
	for i, s := range list {
		out[i] = viewConversation(s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": out})
	return nil
}
