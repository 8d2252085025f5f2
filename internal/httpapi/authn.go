package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
)

// apiHandler handles an authenticated request; a returned error becomes a
// problem+json answer.
type apiHandler func(w http.ResponseWriter, r *http.Request, p *app.Principal) error

// publicHandler handles a request that needs no session.
type publicHandler func(w http.ResponseWriter, r *http.Request) error

// route registers an authenticated route. Every one names the authz action
// it needs: the caller's role is checked against the table before the
// handler runs, so a route can never forget it (deny by default).
func (h *Handler) route(pattern string, action authz.Action, fn apiHandler) {
	h.authedRoute(pattern, action, routeOptions{}, fn)
}

// wipeConfirmationRoute registers the one route a device under a wipe
// order may still call: its confirmation that it erased its data.
func (h *Handler) wipeConfirmationRoute(pattern string, action authz.Action, fn apiHandler) {
	h.authedRoute(pattern, action, routeOptions{underWipe: true}, fn)
}

// automaticRoute registers a route that clients call by themselves, not
// at a person's action (receipt marks as messages arrive): it does not keep
// the session alive (app.AuthenticateAutomatic); the app refreshes the
// session when the call is a person's action after all (a read mark).
func (h *Handler) automaticRoute(pattern string, action authz.Action, fn apiHandler) {
	h.authedRoute(pattern, action, routeOptions{automatic: true}, fn)
}

// routeOptions are what sets the few special routes apart.
type routeOptions struct {
	underWipe bool // a device under a wipe order may call it
	automatic bool // it never keeps the session alive
}

func (h *Handler) authedRoute(pattern string, action authz.Action, o routeOptions, fn apiHandler) {
	resType, hasID := routeResource(pattern)
	h.register(pattern, action, func(w http.ResponseWriter, r *http.Request) {
		var p *app.Principal
		var err error
		if o.automatic {
			p, err = h.authenticateWith(r, h.app.AuthenticateAutomatic)
		} else {
			p, err = h.authenticate(r)
		}
		if o.underWipe && ward.ErrorCode(err) == ward.CodeDeviceWiped && p != nil {
			err = nil
		}
		if err == nil {
			err = p.Can(action)
		}
		if err == nil {
			err = fn(w, r, p)
		}
		if err != nil {
			if p != nil { // a refusal on PHI is audited (app.AuditDenial decides)
				id := ""
				if hasID {
					id = r.PathValue("id")
				}
				h.app.AuditDenial(r.Context(), p, action, resType, id, err)
			}
			h.fail(w, r, err)
		}
	})
}

// routeResource is the resource a route pattern names by id, for the
// audit of refusals: "conversation" for /api/v1/conversations/{id}/…,
// "message" for /api/v1/messages/{id}/…; "" (the action's resource) when
// the pattern has no {id}.
func routeResource(pattern string) (resourceType string, hasID bool) {
	before, _, ok := strings.Cut(pattern, "/{id}")
	if !ok {
		return "", false
	}
	return strings.TrimSuffix(before[strings.LastIndex(before, "/")+1:], "s"), true
}

// public registers a route that needs no session.
func (h *Handler) public(pattern string, fn publicHandler) {
	h.register(pattern, "", func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

func (h *Handler) register(pattern string, action authz.Action, fn http.HandlerFunc) {
	h.patterns = append(h.patterns, Route{Pattern: pattern, Action: action})
	upload := strings.HasSuffix(pattern, "/attachments") && strings.HasPrefix(pattern, "POST ") ||
		strings.HasSuffix(pattern, "/document") && strings.HasPrefix(pattern, "PUT ")
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h.bodyDeadline(w, r, upload)
		fn(w, r)
	})
}

// Route is a registered pattern and the authz action it needs ("" for
// public routes).
type Route struct {
	Pattern string
	Action  authz.Action
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var we *ward.Error
	if ok := asWardError(err, &we); ok && we.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((we.RetryAfter+999_999_999)/1_000_000_000)))
	}
	writeProblem(w, r, h.log, err)
}

// authenticate finds the session token (Bearer header, or the cookie plus a
// CSRF header on unsafe methods) and asks app who it belongs to.
func (h *Handler) authenticate(r *http.Request) (*app.Principal, error) {
	if r.Header.Get(BackgroundHeader) == "1" {
		return h.authenticateWith(r, h.app.AuthenticateAutomatic)
	}
	return h.authenticateWith(r, h.app.Authenticate)
}

// BackgroundHeader, set to "1", says that the client made a request by
// itself, not at a person's action (a catch-up after a reconnect, a check
// of the session when the socket has trouble): it does not keep the
// session alive. A client can only shorten its own session with it.
const BackgroundHeader = "X-Ward-Background"

// authenticateWith is authenticate with app's Authenticate or
// AuthenticateAutomatic.
func (h *Handler) authenticateWith(r *http.Request, authn func(ctx context.Context, token, ip string) (*app.Principal, error)) (*app.Principal, error) {
	token, fromCookie := sessionToken(r)
	if token == "" {
		return nil, ward.Errorf(ward.CodeUnauth, "sign in first")
	}
	if fromCookie && !safeMethod(r.Method) && !auth.CheckCSRF(token, r.Header.Get(auth.CSRFHeader)) {
		return nil, ward.Errorf(ward.CodeForbidden, "missing or wrong %s header", auth.CSRFHeader)
	}
	return authn(r.Context(), token, h.clientIP(r))
}

func sessionToken(r *http.Request) (token string, fromCookie bool) {
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, tok, _ := strings.Cut(v, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok), false
		}
		return "", false
	}
	if c, err := r.Cookie(auth.SessionCookieName); err == nil {
		return c.Value, true
	}
	return "", false
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// withService hands fn the service that get names, or answers get's error
// (the feature is not available) before anything else.
func withService[S any](get func() (S, error), fn func(w http.ResponseWriter, r *http.Request, p *app.Principal, svc S) error) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
		svc, err := get()
		if err != nil {
			return err
		}
		return fn(w, r, p, svc)
	}
}
