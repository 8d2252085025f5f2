package httpapi

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/notify/prefs"
)

// notificationRoutes registers the caller's own notification preferences
// and presence, and colleagues' presence for the directory
// (internal/notify/prefs). There is no route to anyone else's preferences.
func (h *Handler) notificationRoutes() {
	h.route("GET /api/v1/me/notifications", authz.NotificationsManage, h.getNotifications)
	h.route("PUT /api/v1/me/notifications", authz.NotificationsManage, h.putNotifications)
	h.route("GET /api/v1/me/presence", authz.PresenceSet, h.getPresence)
	h.route("PUT /api/v1/me/presence", authz.PresenceSet, h.putPresence)
	h.route("GET /api/v1/presence", authz.PresenceRead, h.listPresence)
}

func (h *Handler) prefsService() (*prefs.Service, error) {
	if h.prefs == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "notification preferences are not available")
	}
	return h.prefs, nil
}

func (h *Handler) getNotifications(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.prefsService()
	if err != nil {
		return err
	}
	out, err := svc.Get(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// putNotifications sets the caller's preferences: the fields the body
// gives replace the stored ones, the others stay (null clears quiet_hours
// or dnd_until).
func (h *Handler) putNotifications(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.prefsService()
	if err != nil {
		return err
	}
	var in struct {
		NewMessage *prefs.NewMessage `json:"new_message"`
		QuietHours jsontext.Value    `json:"quiet_hours"`
		DNDUntil   jsontext.Value    `json:"dnd_until"`
		Presence   prefs.Presence    `json:"presence"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	cur, err := svc.Get(r.Context(), p)
	if err != nil {
		return err
	}
	if in.NewMessage != nil {
		cur.NewMessage = *in.NewMessage
	}
	if in.QuietHours != nil {
		cur.QuietHours = nil
		if err := json.Unmarshal(in.QuietHours, &cur.QuietHours, json.RejectUnknownMembers(true)); err != nil {
			return jsonError(err)
		}
	}
	if in.DNDUntil != nil {
		cur.DNDUntil = nil
		if err := json.Unmarshal(in.DNDUntil, &cur.DNDUntil); err != nil {
			return ward.Errorf(ward.CodeInvalid, "dnd_until must be an RFC 3339 time or null")
		}
	}
	cur.Presence = in.Presence // "" keeps it
	out, err := svc.Put(r.Context(), p, cur)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type presenceBody struct {
	Presence prefs.Presence `json:"presence"`
}

func (h *Handler) getPresence(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.prefsService()
	if err != nil {
		return err
	}
	out, err := svc.Presence(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, presenceBody{out})
	return nil
}

func (h *Handler) putPresence(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.prefsService()
	if err != nil {
		return err
	}
	var in presenceBody
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := svc.SetPresence(r.Context(), p, in.Presence); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

// listPresence answers the presence of the org's staff who are not
// available: {"users": {"<id>": "busy" | "off_duty"}}.
func (h *Handler) listPresence(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	svc, err := h.prefsService()
	if err != nil {
		return err
	}
	out, err := svc.Directory(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}
