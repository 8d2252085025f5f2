package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wardhealth/ward/internal/server"
)

// target is the ward server under load.
type target struct {
	base    string // https://host:port
	metrics string // http://host:port of the server's metrics listener ("": none)
	kind    string // "child", "in-process" or "remote"
	pid     int    // the process whose RSS and CPU are read from /proc (0: scrape /metrics)
	stop    func() error
	log     string // the server's log file, when we started it
}

// startServer starts ward on cfg.DataDir (which holds the org and users
// already) as a child process or in this process; extra are more flags
// for the child's ward serve.
func startServer(ctx context.Context, cfg Config, dataDir string, extra ...string) (*target, error) {
	logPath := filepath.Join(dataDir, "bench-serve.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if cfg.ServeCommand == nil {
		return startInProcess(ctx, cfg, dataDir, logf, logPath)
	}
	args := append(append([]string(nil), cfg.ServeCommand[1:]...), "--data", dataDir, "--addr", "127.0.0.1:0",
		"--metrics-addr", "127.0.0.1:0")
	if cfg.DBURL != "" {
		args = append(args, "--db", cfg.DBURL)
	}
	args = append(args, extra...)
	cmd := exec.Command(cfg.ServeCommand[0], args...)
	cmd.Stderr = logf
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start ward serve: %w", err)
	}
	waitc := make(chan error, 1)
	addrc := make(chan string, 1)
	metricsc := make(chan string, 1) // ward prints it before the serving line
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "ward metrics are served on "); ok {
				select {
				case metricsc <- strings.TrimSuffix(strings.TrimSpace(rest), "/metrics"):
				default:
				}
			}
			if _, rest, ok := strings.Cut(sc.Text(), "ward is serving on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				select {
				case addrc <- u:
				default:
				}
			}
		}
		waitc <- cmd.Wait()
		logf.Close()
	}()
	t := &target{kind: "child", pid: cmd.Process.Pid, log: logPath}
	t.stop = func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-waitc:
			return err
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			return errors.New("ward serve did not stop within 30 s of SIGTERM; killed")
		}
	}
	select {
	case t.base = <-addrc:
		select {
		case t.metrics = <-metricsc:
		default:
		}
		return t, nil
	case err := <-waitc:
		return nil, fmt.Errorf("ward serve ended before serving (%v): %s", err, logTail(logPath))
	case <-time.After(60 * time.Second):
		t.stop()
		return nil, errors.New("ward serve did not start within 60 s")
	case <-ctx.Done():
		t.stop()
		return nil, ctx.Err()
	}
}

func startInProcess(ctx context.Context, cfg Config, dataDir string, logf *os.File, logPath string) (*target, error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var metricsAddr string // set before Started is called
	scfg := server.Config{DataDir: dataDir, DBURL: cfg.DBURL, Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
		MetricsStarted: func(a string) { metricsAddr = a },
		Logger:         slog.New(slog.NewJSONHandler(logf, nil)), Started: func(a string) { addrc <- a }}
	go func() { done <- server.Run(sctx, scfg); logf.Close() }()
	t := &target{kind: "in-process", pid: os.Getpid(), log: logPath}
	t.stop = func() error { cancel(); return <-done }
	select {
	case a := <-addrc:
		t.base, t.metrics = "https://"+a, "http://"+metricsAddr
		return t, nil
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("start ward: %w", err)
	}
}

// logTail is the end of a log file, for an error message.
func logTail(path string) string {
	b, _ := os.ReadFile(path)
	b = bytes.TrimSpace(b)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return strings.ReplaceAll(string(b), "\n", "; ")
}

// procSample is what the server process has used so far.
type procSample struct {
	rss   uint64  // resident set, bytes
	cpu   float64 // user + system CPU seconds
	heap  uint64  // Go heap allocated + goroutine stacks, bytes (from /metrics)
	stack uint64  // of which goroutine stacks
	ok    bool
}

// sample reads the server's RSS and CPU from /proc when it runs on this
// host as a known process, else from its /metrics page; the Go heap
// always from /metrics.
func (t *target) sample(ctx context.Context, hc *http.Client) procSample {
	var s procSample
	m := scrapeMetrics(ctx, hc, t.metrics)
	s.stack = uint64(m["go_memstats_stack_inuse_bytes"])
	live, ok := m["go_gc_heap_live_bytes"] // the heap the last GC found live
	if !ok {
		live = m["go_memstats_heap_alloc_bytes"] // older servers: live + not yet swept
	}
	s.heap = uint64(live) + s.stack
	if t.pid != 0 {
		if rss, cpu, err := readProc(t.pid); err == nil {
			s.rss, s.cpu, s.ok = rss, cpu, true
			return s
		}
	}
	if v, ok := m["process_resident_memory_bytes"]; ok {
		s.rss, s.cpu, s.ok = uint64(v), m["process_cpu_seconds_total"], true
	}
	return s
}

// settledSample is sample after the server's garbage collector has run
// four times since the call (at most 15 s of waiting): stacks shrink by
// half at each GC, and the heap figure is what the last one found live,
// not garbage of earlier phases (the sign-ins' argon2 buffers). It makes the collector run by reading /metrics, which
// allocates a little each time; gc reports whether it did.
func (t *target) settledSample(ctx context.Context, hc *http.Client) (s procSample, gc bool) {
	const key = "go_gc_duration_seconds_count"
	start, ok := scrapeMetrics(ctx, hc, t.metrics)[key]
	deadline := time.Now().Add(15 * time.Second)
	for ok && ctx.Err() == nil && time.Now().Before(deadline) {
		var wg sync.WaitGroup
		var last map[string]float64
		var mu sync.Mutex
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := scrapeMetrics(ctx, hc, t.metrics)
				mu.Lock()
				if m[key] >= start+4 {
					last = m
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if last != nil {
			gc = true
			break
		}
	}
	return t.sample(ctx, hc), gc
}

// readProc reads VmRSS from /proc/PID/status and utime+stime from
// /proc/PID/stat.
func readProc(pid int) (rss uint64, cpu float64, err error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			rss = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) may hold spaces: count fields after ")".
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, 0, errors.New("bad /proc stat")
	}
	ut, _ := strconv.ParseFloat(f[11], 64) // field 14
	st, _ := strconv.ParseFloat(f[12], 64) // field 15
	return rss, (ut + st) / clockTicks, nil
}

// hostSample is this process's CPU and the host's, so far.
type hostSample struct {
	self        float64 // this process: user + system CPU seconds
	busy, total float64 // every core: busy and all time, in clock ticks
	steal       float64 // every core: time the hypervisor gave to other machines, in clock ticks (counted in busy)
	ok          bool
}

// sampleHost reads this process's CPU and the host's cores (the first
// line of /proc/stat: user nice system idle iowait irq softirq steal …;
// idle and iowait are not busy).
func sampleHost() hostSample {
	var h hostSample
	_, self, err := readProc(os.Getpid())
	if err != nil {
		return h
	}
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return h
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return h
	}
	for i, v := range f[1:9] {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return h
		}
		h.total += n
		if i != 3 && i != 4 {
			h.busy += n
		}
		if i == 7 {
			h.steal = n
		}
	}
	h.self, h.ok = self, true
	return h
}

// clockTicks is USER_HZ, 100 on every Linux ward runs on.
const clockTicks = 100

// scrapeMetrics reads the unlabelled samples of ward's /metrics page, from
// the server's metrics listener at base (none when base is empty).
func scrapeMetrics(ctx context.Context, hc *http.Client, base string) map[string]float64 {
	out := map[string]float64{}
	if base == "" {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return out
	}
	resp, err := hc.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		name, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			out[name] = f
		}
	}
	return out
}

// httpClient is the benchmark's own client for /metrics and admin calls.
func httpClient(insecure bool) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: insecure}, ForceAttemptHTTP2: true}}
}

var raiseOnce sync.Once

// raiseFileLimit lifts the soft open-file limit to the hard one: each
// socket is a descriptor (two when the server runs in this process).
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	var err error
	raiseOnce.Do(func() {
		if err = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return
		}
		if lim.Cur < lim.Max {
			lim.Cur = lim.Max
			err = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		}
	})
	if err != nil {
		return 0, err
	}
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return lim.Cur, nil
}
