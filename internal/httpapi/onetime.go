package httpapi

import (
	"context"
	"net/http"
)

// The pieces shared by the public routes of ward's one-time links
// (internal/onetime): patient invitations (invitations.go) and secure
// messages to outside addresses (outside.go).

// linkBase is the origin one-time links start with: the public URL, or
// the host the request was sent to.
func (h *Handler) linkBase(r *http.Request) string {
	if h.origin != "" {
		return h.origin
	}
	scheme := "http"
	if r.TLS != nil || h.tlsProxy {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// linkProof is the body of a route that opens a link and signs in: the
// code mailed for it, the device, and whether the session goes in a
// cookie.
type linkProof struct {
	EmailCode string `json:"email_code"`
	Device    struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"device"`
	Cookie bool `json:"cookie"`
}

// sendLinkCode answers a route that mails a link's code: send(token, ip),
// then 202 {"status": "sent"}.
func (h *Handler) sendLinkCode(w http.ResponseWriter, r *http.Request, send func(ctx context.Context, token, ip string) error) error {
	if err := send(r.Context(), r.PathValue("token"), h.clientIP(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "sent"})
	return nil
}
