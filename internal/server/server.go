package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/cluster"
	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Run serves ward until ctx is cancelled, then shuts down gracefully: it
// stops accepting, lets in-flight requests finish, and closes the database.
// A failed start leaves the data dir as it was, apart from what a
// successful part of the start needed (a new data dir, a new database).
func Run(ctx context.Context, cfg Config) error {
	cfg = withDefaults(cfg)
	if err := store.CheckURL(cfg.DBURL); err != nil {
		return err
	}
	nodeID, err := cluster.NodeID(cfg.NodeID)
	if err != nil {
		return err
	}
	cfg.NodeID = nodeID
	if cfg.SMTP != "" {
		m, err := mail.Open(cfg.SMTP)
		if err != nil {
			return err
		}
		cfg.Logger.Info("outgoing mail", "smtp", m.Config().String())
	}
	dirExists, err := checkDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("cannot listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		defer metricsLn.Close()
	}

	// A certificate that exists is loaded before anything else is touched,
	// so a corrupt one fails the start with the data dir unchanged.
	var cert tls.Certificate
	certLoaded := false
	if !cfg.InsecureBehindTLSProxy && (cfg.TLSCert != "" || dirExists && selfSignedExists(cfg.DataDir)) {
		if cert, _, err = loadCertificate(cfg, ""); err != nil {
			return err
		}
		certLoaded = true
	}
	if !dirExists {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
	}

	env, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.Close()
	if cfg.AuditCheckpointSink == "" {
		cfg.Logger.Warn("no audit checkpoint sink (--audit-checkpoint-sink): signed checkpoints stay only in the database, " +
			"so someone who can write it can delete the newest checkpoints unseen; see docs/audit.md")
	}
	hub, presence, err := startHub(cfg, env)
	if err != nil {
		return err
	}
	if presence != nil {
		defer presence.Close() // before env.Close closes its NATS connection
	}
	hcfg := httpapi.Config{
		App:         env.App,
		Patients:    env.Patients,
		Replies:     env.Replies,
		Teams:       env.Teams,
		Inbox:       env.Inbox,
		Invitations: env.Invitations,
		Outside:     env.Outside,
		Push:        env.Push,
		Prefs:       env.Prefs,
		OnCall:      env.OnCall,
		Holds:       env.Holds,
		Compliance:  env.Compliance,
		Exports:     env.Exports,
		Incidents:   env.Incidents,
		BAAs:        env.BAAs,
		Monitor:     env.Monitor,
		Accounting:  accounting.New(accounting.Config{Store: env.Store, Patients: env.Patients, Now: cfg.Now}),
		Reports: &conformance.Reporter{Store: env.Store, Keyring: env.Keyring, Deployment: Deployment(cfg), Now: cfg.Now,
			Registry: ConformanceRegistry(cfg), Chain: &conformance.ChainCache{TTL: conformance.DefaultChainTTL}},
		SSO:            env.SSO,
		Logger:         cfg.Logger,
		Hub:            hub,
		BehindTLSProxy: cfg.InsecureBehindTLSProxy,
		TrustedProxies: cfg.TrustedProxies,
	}
	if cfg.PublicURL != "" {
		rp, err := RelyingParty(cfg)
		if err != nil {
			return err
		}
		hcfg.PublicOrigin = rp.RPOrigins[0]
	}
	h := httpapi.New(hcfg)

	// Background jobs run until ward stops serving; the ones over shared
	// state only on the job leader (one node of a cluster).
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	lead := &jobLeader{st: env.Store, node: cfg.NodeID, log: cfg.Logger}
	leaderDone := make(chan struct{})
	go func() { defer close(leaderDone); lead.watch(jobs, min(leaderCheckEvery, cfg.JobsEvery)) }()
	defer func() { stopJobs(); <-leaderDone }()
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		t := time.NewTicker(cfg.SealEvery)
		defer t.Stop()
		env.Sealer.Run(jobs, lead.gate(jobs, t.C), func(err error) { cfg.Logger.Error("audit sealing failed", "err", err.Error()) })
	}()
	defer func() { stopJobs(); <-jobsDone }()
	msgJobsDone := make(chan struct{})
	go func() {
		defer close(msgJobsDone)
		runMessagingJobs(jobs, env.App, env.OnCall, env.Store, lead, cfg.JobsEvery, cfg.Now, cfg.Logger)
	}()
	defer func() { stopJobs(); <-msgJobsDone }()
	if env.Digest != nil {
		digestDone := make(chan struct{})
		go func() { defer close(digestDone); runEmailFallback(jobs, env.Digest, lead, cfg.Logger) }()
		defer func() { stopJobs(); <-digestDone }()
	}
	deadlinesDone := make(chan struct{})
	go func() {
		defer close(deadlinesDone)
		runDeadlineReminders(jobs, env.Incidents, env.BAAs, lead, cfg.Logger)
	}()
	defer func() { stopJobs(); <-deadlinesDone }()
	// Archive exports a stopped or crashed ward left unfinished run again,
	// from the start, on the leader (several nodes must not run one twice).
	if lead.check(jobs) {
		if err := env.Exports.Resume(jobs); err != nil {
			cfg.Logger.Error("archive exports not resumed", "err", err.Error())
		}
	}
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		runMonitor(jobs, env.Monitor, lead, cfg.MonitorEvery, cfg.Logger)
	}()
	defer func() { stopJobs(); <-monitorDone }()
	throttleDone := make(chan struct{})
	go func() { defer close(throttleDone); runThrottleAudit(jobs, env.App, cfg.Logger) }()
	defer func() { stopJobs(); <-throttleDone }()
	if bj, err := backupJob(ctx, cfg, env); err != nil {
		return err
	} else if bj != nil {
		backupsDone := make(chan struct{})
		go func() { defer close(backupsDone); runBackups(jobs, cfg, env, bj) }()
		defer func() { stopJobs(); <-backupsDone }()
	}

	if cfg.MaxConnsPerAddress >= 0 {
		ln = newConnLimiter(ln, cmp.Or(cfg.MaxConnsPerAddress, DefaultMaxConnsPerAddress), func(a netip.Addr) bool {
			return a.IsLoopback() || slices.ContainsFunc(cfg.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(a) })
		})
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Shutdown does not wait for hijacked connections: the hub closes the
	// WebSockets (1001 going away) as shutdown starts, and Run waits for
	// them below, before the database closes.
	srv.RegisterOnShutdown(func() { hub.Close(context.Background()) })

	scheme := "https"
	if cfg.InsecureBehindTLSProxy {
		scheme = "http"
		const warning = "INSECURE: serving plain HTTP because --insecure-behind-tls-proxy is set. " +
			"Only do this behind a proxy that terminates TLS on the same host or a trusted network."
		cfg.Logger.Warn(warning)
		fmt.Fprintln(cfg.Stdout, "!!! "+warning)
	} else {
		if !certLoaded {
			host, _, _ := net.SplitHostPort(cfg.Addr)
			var created bool
			if cert, created, err = loadCertificate(cfg, host); err != nil {
				return err
			}
			if created {
				cfg.Logger.Info("created a self-signed TLS certificate", "dir", cfg.DataDir+"/tls")
			}
		}
		fp := fingerprint(cert)
		cfg.Logger.Info("TLS certificate", "sha256", fp)
		fmt.Fprintf(cfg.Stdout, "TLS certificate SHA-256 fingerprint: %s\n", fp)
		srv.TLSConfig = tlsConfig(cert)
		ln = tls.NewListener(ln, srv.TLSConfig)
	}

	if metricsLn != nil {
		defer serveMetrics(ctx, cfg, metricsLn, h.Metrics())()
	}

	addr := ln.Addr().String()
	cfg.Logger.Info("ward serving", "url", scheme+"://"+addr, "database", env.Store.Dialect(), "data", cfg.DataDir, "node", cfg.NodeID)
	fmt.Fprintf(cfg.Stdout, "ward node id: %s\n", cfg.NodeID)
	attachments := ""
	if cfg.Blobs != "" {
		attachments = fmt.Sprintf(", attachments: %s", env.Blobs)
	}
	fmt.Fprintf(cfg.Stdout, "ward is serving on %s://%s (database: %s, data: %s%s)\n", scheme, addr, env.Store.Dialect(), cfg.DataDir, attachments)
	if cfg.Started != nil {
		cfg.Started(addr)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	cfg.Logger.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		cfg.Logger.Warn("shutdown did not finish in time", "err", err.Error())
	}
	if err := hub.Close(sctx); err != nil {
		cfg.Logger.Warn("WebSockets did not close in time", "err", err.Error())
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	cfg.Logger.Info("stopped")
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SealEvery == 0 {
		cfg.SealEvery = 5 * time.Second
	}
	if cfg.JobsEvery <= 0 {
		cfg.JobsEvery = urgentTimersEvery
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	return cfg
}

// checkDataDir reports whether dir exists, and fails when it exists but is
// not a folder ward can read.
func checkDataDir(dir string) (bool, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("data dir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("data dir %s is not a folder", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return false, fmt.Errorf("data dir %s is not readable: %w", dir, err)
	}
	return true, nil
}

func selfSignedExists(dir string) bool {
	_, err := os.Stat(dir + "/tls/cert.pem")
	_, err2 := os.Stat(dir + "/tls/key.pem")
	return err == nil || err2 == nil
}

// serveMetrics serves Prometheus metrics on ln (cfg.MetricsAddr), plain
// HTTP, until stop is called. It is a listener of its own so that the public
// address never answers /metrics (route names, counts and the process's
// figures are for operators); give it a loopback or management address.
func serveMetrics(ctx context.Context, cfg Config, ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	addr := ln.Addr().String()
	cfg.Logger.Info("metrics serving", "url", "http://"+addr+"/metrics")
	fmt.Fprintf(cfg.Stdout, "ward metrics are served on http://%s/metrics\n", addr)
	if cfg.MetricsStarted != nil {
		cfg.MetricsStarted(addr)
	}
	return func() { srv.Close(); <-done }
}

// startHub makes the hub of this node's sockets. In a cluster (NATS) the
// nodes also share who is online where (realtime.Presence), so that a
// push for a routine message is not sent to someone reading on another
// node; push asks both.
func startHub(cfg Config, env *Env) (*realtime.Hub, *realtime.Presence, error) {
	var presence atomic.Pointer[realtime.Presence]
	hub := realtime.NewHub(env.Broker, realtime.HubOptions{Logger: cfg.Logger, OnPresence: func(user string, online bool) {
		if p := presence.Load(); p != nil {
			p.Changed(user, online)
		}
	}})
	nb, clustered := env.Broker.(*realtime.NATSBroker)
	if !clustered {
		env.Push.SetOnline(hub.Online)
		return hub, nil, nil
	}
	p, err := nb.StartPresence(cfg.NodeID, hub.Users, 0)
	if err != nil {
		return nil, nil, err
	}
	presence.Store(p)
	env.Push.SetOnline(func(user string) bool { return hub.Online(user) || p.Online(user) })
	return hub, p, nil
}
