package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/invitations"
)

// invitationRoutes registers patient invitations (internal/invitations):
// staff routes under a record, and the public routes of the link (no session).
func (h *Handler) invitationRoutes() {
	h.route("POST /api/v1/patients/{id}/invitations", authz.PatientInvite, h.invitePatient)
	h.route("GET /api/v1/patients/{id}/invitations", authz.PatientInvite, h.listInvitations)
	h.route("POST /api/v1/patients/{id}/invitations/{inv}/revoke", authz.PatientInvite, h.revokeInvitation)
	h.route("POST /api/v1/patients/{id}/invitations/{inv}/resend", authz.PatientInvite, h.resendInvitation)
	h.public("GET /api/v1/invitations/{token}", h.lookUpInvitation)
	h.public("POST /api/v1/invitations/{token}/email-code", h.sendInvitationCode)
	h.public("POST /api/v1/invitations/{token}/accept", h.acceptInvitation)
}

type invitationView struct {
	ID         string     `json:"id"`
	PatientID  string     `json:"patient_id"`
	Channel    string     `json:"channel"`
	Status     string     `json:"status"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Link       string     `json:"link,omitempty"` // channel link, on creation and resend only
}

func viewInvitation(i invitations.Invitation) invitationView {
	return invitationView{ID: i.ID, PatientID: i.PatientID, Channel: i.Channel, Status: i.Status, CreatedBy: i.CreatedBy,
		CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt, AcceptedAt: optTime(i.AcceptedAt), RevokedAt: optTime(i.RevokedAt)}
}

func (h *Handler) invitePatient(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.invitationService()
	if err != nil {
		return err
	}
	var req struct {
		Channel string `json:"channel"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	inv, link, err := svc.Invite(r.Context(), p, r.PathValue("id"), req.Channel, h.linkBase(r))
	if err != nil {
		return err
	}
	v := viewInvitation(inv)
	if inv.Channel == invitations.ChannelLink {
		v.Link = link
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (h *Handler) listInvitations(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.invitationService()
	if err != nil {
		return err
	}
	invs, err := svc.List(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]invitationView, len(invs))
	for i, inv := range invs {
		out[i] = viewInvitation(inv)
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": out})
	return nil
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.invitationService()
	if err != nil {
		return err
	}
	inv, err := svc.Revoke(r.Context(), p, r.PathValue("id"), r.PathValue("inv"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewInvitation(inv))
	return nil
}

func (h *Handler) resendInvitation(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.invitationService()
	if err != nil {
		return err
	}
	inv, link, err := svc.Resend(r.Context(), p, r.PathValue("id"), r.PathValue("inv"), h.linkBase(r))
	if err != nil {
		return err
	}
	v := viewInvitation(inv)
	if inv.Channel == invitations.ChannelLink {
		v.Link = link
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h *Handler) lookUpInvitation(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.invitationService()
	if err != nil {
		return err
	}
	info, err := svc.LookUp(r.Context(), r.PathValue("token"), h.clientIP(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"clinic": info.Clinic, "expires_at": info.ExpiresAt,
		"needs_email_code": info.NeedsEmailCode})
	return nil
}

func (h *Handler) sendInvitationCode(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.invitationService()
	if err != nil {
		return err
	}
	return h.sendLinkCode(w, r, svc.SendCode)
}

func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.invitationService()
	if err != nil {
		return err
	}
	var req struct {
		Password string `json:"password"`
		linkProof
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Password == "" {
		return ward.Errorf(ward.CodeInvalid, "choose a password")
	}
	res, err := svc.Accept(r.Context(), invitations.AcceptRequest{Token: r.PathValue("token"),
		Password: req.Password, EmailCode: req.EmailCode, DeviceID: req.Device.ID, DeviceName: req.Device.Name,
		IP: h.clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	h.writeLogin(w, res, req.Cookie)
	return nil
}

func (h *Handler) invitationService() (*invitations.Service, error) {
	if h.invitations == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "patient invitations are not available")
	}
	return h.invitations, nil
}
