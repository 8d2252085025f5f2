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

// scimHandler handles a SCIM request of an authenticated SCIM client, with
// its body when it is a POST, PUT or PATCH (scimBody), and answers what to
// write with 200 OK (nil: the handler has answered).
type scimHandler func(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, body []byte) (any, error)

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
			var body []byte
			if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
				if body, err = scimBody(r); err != nil {
					return err
				}
			}
			out, err := fn(w, r, c, svc, body)
			if err == nil && out != nil {
				writeSCIM(w, http.StatusOK, out)
			}
			return err
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

// scimCreated answers 201 Created with v, at /scim/v2/{kind}/{id}.
func (h *Handler) scimCreated(w http.ResponseWriter, r *http.Request, kind, id string, v any) (any, error) {
	w.Header().Set("Location", h.ownOrigin(r)+"/scim/v2/"+kind+"/"+id)
	writeSCIM(w, http.StatusCreated, v)
	return nil, nil
}

func (h *Handler) scimConfig(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, _ []byte) (any, error) {
	return map[string]any{
		"schemas":               []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri":      "https://github.com/wardhealth/ward/blob/main/docs/sso.md",
		"patch":                 map[string]bool{"supported": true},
		"bulk":                  map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":                map[string]any{"supported": true, "maxResults": 500},
		"changePassword":        map[string]bool{"supported": false},
		"sort":                  map[string]bool{"supported": false},
		"etag":                  map[string]bool{"supported": false},
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "Bearer token", "description": "the org's SCIM token (ward admin console)"}},
	}, nil
}

func (h *Handler) scimListUsers(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, _ []byte) (any, error) {
	start, count, err := paging(r)
	if err != nil {
		return nil, err
	}
	return svc.SCIMListUsers(r.Context(), c, r.URL.Query().Get("filter"), start, count)
}

func (h *Handler) scimCreateUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, body []byte) (any, error) {
	in, err := sso.DecodeUser(body)
	if err != nil {
		return nil, err
	}
	u, _, err := svc.SCIMCreateUser(r.Context(), c, in)
	if err != nil {
		return nil, err
	}
	return h.scimCreated(w, r, "Users", u.ID, u)
}

func (h *Handler) scimGetUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, _ []byte) (any, error) {
	return svc.SCIMGetUser(r.Context(), c, r.PathValue("id"))
}

func (h *Handler) scimReplaceUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, body []byte) (any, error) {
	in, err := sso.DecodeUser(body)
	if err != nil {
		return nil, err
	}
	return svc.SCIMReplaceUser(r.Context(), c, r.PathValue("id"), in)
}

func (h *Handler) scimPatchUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, body []byte) (any, error) {
	return svc.SCIMPatchUser(r.Context(), c, r.PathValue("id"), body)
}

func (h *Handler) scimDeleteUser(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, _ []byte) (any, error) {
	if err := svc.SCIMDeleteUser(r.Context(), c, r.PathValue("id")); err != nil {
		return nil, err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil, nil
}

func (h *Handler) scimListGroups(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, _ []byte) (any, error) {
	start, count, err := paging(r)
	if err != nil {
		return nil, err
	}
	return svc.SCIMListGroups(r.Context(), c, r.URL.Query().Get("filter"), start, count)
}

func (h *Handler) scimCreateGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, body []byte) (any, error) {
	g, err := svc.SCIMCreateGroup(r.Context(), c, body)
	if err != nil {
		return nil, err
	}
	return h.scimCreated(w, r, "Groups", g.ID, g)
}

func (h *Handler) scimGetGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, _ []byte) (any, error) {
	return svc.SCIMGetGroup(r.Context(), c, r.PathValue("id"))
}

func (h *Handler) scimReplaceGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, body []byte) (any, error) {
	return svc.SCIMReplaceGroup(r.Context(), c, r.PathValue("id"), body)
}

func (h *Handler) scimPatchGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, body []byte) (any, error) {
	return svc.SCIMPatchGroup(r.Context(), c, r.PathValue("id"), body)
}

func (h *Handler) scimDeleteGroup(w http.ResponseWriter, r *http.Request, c sso.SCIMCaller, svc *sso.Service, _ []byte) (any, error) {
	return nil, &sso.SCIMError{Status: http.StatusBadRequest, Type: "mutability", Detail: "ward's groups are its roles and cannot be deleted"}
}
