package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/archive/jobs"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/buildinfo"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/holds"
	"github.com/wardhealth/ward/internal/inbox"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/invitations"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/oncall"
	"github.com/wardhealth/ward/internal/outside"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/replies"
	"github.com/wardhealth/ward/internal/sso"
	"github.com/wardhealth/ward/internal/teams"
)

// Config is what the HTTP handler is built from.
type Config struct {
	App *app.App
	// Patients serves patient records; nil: their routes answer 503.
	Patients *patients.Service
	// Replies serves saved replies and team hours; nil: their routes answer 503.
	Replies *replies.Service
	// Outside serves secure messages to outside addresses; nil: their
	// routes answer 503.
	Outside *outside.Service
	// Teams, Inbox and Invitations serve care teams, the team inbox and
	// patient invitations; nil: their routes answer 503.
	Teams       *teams.Service
	Inbox       *inbox.Service
	Invitations *invitations.Service
	// Push serves Web Push subscriptions; nil: their routes answer 503.
	Push *push.Service
	// Prefs serves notification preferences and presence; nil: their
	// routes answer 503.
	Prefs *prefs.Service
	// OnCall serves on-call roles and messages to them; nil: their routes
	// answer 503.
	OnCall *oncall.Service
	Holds  *holds.Service // legal holds and the retention overview (internal/holds)
	// Incidents and BAAs serve breach incidents and the BAA registry; nil:
	// their routes answer 503.
	Incidents *incidents.Service
	BAAs      *baa.Service
	// Compliance serves compliance review and break-glass; nil: their
	// routes answer 503.
	Compliance *compliance.Service
	// Exports runs archive exports in the background; nil: their routes
	// answer 503.
	Exports *jobs.Runner
	// Monitor serves activity monitoring's alerts; nil: their routes are 503.
	Monitor *monitor.Monitor
	// Accounting serves the accounting of disclosures and Reports the
	// conformance report (issue 25); nil: their routes answer 503.
	Accounting *accounting.Service
	Reports    *conformance.Reporter
	// SSO serves OpenID Connect sign-in and SCIM provisioning; nil: their
	// routes answer 503.
	SSO    *sso.Service
	Logger *slog.Logger
	Hub    *realtime.Hub // the WebSocket hub; nil: GET /api/v1/ws answers 503
	// PublicOrigin is the origin browsers reach ward at (scheme://host[:port],
	// from --public-url): a cookie-signed-in WebSocket must come from it.
	// "": from the host the request was sent to, over https when it came over
	// TLS or (BehindTLSProxy) through a TLS-terminating proxy, else http.
	PublicOrigin   string
	BehindTLSProxy bool
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (clientaddr.go); empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// BodyTimeout and UploadTimeout bound how long reading a request's body
	// may take (attachment uploads get UploadTimeout); zero: the defaults.
	BodyTimeout, UploadTimeout time.Duration
}

// Handler serves ward's HTTP API.
type Handler struct {
	app         *app.App
	patients    *patients.Service
	replies     *replies.Service
	teams       *teams.Service
	inbox       *inbox.Service
	invitations *invitations.Service
	outside     *outside.Service
	push        *push.Service
	prefs       *prefs.Service
	oncall      *oncall.Service
	holds       *holds.Service
	incidents   *incidents.Service
	baas        *baa.Service
	compliance  *compliance.Service
	exports     *jobs.Runner
	monitor     *monitor.Monitor
	accounting  *accounting.Service
	reports     *conformance.Reporter
	sso         *sso.Service
	log         *slog.Logger
	hub         *realtime.Hub
	reg         *prometheus.Registry
	metrics     *metrics
	promHandler http.Handler
	mux         *http.ServeMux
	root        http.Handler
	patterns    []Route // every registered route, in order
	origin      string  // Config.PublicOrigin, normalized
	tlsProxy    bool    // Config.BehindTLSProxy
	// acceptOpts lets the WebSocket library's own Origin check (host only)
	// accept the public URL's host too; nil: the request's host only.
	acceptOpts *websocket.AcceptOptions

	trusted                    []netip.Prefix
	bodyTimeout, uploadTimeout time.Duration
}

// New builds the handler with its own metrics registry.
func New(cfg Config) *Handler {
	reg := prometheus.NewRegistry()
	// go_gc_heap_live_bytes (the heap the last GC found live) beside the
	// classic memstats: unlike go_memstats_heap_alloc_bytes it does not
	// count garbage the sweeper has not freed yet (ward bench reads it).
	reg.MustRegister(collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)})), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := &Handler{app: cfg.App, patients: cfg.Patients, replies: cfg.Replies, teams: cfg.Teams, inbox: cfg.Inbox, invitations: cfg.Invitations, outside: cfg.Outside, push: cfg.Push, prefs: cfg.Prefs, oncall: cfg.OnCall, holds: cfg.Holds, incidents: cfg.Incidents, baas: cfg.BAAs, compliance: cfg.Compliance, exports: cfg.Exports, monitor: cfg.Monitor, accounting: cfg.Accounting, reports: cfg.Reports, sso: cfg.SSO, log: cfg.Logger, hub: cfg.Hub, reg: reg, metrics: newMetrics(reg), mux: http.NewServeMux(),
		promHandler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), tlsProxy: cfg.BehindTLSProxy, trusted: cfg.TrustedProxies,
		bodyTimeout: cfg.BodyTimeout, uploadTimeout: cfg.UploadTimeout}
	if h.bodyTimeout <= 0 {
		h.bodyTimeout = DefaultBodyTimeout
	}
	if h.uploadTimeout <= 0 {
		h.uploadTimeout = DefaultUploadTimeout
	}
	if cfg.PublicOrigin != "" {
		h.origin, _ = normalOrigin(cfg.PublicOrigin)
		if u, err := url.Parse(h.origin); err == nil {
			h.acceptOpts = &websocket.AcceptOptions{OriginPatterns: []string{u.Host, u.Host + ":*"}} // ours is stricter
		}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Push != nil {
		reg.MustRegister(cfg.Push.Collectors()...)
	}
	h.routes()
	h.root = h.instrument(h.mux)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.root.ServeHTTP(w, r) }

// Routes lists every registered route; tests walk it.
func (h *Handler) Routes() []Route { return append([]Route(nil), h.patterns...) }

// routes is the one list of every route ward serves, each with the authz
// action it needs.
func (h *Handler) routes() {
	h.public("GET /healthz", h.healthz)
	h.public("GET /readyz", h.readyz)

	h.public("POST /api/v1/sessions", h.login)
	h.route("GET /api/v1/sessions", authz.SessionList, h.listSessions)
	h.route("DELETE /api/v1/sessions", authz.SessionDelete, h.signOutEverywhere)
	h.route("DELETE /api/v1/sessions/current", authz.SessionDelete, h.logout)
	h.route("DELETE /api/v1/sessions/{id}", authz.SessionDelete, h.revokeSession)
	h.route("GET /api/v1/me", authz.AccountRead, h.me)
	h.route("POST /api/v1/sessions/current/reauth", authz.MFAEnroll, h.reauth)
	h.route("PUT /api/v1/me/password", authz.AccountUpdate, h.changePassword)
	h.route("POST /api/v1/mfa/totp", authz.MFAEnroll, h.beginTOTP)
	h.route("POST /api/v1/mfa/totp/confirm", authz.MFAEnroll, h.confirmTOTP)
	h.route("GET /api/v1/devices", authz.DeviceListOwn, h.listOwnDevices)
	h.wipeConfirmationRoute("POST /api/v1/devices/current/wipe-confirmation", authz.SessionDelete, h.confirmWipe)
	h.pushRoutes()
	h.notificationRoutes()

	h.route("GET /api/v1/users", authz.UserList, h.listUsers)
	h.route("POST /api/v1/users", authz.UserCreate, h.createUser)
	h.route("PATCH /api/v1/users/{id}", authz.UserUpdate, h.updateUser)
	h.route("DELETE /api/v1/users/{id}/sessions", authz.SessionRevoke, h.revokeUserSessions)
	h.route("DELETE /api/v1/users/{id}/mfa", authz.UserMFAReset, h.resetMFA)
	h.route("GET /api/v1/admin/devices", authz.DeviceList, h.listOrgDevices)
	h.route("POST /api/v1/admin/devices/{id}/approve", authz.DeviceApprove, h.deviceAction(app.ApproveDevice))
	h.route("POST /api/v1/admin/devices/{id}/lock", authz.DeviceLock, h.deviceAction(app.LockDevice))
	h.route("POST /api/v1/admin/devices/{id}/unlock", authz.DeviceUnlock, h.deviceAction(app.UnlockDevice))
	h.route("POST /api/v1/admin/devices/{id}/wipe", authz.DeviceWipe, h.deviceAction(app.WipeDevice))
	h.route("GET /api/v1/policy", authz.PolicyRead, h.getPolicy)
	h.route("PUT /api/v1/policy", authz.PolicyUpdate, h.putPolicy)
	h.webauthnRoutes()
	h.ssoRoutes()
	h.teamRoutes()
	h.oncallRoutes()
	h.inboxRoutes()

	h.messagingRoutes()
	h.patientRoutes()
	h.replyRoutes()
	h.invitationRoutes()
	h.outsideRoutes()
	h.complianceRoutes()
	h.holdRoutes()
	h.incidentRoutes()
	h.baaRoutes()
	h.reviewRoutes()
	h.exportRoutes()
	h.alertRoutes()
	h.accountingRoutes()
	h.conformanceRoutes()
	h.realtimeRoutes()
	h.staticRoutes()
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) error {
	bi := buildinfo.Get() // for support: which ward answers
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": bi.Version, "commit": bi.Commit})
	return nil
}

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := h.app.Ready(ctx); err != nil { // the database or the blob store
		if ward.ErrorCode(err) != ward.CodeUnavailable {
			err = ward.Wrap(ward.CodeUnavailable, err, "not ready")
		}
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// Metrics serves the Prometheus metrics. It is not on the API's mux: the
// server serves it on its own listener (--metrics-addr), never to the
// public.
func (h *Handler) Metrics() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.promHandler)
	return mux
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) error {
	return ward.Errorf(ward.CodeNotFound, "no such endpoint")
}
