package httpapi

import (
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	users, err := h.app.Directory(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": viewUsers(users)})
	return nil
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		Email    string    `json:"email"`
		Name     string    `json:"name"`
		Role     ward.Role `json:"role"`
		Password string    `json:"password"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	u, err := h.app.CreateUser(r.Context(), p, app.NewUser{Email: req.Email, Name: req.Name, Role: req.Role, Password: req.Password})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewUser(u))
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		Name     *string    `json:"name"`
		Email    *string    `json:"email"`
		Role     *ward.Role `json:"role"`
		Disabled *bool      `json:"disabled"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	u, err := h.app.UpdateUser(r.Context(), p, r.PathValue("id"), app.UserChange{Name: req.Name, Email: req.Email, Role: req.Role, Disabled: req.Disabled})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u))
	return nil
}

func (h *Handler) listOwnDevices(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	return h.writeDevices(w, r, p, false)
}

func (h *Handler) listOrgDevices(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	return h.writeDevices(w, r, p, true)
}

func (h *Handler) writeDevices(w http.ResponseWriter, r *http.Request, p *app.Principal, all bool) error {
	ds, err := h.app.Devices(r.Context(), p, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": viewDevices(ds)})
	return nil
}

// deviceAction answers POST /api/v1/admin/devices/{id}/{approve|lock|unlock|wipe}.
func (h *Handler) deviceAction(act app.DeviceAction) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
		d, err := h.app.ActOnDevice(r.Context(), p, r.PathValue("id"), act)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, viewDevice(d))
		return nil
	}
}

func (h *Handler) getPolicy(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	pol, err := h.app.Policy(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pol)
	return nil
}

func (h *Handler) putPolicy(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var pol ward.Policy
	if err := decode(r, &pol); err != nil {
		return err
	}
	pol, err := h.app.UpdatePolicy(r.Context(), p, pol)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pol)
	return nil
}

func (h *Handler) revokeUserSessions(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if err := h.app.RevokeUserSessions(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) resetMFA(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if err := h.app.ResetMFA(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
