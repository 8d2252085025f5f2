package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"text/tabwriter"
)

// Result is one run's figures; its JSON is what --json writes. Latencies
// are in milliseconds. delivered counts (message, recipient) pairs on each
// recipient's first socket; frames counts every recipient socket.
type Result struct {
	Mode        string  `json:"mode"`            // rate | sequential
	Server      string  `json:"server"`          // child | in-process | remote
	Nodes       int     `json:"nodes,omitempty"` // child servers on one PostgreSQL (--nodes); CPU and RSS are their sums
	Database    string  `json:"database"`        // sqlite | postgres | remote
	Users       int     `json:"users"`
	Connections int     `json:"connections"`
	Rate        float64 `json:"rate"` // offered msgs/s (0: sequential)
	GroupRatio  float64 `json:"group_ratio"`
	GroupSize   int     `json:"group_size"`
	BodySize    int     `json:"body_size"`
	Senders     int     `json:"senders"`
	SendOver    string  `json:"send_over"` // ws | http
	Receipts    string  `json:"receipts"`  // none | delivered | read
	DurationSec float64 `json:"duration_sec"`
	WarmupSec   float64 `json:"warmup_sec"`
	SetupSec    float64 `json:"setup_sec"`

	Sent               int64   `json:"sent"`
	SentPerSec         float64 `json:"sent_per_sec"`
	Delivered          int64   `json:"delivered"`
	DeliveredPerSec    float64 `json:"delivered_per_sec"`
	ExpectedDeliveries int64   `json:"expected_deliveries"`
	Frames             int64   `json:"frames"`
	FramesPerSec       float64 `json:"frames_per_sec"`
	Missed             int64   `json:"missed"` // sends due that no sender was free for
	Failed             int64   `json:"failed"`
	DroppedSockets     int64   `json:"dropped_sockets"`
	LastError          string  `json:"last_error,omitempty"`
	// With --receipts: marks answered (started in the window), marks
	// refused, and receipt events the senders' first sockets got.
	MarksPerSec         float64 `json:"marks_per_sec,omitempty"`
	MarksFailed         int64   `json:"marks_failed,omitempty"`
	ReceiptEventsPerSec float64 `json:"receipt_events_per_sec,omitempty"`

	P50     float64 `json:"p50_ms"` // send→deliver
	P95     float64 `json:"p95_ms"`
	P99     float64 `json:"p99_ms"`
	Max     float64 `json:"max_ms"`
	SendP50 float64 `json:"send_p50_ms"` // send → answer (201 or "sent" frame)
	SendP99 float64 `json:"send_p99_ms"`

	Logins       int     `json:"logins"`
	LoginsPerSec float64 `json:"logins_per_sec"`
	LoginP50     float64 `json:"login_p50_ms"`
	LoginP99     float64 `json:"login_p99_ms"`

	ServerRSS uint64 `json:"server_rss_bytes"`      // at the end of the load
	IdleRSS   uint64 `json:"server_idle_rss_bytes"` // with the sockets open, before the load
	// BytesPerSocket is the growth of the server's Go heap (live, read
	// just after a GC) and goroutine stacks over opening the sockets,
	// divided by their number. RSSBytesPerSocket is the same for the
	// resident set: noisy, since the runtime returns freed memory (the
	// sign-ins' argon2 buffers) to the OS lazily; it can even be negative.
	BytesPerSocket    int64   `json:"bytes_per_socket"`
	StackPerSocket    int64   `json:"stack_bytes_per_socket"` // the stacks' share of BytesPerSocket
	RSSBytesPerSocket int64   `json:"rss_bytes_per_socket"`
	HeapSettled       bool    `json:"heap_settled"` // both heap readings followed a GC
	CPUSeconds        float64 `json:"cpu_seconds"`  // server CPU in the window
	CPUPerMessage     float64 `json:"cpu_sec_per_message"`
	// The load generator (this process) with a child server, and how busy
	// the host's cores were (0..1, Linux): on a shared machine the two
	// split the cores, and a machine near 1 is saturated.
	BenchCPUPerMessage float64 `json:"bench_cpu_sec_per_message,omitempty"`
	MachineBusy        float64 `json:"machine_busy,omitempty"`
	// DatabaseCPUPerMessage is PostgreSQL's CPU per message when it runs
	// on this host (dbcpu.go); OtherCPUPerMessage, with a child server, is
	// the rest of the host's busy time per message: NATS with --nodes, the
	// kernel's threads, whatever else runs.
	DatabaseCPUPerMessage float64 `json:"database_cpu_sec_per_message,omitempty"`
	OtherCPUPerMessage    float64 `json:"other_cpu_sec_per_message,omitempty"`
	// MachineSteal is the share of the window the hypervisor ran other
	// machines on this one's cores (0..1, Linux), part of MachineBusy.
	// HostSealNs and HostRoundTripUs time fixed work just before the load
	// (hostspeed.go): runs compare only when these agree.
	MachineSteal    float64 `json:"machine_steal"`
	HostSealNs      float64 `json:"host_seal_ns,omitempty"`
	HostRoundTripUs float64 `json:"host_loopback_round_trip_us,omitempty"`
	// IncludesClient: the server ran in this process, so RSS, memory per
	// socket and CPU include the benchmark's own clients.
	IncludesClient bool `json:"includes_client"`

	GoVersion string `json:"go_version"`
	CPUs      int    `json:"cpus"`
	Started   string `json:"started"`
}

// WriteJSON writes r to path.
func (r *Result) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// minSocketsForMemory is the fewest sockets whose memory ward bench
// reports per socket: below it, the rest of the heap's ups and downs
// swamp the figure.
const minSocketsForMemory = 200

func (r *Result) print(w io.Writer) {
	note := ""
	if r.IncludesClient {
		note = " (server and bench share the process)"
	}
	server := r.Server + " server"
	if r.Nodes > 1 {
		server = fmt.Sprintf("%d %s servers (CPU and RSS summed)", r.Nodes, r.Server)
	}
	fmt.Fprintf(w, "\nward bench: %s, sent over %s, %s, %s, %d users, %d sockets, %.0f s measured%s\n",
		r.Mode, r.SendOver, server, r.Database, r.Users, r.Connections, r.DurationSec, note)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	if r.Mode == "rate" {
		fmt.Fprintf(tw, "offered\t%.0f msgs/s (%.0f%% group, groups of %d)\n", r.Rate, r.GroupRatio*100, r.GroupSize)
	}
	fmt.Fprintf(tw, "sent\t%.1f msgs/s\t(%d acknowledged, %d not sent on time, %d failed)\n", r.SentPerSec, r.Sent, r.Missed, r.Failed)
	fmt.Fprintf(tw, "delivered\t%.1f msgs/s\t(%d of %d expected; %.1f frames/s on all sockets)\n", r.DeliveredPerSec, r.Delivered, r.ExpectedDeliveries, r.FramesPerSec)
	if r.Receipts != "none" && r.Receipts != "" {
		fmt.Fprintf(tw, "receipts\t%.1f marks/s\t(%s, over the socket; %d refused; %.1f receipt events/s to the senders)\n", r.MarksPerSec, r.Receipts, r.MarksFailed, r.ReceiptEventsPerSec)
	}
	fmt.Fprintf(tw, "send→deliver\tp50 %.1f ms\tp95 %.1f ms  p99 %.1f ms  max %.1f ms\n", r.P50, r.P95, r.P99, r.Max)
	fmt.Fprintf(tw, "send→answer\tp50 %.1f ms\tp99 %.1f ms\n", r.SendP50, r.SendP99)
	fmt.Fprintf(tw, "sign-ins\t%.1f /s\tp50 %.1f ms  p99 %.1f ms (%d)\n", r.LoginsPerSec, r.LoginP50, r.LoginP99, r.Logins)
	fmt.Fprintf(tw, "server RSS\t%s\t(%s with the sockets idle)\n", mib(r.ServerRSS), mib(r.IdleRSS))
	rss := "RSS growth " + kib(r.RSSBytesPerSocket)
	if r.RSSBytesPerSocket <= 0 {
		rss = "RSS shrank: freed memory went back to the OS"
	}
	if r.Connections >= minSocketsForMemory {
		fmt.Fprintf(tw, "per idle socket\t%s\t(Go heap+stacks after GC, of which stacks %s; %s)\n", kib(r.BytesPerSocket), kib(r.StackPerSocket), rss)
	} else {
		fmt.Fprintf(tw, "per idle socket\t—\t(%d sockets are too few to tell from the server's other memory; use %d or more)\n", r.Connections, minSocketsForMemory)
	}
	fmt.Fprintf(tw, "CPU per message\t%.0f µs\t(%.2f CPU s in the window)\n", r.CPUPerMessage*1e6, r.CPUSeconds)
	if r.BenchCPUPerMessage > 0 {
		fmt.Fprintf(tw, "load generator\t%.0f µs\t(this process's CPU per message; the host's cores %.0f%% busy)\n", r.BenchCPUPerMessage*1e6, r.MachineBusy*100)
	}
	if r.DatabaseCPUPerMessage > 0 {
		fmt.Fprintf(tw, "database\t%.0f µs\t(PostgreSQL's processes on this host, CPU per message)\n", r.DatabaseCPUPerMessage*1e6)
	}
	if r.OtherCPUPerMessage > 0 {
		fmt.Fprintf(tw, "rest of host\t%.0f µs\t(every other process per message: NATS with --nodes, the kernel's threads)\n", r.OtherCPUPerMessage*1e6)
	}
	if r.HostSealNs > 0 {
		fmt.Fprintf(tw, "this host\t%.2f µs\t(one 1 KiB AES-GCM seal; a loopback round trip %.1f µs; steal %.1f%%: fixed work before the load, slower in a slow hour)\n",
			r.HostSealNs/1e3, r.HostRoundTripUs, r.MachineSteal*100)
	}
	if r.DroppedSockets > 0 || r.LastError != "" {
		fmt.Fprintf(tw, "problems\t%d sockets dropped\t%s\n", r.DroppedSockets, r.LastError)
	}
	tw.Flush()
}

func round(f float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(f*p) / p
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
func kib(b int64) string  { return fmt.Sprintf("%.1f KiB", float64(b)/1024) }
