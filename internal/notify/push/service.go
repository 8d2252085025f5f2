package push

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Config is what a Service is built from. Store, Keyring and Key are
// required; zero values of the rest take the defaults.
type Config struct {
	Store   *store.Store
	Keyring *keyring.Keyring
	Key     *ecdsa.PrivateKey // the VAPID key (keyring.VAPIDKey)
	// Subject is the VAPID contact (RFC 8292 "sub"): a mailto: or https:
	// URL the push services may write to about this server.
	Subject string
	// Hosts are the push services subscriptions may point at (a host, or
	// ".suffix"); nil: DefaultHosts. Endpoints are URLs that callers give:
	// only known push services are ever sent to (no request forgery into
	// the clinic's network).
	Hosts []string
	// Client sends the push requests; nil: a client with a 10-second
	// timeout that follows no redirects.
	Client *http.Client
	// Workers send pushes concurrently (DefaultWorkers); Queue bounds the
	// pushes waiting for them (DefaultQueue): beyond, pushes are dropped
	// and counted.
	Workers, Queue int
	// Online reports whether a user has a live socket to this node: a new
	// (not urgent) message is then not pushed to them. nil: no one is.
	Online func(userID string) bool
	// Gate applies the receivers' notification preferences
	// (internal/notify/prefs.Gate): a normal message's push is held back
	// in quiet hours, do-not-disturb and off duty; an urgent one, its
	// re-notifications and escalations go through. nil: no one is held.
	Gate   Gate
	Logger *slog.Logger
	// Backoff is the first retry's delay after a 429 or 5xx (doubling,
	// MaxAttempts in all); zero: DefaultBackoff.
	Backoff time.Duration
}

// Defaults for Config.
const (
	DefaultWorkers = 32
	DefaultQueue   = 20000
	DefaultBackoff = 2 * time.Second
	MaxAttempts    = 4
	// maxRetryAfter caps a push service's Retry-After.
	maxRetryAfter = 5 * time.Minute
)

// Gate says which of a message notification's receivers get it now.
type Gate interface {
	Allow(ctx context.Context, urgent bool, convID string, users []string) ([]string, error)
}

// Service is Web Push: subscriptions and sending.
type Service struct {
	store   *store.Store
	keys    *keyring.Keyring
	pub     string // the VAPID public key, base64url (uncompressed point)
	priv    string // the VAPID private key, base64url (the scalar), for webpush-go
	subject string
	hosts   []string
	client  *http.Client
	online  atomic.Pointer[func(string) bool]
	gate    Gate
	log     *slog.Logger
	backoff time.Duration
	workers int
	metrics *metrics

	jobs       chan job      // events turned into pushes, for the resolver
	deliveries chan delivery // one push each, for the workers
	stop       chan struct{}
	wg         sync.WaitGroup
	closeOnce  sync.Once
}

// New builds a Service and starts its goroutines; Close stops them.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keyring == nil || cfg.Key == nil {
		return nil, errors.New("push: a store, a keyring and a VAPID key are required")
	}
	pub, err := cfg.Key.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	priv, err := cfg.Key.Bytes()
	if err != nil {
		return nil, err
	}
	s := &Service{store: cfg.Store, keys: cfg.Keyring, subject: cfg.Subject, hosts: cfg.Hosts, client: cfg.Client,
		gate: cfg.Gate, log: cfg.Logger, backoff: cfg.Backoff, workers: cfg.Workers,
		pub: base64.RawURLEncoding.EncodeToString(pub), priv: base64.RawURLEncoding.EncodeToString(priv),
		metrics: newMetrics(), stop: make(chan struct{})}
	clear(priv)
	if cfg.Online != nil {
		s.online.Store(&cfg.Online)
	}
	if s.hosts == nil {
		s.hosts = DefaultHosts
	}
	if s.subject == "" {
		s.subject = "https://localhost"
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.backoff <= 0 {
		s.backoff = DefaultBackoff
	}
	if s.workers <= 0 {
		s.workers = DefaultWorkers
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second,
			Transport:     &http.Transport{MaxIdleConnsPerHost: s.workers, ForceAttemptHTTP2: true, TLSHandshakeTimeout: 5 * time.Second},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	queue := cfg.Queue
	if queue <= 0 {
		queue = DefaultQueue
	}
	s.jobs = make(chan job, 1024)
	s.deliveries = make(chan delivery, queue)
	s.wg.Add(2 + s.workers)
	for range 2 {
		go s.resolveLoop()
	}
	for range s.workers {
		go s.sendLoop()
	}
	return s, nil
}

// PublicKey is the VAPID public key (base64url of the uncompressed P-256
// point): the applicationServerKey browsers subscribe with.
func (s *Service) PublicKey() string { return s.pub }

// SetOnline sets Config.Online after New (the hub is built later).
func (s *Service) SetOnline(fn func(userID string) bool) { s.online.Store(&fn) }

func (s *Service) isOnline(userID string) bool {
	fn := s.online.Load()
	return fn != nil && *fn != nil && (*fn)(userID)
}

// Close stops taking events, lets the queued pushes go out within ctx's
// deadline, and stops the workers. Retries still waiting are dropped.
func (s *Service) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.stop) })
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
