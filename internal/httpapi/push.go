package httpapi

import (
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/notify/push"
)

// pushRoutes registers Web Push (internal/notify/push): the VAPID public
// key, and the signed-in device's own subscription. There is no route to
// another device's subscription: it is the caller's device or nothing.
func (h *Handler) pushRoutes() {
	h.route("GET /api/v1/push/vapid-key", authz.PushKeyRead, h.vapidKey)
	h.route("POST /api/v1/devices/current/push", authz.PushSubscribe, h.subscribePush)
	h.route("DELETE /api/v1/devices/current/push", authz.PushUnsubscribe, h.unsubscribePush)
}

func (h *Handler) pushService() (*push.Service, error) {
	if h.push == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "push notifications are not available")
	}
	return h.push, nil
}

func (h *Handler) vapidKey(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.pushService()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": svc.PublicKey()})
	return nil
}

func (h *Handler) subscribePush(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.pushService()
	if err != nil {
		return err
	}
	var sub push.Subscription
	if err := decode(r, &sub); err != nil {
		return err
	}
	if err := svc.Subscribe(r.Context(), p, sub); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"device_id": p.Device.ID})
	return nil
}

func (h *Handler) unsubscribePush(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.pushService()
	if err != nil {
		return err
	}
	if err := svc.Unsubscribe(r.Context(), p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
