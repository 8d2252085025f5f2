package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// Config is what the HTTP handler is built from.
type Config struct {
	App    *app.App
	Logger *slog.Logger
}

// Handler serves ward's HTTP API.
type Handler struct {
	app      *app.App
	log      *slog.Logger
	reg      *prometheus.Registry
	metrics  *metrics
	mux      *http.ServeMux
	root     http.Handler
	patterns []string // every registered pattern, in order
}

// New builds the handler with its own metrics registry.
func New(cfg Config) *Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := &Handler{app: cfg.App, log: cfg.Logger, reg: reg, metrics: newMetrics(reg), mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.routes()
	h.root = h.instrument(h.mux)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.root.ServeHTTP(w, r) }

// Routes lists every registered route pattern; tests walk it.
func (h *Handler) Routes() []string { return append([]string(nil), h.patterns...) }

// routes is the one list of every route ward serves.
func (h *Handler) routes() {
	h.handle("GET /healthz", h.healthz)
	h.handle("GET /readyz", h.readyz)
	h.handle("GET /metrics", promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{}).ServeHTTP)
	h.handle("/", h.notFound)
}

func (h *Handler) handle(pattern string, fn http.HandlerFunc) {
	h.patterns = append(h.patterns, pattern)
	h.mux.HandleFunc(pattern, fn)
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := h.app.Ready(ctx); err != nil {
		writeProblem(w, r, h.log, ward.Wrap(ward.CodeUnavailable, err, "database is not answering"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, h.log, ward.Errorf(ward.CodeNotFound, "no such endpoint"))
}
