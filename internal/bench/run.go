package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

// Run runs one benchmark and returns its figures; it prints progress and
// the final table to cfg.Out.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	out := cfg.Out
	res := &Result{Mode: "rate", Users: cfg.Users, Rate: cfg.Rate, GroupRatio: cfg.GroupRatio, GroupSize: cfg.GroupSize,
		BodySize: cfg.BodySize, Senders: cfg.Senders, SendOver: cfg.SendOver, Receipts: cfg.Receipts, DurationSec: cfg.Duration.Seconds(), WarmupSec: cfg.Warmup.Seconds(),
		Database: "sqlite", GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Started: time.Now().UTC().Format(time.RFC3339)}
	if cfg.Sequential {
		res.Mode, res.Rate, res.Senders = "sequential", 0, 1
	}
	if cfg.DBURL != "" {
		res.Database = "postgres"
	}
	limit, err := raiseFileLimit()
	if err != nil {
		return nil, fmt.Errorf("raise the open-file limit: %w", err)
	}
	// Each socket is a file, and so are each user's kept-alive HTTP
	// connections (two at most, mostly) when messages go as POSTs; sending
	// over the sockets, the users hold none after setup, but those without
	// a socket send over HTTP, a connection per sender at most. In-process,
	// the server's ends count too.
	need := uint64(cfg.Sockets + 2*cfg.Users + 200)
	if cfg.SendOver == "ws" {
		need = uint64(cfg.Sockets + cfg.Senders + 200)
	}
	if cfg.Target == "" && cfg.ServeCommand == nil {
		need *= 2
	}
	if limit < need {
		return nil, fmt.Errorf("%d sockets need about %d open files; the limit is %d (raise it with ulimit -n)", cfg.Sockets, need, limit)
	}

	run := runID()
	hc := httpClient(true)
	var t *target
	var nodes []*target // t and the other nodes (--nodes)
	var postmaster int  // PostgreSQL's, when --db runs on this host (dbcpu.go)
	var slug string
	var emails []string
	insecure := true
	phase := time.Now()
	if cfg.Target != "" {
		insecure = cfg.InsecureSkipVerify
		hc = httpClient(insecure)
		res.Server, res.Database = "remote", "remote"
		t = &target{base: cfg.Target, metrics: cfg.TargetMetrics, kind: "remote", stop: func() error { return nil }}
		fmt.Fprintf(out, "creating %d users in org %s on %s…\n", cfg.Users, cfg.Org, cfg.Target)
		slug = cfg.Org
		if emails, err = createRemote(ctx, cfg, hc, run); err != nil {
			return nil, err
		}
	} else {
		dataDir := cfg.DataDir
		if dataDir != "" {
			// Never an existing ward's data dir: the bench adds users and
			// runs a server on it.
			if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
				return nil, fmt.Errorf("--data %s is not empty: the bench needs a new folder", dataDir)
			}
		} else {
			if dataDir, err = os.MkdirTemp("", "ward-bench-"); err != nil {
				return nil, err
			}
			defer os.RemoveAll(dataDir)
		}
		if cfg.DBURL != "" {
			var drop func()
			if cfg.DBURL, drop, err = freshSchema(ctx, cfg.DBURL); err != nil {
				return nil, err
			}
			defer drop()
			postmaster = postmasterPID(ctx, cfg.DBURL)
		}
		fmt.Fprintf(out, "creating an org and %d users in %s (%s)…\n", cfg.Users, dataDir, res.Database)
		if slug, emails, err = createLocal(ctx, cfg, dataDir, run); err != nil {
			return nil, err
		}
		if nodes, err = startNodes(ctx, cfg, dataDir); err != nil {
			return nil, err
		}
		for i := range nodes[1:] {
			if cfg.DataDir == "" { // kept beside a --data folder, with its log
				defer os.RemoveAll(fmt.Sprintf("%s-node%d", dataDir, i+2))
			}
		}
		t = nodes[0]
		res.Server, res.Nodes = t.kind, len(nodes)
		for _, n := range nodes {
			fmt.Fprintf(out, "ward serving on %s (%s)\n", n.base, n.kind)
		}
	}
	if nodes == nil {
		nodes = []*target{t}
	}
	bases := make([]string, len(nodes))
	for i, n := range nodes {
		bases[i] = n.base
	}
	res.SetupSec = round(time.Since(phase).Seconds(), 2)
	stopErr := func() error { return stopAll(nodes) }
	defer func() {
		if stopErr != nil {
			stopErr()
		}
	}()

	// Sign-ins, with the real password hasher.
	users, loginHist, loginTime, err := login(ctx, cfg, bases, slug, run, emails, insecure)
	if err != nil {
		return nil, err
	}
	res.Logins = len(users)
	res.LoginsPerSec = round(float64(len(users))/loginTime.Seconds(), 1)
	res.LoginP50, res.LoginP99 = ms(loginHist.quantile(0.50)), ms(loginHist.quantile(0.99))
	fmt.Fprintf(out, "signed in %d users: %.1f sign-ins/s, p50 %.1f ms, p99 %.1f ms (%d at a time)\n",
		len(users), res.LoginsPerSec, res.LoginP50, res.LoginP99, cfg.LoginConcurrency)

	direct, groups, err := conversations(ctx, cfg, users)
	if err != nil {
		return nil, err
	}
	l := newLoad(cfg, users, direct, groups)
	lctx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()

	// Idle sockets: the server's memory before and after opening them.
	settle(t)
	before, gc1 := t.settledSample(ctx, hc)
	phase = time.Now()
	// The readers end only when their sockets close (load.read): on every
	// way out, not just the normal one below.
	defer l.closeSockets()
	if err := l.openSockets(lctx, cfg.Sockets); err != nil {
		return nil, err
	}
	countRecipients(users, direct, groups)
	res.Connections = len(l.sockets)
	openTime := time.Since(phase)
	settle(t)
	time.Sleep(time.Second)
	after, gc2 := t.settledSample(ctx, hc)
	if cfg.Sockets > 0 && before.ok && after.ok {
		res.BytesPerSocket = (int64(after.heap) - int64(before.heap)) / int64(cfg.Sockets)
		res.StackPerSocket = (int64(after.stack) - int64(before.stack)) / int64(cfg.Sockets)
		res.RSSBytesPerSocket = (int64(after.rss) - int64(before.rss)) / int64(cfg.Sockets)
	}
	res.HeapSettled = gc1 && gc2
	res.IdleRSS = after.rss
	fmt.Fprintf(out, "opened %d sockets in %.1f s: server Go heap+stacks %s → %s, %s per socket (RSS %s → %s)\n",
		res.Connections, openTime.Seconds(), mib(before.heap), mib(after.heap), kib(res.BytesPerSocket), mib(before.rss), mib(after.rss))

	// This host's speed, idle but for the open sockets.
	speed := measureHostSpeed()
	res.HostSealNs, res.HostRoundTripUs = round(speed.sealNs, 0), round(speed.roundTripUs, 1)

	// Load.
	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	if cfg.Trace != "" {
		stop, err := startTrace(cfg.Trace)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	if cfg.Sequential {
		fmt.Fprintf(out, "sequential sends for %s (after %s warm-up)…\n", cfg.Duration, cfg.Warmup)
	} else {
		fmt.Fprintf(out, "offering %.0f msgs/s (%.0f%% to groups of %d) for %s after %s warm-up, %d senders…\n",
			cfg.Rate, cfg.GroupRatio*100, cfg.GroupSize, cfg.Duration, cfg.Warmup, cfg.Senders)
	}
	progressDone, progressExited := make(chan struct{}), make(chan struct{})
	go func() { defer close(progressExited); l.progress(lctx, progressDone) }()
	var cpu0 procSample
	var host0 hostSample
	var db0 float64
	var dbOK bool
	l.drive(lctx, cfg.Warmup, cfg.Duration, func() {
		cpu0, host0 = sampleNodes(ctx, hc, nodes), sampleHost()
		if postmaster > 0 {
			db0, dbOK = familyCPU(postmaster)
		}
	})
	cpu1, host1 := sampleNodes(ctx, hc, nodes), sampleHost()
	var dbCPU float64 // PostgreSQL's CPU seconds in the window, when dbOK
	if dbOK {
		var db1 float64
		db1, dbOK = familyCPU(postmaster)
		dbCPU = db1 - db0
	}
	l.drain(lctx)
	close(progressDone)
	<-progressExited // it writes to out too
	peak := sampleNodes(ctx, hc, nodes)
	l.closeSockets()
	stopLoad()

	window := cfg.Duration.Seconds()
	res.Sent = l.sent.Load()
	res.SentPerSec = round(float64(res.Sent)/window, 1)
	res.Delivered = l.delivered.Load()
	res.DeliveredPerSec = round(float64(res.Delivered)/window, 1)
	res.ExpectedDeliveries = l.expected.Load()
	res.Frames = l.frames.Load()
	res.FramesPerSec = round(float64(res.Frames)/window, 1)
	res.Missed, res.Failed, res.DroppedSockets = l.missed.Load(), l.failed.Load(), l.dropped.Load()
	res.MarksPerSec, res.MarksFailed = round(float64(l.marks.Load())/window, 1), l.markFailed.Load()
	res.ReceiptEventsPerSec = round(float64(l.receipts.Load())/window, 1)
	if s, ok := l.lastErr.Load().(string); ok {
		res.LastError = s
	}
	res.P50, res.P95, res.P99, res.Max = ms(l.latency.quantile(0.50)), ms(l.latency.quantile(0.95)), ms(l.latency.quantile(0.99)), ms(l.latency.quantile(1))
	res.SendP50, res.SendP99 = ms(l.sendRTT.quantile(0.50)), ms(l.sendRTT.quantile(0.99))
	res.ServerRSS = peak.rss
	if cpu0.ok && cpu1.ok && res.Sent > 0 {
		res.CPUSeconds = round(cpu1.cpu-cpu0.cpu, 2)
		res.CPUPerMessage = (cpu1.cpu - cpu0.cpu) / float64(res.Sent)
	}
	res.IncludesClient = t.kind == "in-process"
	if dbOK && res.Sent > 0 {
		res.DatabaseCPUPerMessage = dbCPU / float64(res.Sent)
	}
	if host0.ok && host1.ok && res.Sent > 0 && host1.total > host0.total {
		if !res.IncludesClient {
			res.BenchCPUPerMessage = (host1.self - host0.self) / float64(res.Sent)
		}
		res.MachineBusy = round((host1.busy-host0.busy)/(host1.total-host0.total), 3)
		if !res.IncludesClient && cpu0.ok && cpu1.ok {
			busy := (host1.busy - host0.busy) / clockTicks // CPU seconds on all cores
			rest := busy - (cpu1.cpu - cpu0.cpu) - (host1.self - host0.self) - dbCPU
			res.OtherCPUPerMessage = max(rest, 0) / float64(res.Sent)
		}
		res.MachineSteal = round((host1.steal-host0.steal)/(host1.total-host0.total), 3)
	}

	stopErr = nil
	if err := stopAll(nodes); err != nil {
		fmt.Fprintf(out, "warning: stopping the server: %v\n", err)
	}
	res.print(out)
	return res, nil
}

// startCPUProfile profiles this process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	return startRecording(path, pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// startTrace writes an execution trace of this process to path until stop
// is called.
func startTrace(path string) (stop func(), err error) {
	return startRecording(path, trace.Start, trace.Stop)
}

// startRecording creates path and starts a recording into it.
func startRecording(path string, start func(io.Writer) error, end func()) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { end(); f.Close() }, nil
}

// settle collects garbage when the server shares this process, so that
// its memory readings are not the benchmark's garbage.
func settle(t *target) {
	if t.kind == "in-process" {
		for range 3 {
			runtime.GC()
		}
	}
}

// progress prints one line a second until done.
func (l *load) progress(ctx context.Context, done <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	start := time.Now()
	var sent, deliv, failed int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-tick.C:
		}
		s, d, f := l.sentAll.Load(), l.delivAll.Load(), l.failed.Load()
		phase := "measure"
		if l.now() < l.from.Load() {
			phase = "warm-up"
		} else if l.now() >= l.to.Load() {
			phase = "drain"
		}
		fmt.Fprintf(l.cfg.Out, "[%3.0fs %-7s] sent %6d/s  delivered %6d/s  p99 %7.1f ms  sockets %d  errors %d\n",
			time.Since(start).Seconds(), phase, s-sent, d-deliv, ms(l.latency.quantile(0.99)),
			int64(len(l.sockets))-l.dropped.Load(), f-failed)
		sent, deliv, failed = s, d, f
	}
}
