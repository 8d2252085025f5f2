package httpapi

import (
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/outside"
)

// outsideRoutes registers secure messages to outside addresses
// (internal/outside): the sender's routes, and the public routes of the
// one-time link (no session). The guest then reads and replies through the
// conversation routes, which the guest role reaches for its own threads.
func (h *Handler) outsideRoutes() {
	h.route("POST /api/v1/outside-messages", authz.OutsideSend, h.sendOutside)
	h.route("GET /api/v1/outside-messages", authz.OutsideSend, h.listOutside)
	h.public("GET /api/v1/outside/{token}", h.lookUpOutside)
	h.public("POST /api/v1/outside/{token}/email-code", h.sendOutsideCode)
	h.public("POST /api/v1/outside/{token}/open", h.openOutside)
}

func (h *Handler) outsideService() (*outside.Service, error) {
	if h.outside == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "secure messages to outside addresses are not available")
	}
	return h.outside, nil
}

type outsideView struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	MessageID      string     `json:"message_id"`
	GuestID        string     `json:"guest_id"`
	Status         string     `json:"status"` // sent | opened | replied
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	OpenedAt       *time.Time `json:"opened_at,omitempty"`
}

func viewOutside(s outside.Sent) outsideView {
	return outsideView{ID: s.ID, ConversationID: s.ConversationID, MessageID: s.MessageID, GuestID: s.GuestID, Status: s.Status,
		CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt, OpenedAt: optTime(s.OpenedAt)}
}

func (h *Handler) sendOutside(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.outsideService()
	if err != nil {
		return err
	}
	var req struct {
		Email          string   `json:"email"`
		ConversationID string   `json:"conversation_id"`
		ClientID       string   `json:"client_id"`
		Body           string   `json:"body"`
		AttachmentIDs  []string `json:"attachment_ids"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	res, err := svc.Send(r.Context(), p, outside.SendRequest{Email: req.Email, ConversationID: req.ConversationID,
		ClientID: req.ClientID, Body: req.Body, AttachmentIDs: req.AttachmentIDs}, h.linkBase(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"conversation_id": res.ConversationID, "message": viewMessage(res.Message),
		"recipient": viewOutside(res.Recipient)})
	return nil
}

func (h *Handler) listOutside(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.outsideService()
	if err != nil {
		return err
	}
	sent, err := svc.SentBy(r.Context(), p, r.URL.Query().Get("conversation_id"))
	if err != nil {
		return err
	}
	out := make([]outsideView, len(sent))
	for i, s := range sent {
		out[i] = viewOutside(s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"outside_messages": out})
	return nil
}

func (h *Handler) lookUpOutside(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.outsideService()
	if err != nil {
		return err
	}
	info, err := svc.LookUp(r.Context(), r.PathValue("token"), h.clientIP(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"clinic": info.Clinic, "expires_at": info.ExpiresAt})
	return nil
}

func (h *Handler) sendOutsideCode(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.outsideService()
	if err != nil {
		return err
	}
	return h.sendLinkCode(w, r, svc.SendCode)
}

func (h *Handler) openOutside(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.outsideService()
	if err != nil {
		return err
	}
	var req linkProof
	if err := decode(r, &req); err != nil {
		return err
	}
	s, err := svc.Open(r.Context(), outside.OpenRequest{Token: r.PathValue("token"), Code: req.EmailCode,
		DeviceID: req.Device.ID, DeviceName: req.Device.Name, IP: h.clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	h.writeLogin(w, app.LoginResult{Token: s.Token, Session: s.Session, User: s.User, Device: s.Device,
		IdleTimeout: s.IdleTimeout, DeviceSecret: s.DeviceSecret}, req.Cookie)
	return nil
}
