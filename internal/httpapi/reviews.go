package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/store"
)

// reviewRoutes are compliance review and break-glass (docs/compliance.md):
// compliance officers search, review with a reason and judge break-glass
// uses; the org owner sees the log and the counts; clinicians break the
// glass on a patient. Admins get none of it.
func (h *Handler) reviewRoutes() {
	h.route("GET /api/v1/compliance/conversations", authz.ComplianceReview, withService(h.complianceService, h.searchConversations))
	h.route("POST /api/v1/compliance/reviews", authz.ComplianceReview, withService(h.complianceService, h.openReview))
	h.route("GET /api/v1/compliance/reviews", authz.ComplianceLog, withService(h.complianceService, h.listReviews))
	h.route("GET /api/v1/compliance/reviews/{id}", authz.ComplianceReview, withService(h.complianceService, h.getReview))
	h.route("GET /api/v1/compliance/reviews/{id}/messages", authz.ComplianceReview, withService(h.complianceService, h.reviewMessages))
	h.route("GET /api/v1/compliance/reviews/{id}/attachments/{attachment_id}", authz.ComplianceReview, withService(h.complianceService, h.reviewAttachment))
	h.route("GET /api/v1/compliance/reviews/{id}/held", authz.ComplianceReview, withService(h.complianceService, h.reviewHeldCopies))
	h.route("GET /api/v1/compliance/dashboard", authz.ComplianceLog, withService(h.complianceService, h.complianceDashboard))
	h.route("GET /api/v1/compliance/breakglass", authz.BreakGlassReview, withService(h.complianceService, h.breakGlassQueue))
	h.route("POST /api/v1/compliance/breakglass/{id}/verdict", authz.BreakGlassReview, withService(h.complianceService, h.judgeBreakGlass))
	h.route("POST /api/v1/breakglass", authz.BreakGlassOpen, withService(h.complianceService, h.breakGlass))
	h.route("GET /api/v1/breakglass/{id}/conversations", authz.BreakGlassOpen, withService(h.complianceService, h.breakGlassConversations))
	h.route("GET /api/v1/breakglass/{id}/conversations/{conversation_id}/messages", authz.BreakGlassOpen, withService(h.complianceService, h.breakGlassMessages))
	h.route("GET /api/v1/breakglass/{id}/conversations/{conversation_id}/attachments/{attachment_id}", authz.BreakGlassOpen, withService(h.complianceService, h.breakGlassAttachment))
}

func (h *Handler) complianceService() (*compliance.Service, error) {
	if h.compliance == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "compliance review is not available")
	}
	return h.compliance, nil
}

// grantRequest opens a review (conversation_id) or a break-glass (patient_id).
type grantRequest struct {
	ConversationID string              `json:"conversation_id"`
	PatientID      string              `json:"patient_id"`
	Category       ward.ReasonCategory `json:"category"`
	Reason         string              `json:"reason"`
	Minutes        int                 `json:"minutes"` // 0: the policy's time box
}

func (h *Handler) searchConversations(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	q := r.URL.Query()
	f := store.ConversationFilter{ID: q.Get("id"), PatientID: q.Get("patient"), MemberID: q.Get("member")}
	var err error
	for _, s := range []string{f.ID, f.PatientID, f.MemberID} {
		if len(s) > 64 {
			return ward.Errorf(ward.CodeInvalid, "an id is at most 64 characters")
		}
	}
	if f.From, err = queryTime(q, "from", false); err != nil {
		return err
	}
	if f.To, err = queryTime(q, "to", true); err != nil {
		return err
	}
	found, err := svc.Search(r.Context(), p, f)
	if err != nil {
		return err
	}
	if found == nil {
		found = []compliance.Found{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": found})
	return nil
}

func (h *Handler) openReview(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	var req grantRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g, err := svc.OpenReview(r.Context(), p, req.ConversationID, ward.Reason{Category: req.Category, Text: req.Reason}, req.Minutes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

// queryBefore reads the paging cursor "before" (RFC 3339); absent: zero.
func queryBefore(r *http.Request) (time.Time, error) {
	return queryTime(r.URL.Query(), "before", false)
}

func (h *Handler) listReviews(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	before, err := queryBefore(r)
	if err != nil {
		return err
	}
	gs, err := svc.Reviews(r.Context(), p, before)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"reviews": grantsOrEmpty(gs)})
	return nil
}

func grantsOrEmpty(gs []ward.Grant) []ward.Grant {
	if gs == nil {
		return []ward.Grant{}
	}
	return gs
}

func (h *Handler) getReview(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	g, err := svc.Review(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

// pageQuery reads after and limit as GET …/messages does.
func pageQuery(r *http.Request) (after int64, limit int, err error) {
	if after, err = queryInt(r, "after"); err != nil {
		return 0, 0, err
	}
	l, err := queryInt(r, "limit")
	return after, int(min(l, ward.MaxPageSize+1)), err
}

func writeMessages(w http.ResponseWriter, msgs []ward.Message) {
	out := make([]messageView, len(msgs))
	for i, m := range msgs {
		out[i] = viewMessage(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

func (h *Handler) reviewMessages(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	after, limit, err := pageQuery(r)
	if err != nil {
		return err
	}
	msgs, err := svc.ReviewMessages(r.Context(), p, r.PathValue("id"), after, limit)
	if err != nil {
		return err
	}
	writeMessages(w, msgs)
	return nil
}

func (h *Handler) reviewAttachment(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	inline := r.URL.Query().Get("inline")
	if inline != "" && inline != "0" && inline != "1" {
		return ward.Errorf(ward.CodeInvalid, "inline must be 0 or 1")
	}
	att, body, err := svc.ReviewAttachment(r.Context(), p, r.PathValue("id"), r.PathValue("attachment_id"))
	if err != nil {
		return err
	}
	return h.serveAttachment(w, r, att, body, inline == "1")
}

func (h *Handler) complianceDashboard(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	d, err := svc.Counts(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handler) breakGlassQueue(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	before, err := queryBefore(r)
	if err != nil {
		return err
	}
	unreviewed := r.URL.Query().Get("unreviewed")
	if unreviewed != "" && unreviewed != "0" && unreviewed != "1" {
		return ward.Errorf(ward.CodeInvalid, "unreviewed must be 0 or 1")
	}
	gs, err := svc.Queue(r.Context(), p, unreviewed == "1", before)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"uses": grantsOrEmpty(gs)})
	return nil
}

func (h *Handler) judgeBreakGlass(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	var req struct {
		Verdict string `json:"verdict"`
		Note    string `json:"note"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	g, err := svc.Judge(r.Context(), p, r.PathValue("id"), req.Verdict, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (h *Handler) breakGlass(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	var req grantRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g, err := svc.BreakGlass(r.Context(), p, req.PatientID, ward.Reason{Category: req.Category, Text: req.Reason}, req.Minutes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (h *Handler) breakGlassConversations(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	found, err := svc.BreakGlassConversations(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if found == nil {
		found = []compliance.Found{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": found})
	return nil
}

func (h *Handler) breakGlassMessages(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	after, limit, err := pageQuery(r)
	if err != nil {
		return err
	}
	msgs, err := svc.BreakGlassMessages(r.Context(), p, r.PathValue("id"), r.PathValue("conversation_id"), after, limit)
	if err != nil {
		return err
	}
	writeMessages(w, msgs)
	return nil
}

func (h *Handler) breakGlassAttachment(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	inline := r.URL.Query().Get("inline")
	if inline != "" && inline != "0" && inline != "1" {
		return ward.Errorf(ward.CodeInvalid, "inline must be 0 or 1")
	}
	att, body, err := svc.BreakGlassAttachment(r.Context(), p, r.PathValue("id"), r.PathValue("conversation_id"), r.PathValue("attachment_id"))
	if err != nil {
		return err
	}
	return h.serveAttachment(w, r, att, body, inline == "1")
}

func (h *Handler) reviewHeldCopies(w http.ResponseWriter, r *http.Request, p *app.Principal, svc *compliance.Service) error {
	held, err := svc.ReviewHeldCopies(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"held": held})
	return nil
}
