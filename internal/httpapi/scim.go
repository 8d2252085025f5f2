package httpapi

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/wardhealth/ward/internal/sso"
)

// maxSCIMBody bounds a SCIM request's body.
const maxSCIMBody = 256 << 10

// scimHandler handles a SCIM request of an authenticated SCIM client.
type scimHandler func(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error

// scimRoutes are SCIM 2.0 (RFC 7644) under /scim/v2. They authenticate with
// the org's SCIM bearer token only, never a session, and answer errors in
// SCIM's own error schema (its protocol), not problem+json.
func (h *Handler) scimRoutes() {
	h.scim("GET /scim/v2/ServiceProviderConfig", h.scimConfig)
	h.scim("GET /scim/v2/Users", h.scimListUsers)
	h.scim("POST /scim/v2/Users", h.scimCreateUser)
	h.scim("GET /scim/v2/Users/{id}", h.scimGetUser)
	h.scim("PUT /scim/v2/Users/{id}", h.scimReplaceUser)
	h.scim("PATCH /scim/v2/Users/{id}", h.scimPatchUser)
	h.scim("DELETE /scim/v2/Users/{id}", h.scimDeleteUser)
	h.scim("GET /scim/v2/Groups", h.scimListGroups)
	h.scim("POST /scim/v2/Groups", h.scimCreateGroup)
	h.scim("GET /scim/v2/Groups/{id}", h.scimGetGroup)
	h.scim("PUT /scim/v2/Groups/{id}", h.scimReplaceGroup)
	h.scim("PATCH /scim/v2/Groups/{id}", h.scimPatchGroup)
	h.scim("DELETE /scim/v2/Groups/{id}", h.scimDeleteGroup)
}

func (h *Handler) scim(pattern string, fn scimHandler) {
	h.register(pattern, "", func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			svc, err := h.ssoService()
			if err != nil {
				return err
			}
			c, err := svc.AuthenticateSCIM(r.Context(), r.Header.Get("Authorization"), h.clientIP(r))
			if err != nil {
				return err
			}
			return fn(w, r, c, svc)
		}()
		if err != nil {
			se := sso.AsSCIM(err)
			if se.Status == http.StatusInternalServerError {
				h.log.ErrorContext(r.Context(), "scim request failed", "err", err.Error())
			}
			out := map[string]any{"schemas": []string{sso.SchemaError}, "status": strconv.Itoa(se.Status), "detail": se.Detail}
			if se.Type != "" {
				out["scimType"] = se.Type
			}
			if se.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ward scim"`)
			}
			writeSCIM(w, se.Status, out)
		}
	})
}

func writeSCIM(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// scimBody reads a SCIM request's body: application/scim+json or
// application/json, at most maxSCIMBody bytes.
func scimBody(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/scim+json" && mt != "application/json") {
		return nil, &sso.SCIMError{Status: http.StatusUnsupportedMediaType, Detail: "send Content-Type: application/scim+json"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSCIMBody+1))
	if err != nil {
		return nil, &sso.SCIMError{Status: http.StatusBadRequest, Type: "invalidSyntax", Detail: "the body could not be read"}
	}
	if len(body) > maxSCIMBody {
		return nil, &sso.SCIMError{Status: http.StatusRequestEntityTooLarge, Detail: "the body is too large"}
	}
	return body, nil
}

// paging reads startIndex and count (RFC 7644 §3.4.2.4).
func paging(r *http.Request) (start, count int, err error) {
	start, count = 1, 100
	q := r.URL.Query()
	if v := q.Get("startIndex"); v != "" {
		if start, err = strconv.Atoi(v); err != nil {
			return 0, 0, &sso.SCIMError{Status: 400, Type: "invalidValue", Detail: "startIndex must be a number"}
		}
	}
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil {
			return 0, 0, &sso.SCIMError{Status: 400, Type: "invalidValue", Detail: "count must be a number"}
		}
	}
	return start, count, nil
}

func (h *Handler) scimConfig(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	writeSCIM(w, http.StatusOK, map[string]any{
		"schemas":               []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri":      "https://github.com/wardhealth/ward/blob/main/docs/sso.md",
		"patch":                 map[string]bool{"supported": true},
		"bulk":                  map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":                map[string]any{"supported": true, "maxResults": 500},
		"changePassword":        map[string]bool{"supported": false},
		"sort":                  map[string]bool{"supported": false},
		"etag":                  map[string]bool{"supported": false},
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "Bearer token", "description": "the org's SCIM token (ward admin console)"}},
	})
	return nil
}

func (h *Handler) scimListUsers(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	start, count, err := paging(r)
	if err != nil {
		return err
	}
	out, err := svc.SCIMListUsers(r.Context(), c, r.URL.Query().Get("filter"), start, count)
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, out)
	return nil
}

func (h *Handler) scimCreateUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	body, err := scimBody(r)
	if err != nil {
		return err
	}
	in, err := sso.DecodeUser(body)
	if err != nil {
		return err
	}
	u, _, err := svc.SCIMCreateUser(r.Context(), c, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.ownOrigin(r)+"/scim/v2/Users/"+u.ID)
	writeSCIM(w, http.StatusCreated, u)
	return nil
}

func (h *Handler) scimGetUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	u, err := svc.SCIMGetUser(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, u)
	return nil
}

func (h *Handler) scimReplaceUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	body, err := scimBody(r)
	if err != nil {
		return err
	}
	in, err := sso.DecodeUser(body)
	if err != nil {
		return err
	}
	u, err := svc.SCIMReplaceUser(r.Context(), c, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, u)
	return nil
}

func (h *Handler) scimPatchUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	body, err := scimBody(r)
	if err != nil {
		return err
	}
	u, err := svc.SCIMPatchUser(r.Context(), c, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, u)
	return nil
}

func (h *Handler) scimDeleteUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	if err := svc.SCIMDeleteUser(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) scimListGroups(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	start, count, err := paging(r)
	if err != nil {
		return err
	}
	out, err := svc.SCIMListGroups(r.Context(), c, r.URL.Query().Get("filter"), start, count)
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, out)
	return nil
}

func (h *Handler) scimCreateGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	body, err := scimBody(r)
	if err != nil {
		return err
	}
	g, err := svc.SCIMCreateGroup(r.Context(), c, body)
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.ownOrigin(r)+"/scim/v2/Groups/"+g.ID)
	writeSCIM(w, http.StatusCreated, g)
	return nil
}

func (h *Handler) scimGetGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	g, err := svc.SCIMGetGroup(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, g)
	return nil
}

func (h *Handler) scimReplaceGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	body, err := scimBody(r)
	if err != nil {
		return err
	}
	g, err := svc.SCIMReplaceGroup(r.Context(), c, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, g)
	return nil
}

func (h *Handler) scimPatchGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	body, err := scimBody(r)
	if err != nil {
		return err
	}
	g, err := svc.SCIMPatchGroup(r.Context(), c, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeSCIM(w, http.StatusOK, g)
	return nil
}

func (h *Handler) scimDeleteGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service) error {
	return &sso.SCIMError{Status: http.StatusBadRequest, Type: "mutability", Detail: "ward's groups are its roles and cannot be deleted"}
}
