package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wardhealth/ward/internal/bench"
)

// runBench is 'ward bench': load a ward server (started for the run, or a
// running one) and report throughput, latency, sign-ins, memory and CPU.
func runBench(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	var cfg bench.Config
	var jsonPath string
	var inProcess bool
	var cpuProfile, traceFile string
	d := bench.Defaults
	fs := newFlags("bench", stdout)
	fs.StringVar(&cfg.DataDir, "data", "", "data dir for the started server (default: a temporary one, removed afterwards)")
	fs.StringVar(&cfg.DBURL, "db", "", "database for the started server: empty for SQLite, or postgres://… (the run works in a schema of its own, dropped afterwards)")
	fs.IntVar(&cfg.Nodes, "nodes", 1, "with --db: start this many ward servers on the one database, the users (and their sockets) spread over them, live events over --nats")
	fs.StringVar(&cfg.NATSURL, "nats", "", "with --nodes above 1: the NATS server the nodes share (nats://host:4222)")
	fs.BoolVar(&inProcess, "in-process", false, "run the server inside the bench process (its RSS and CPU then include the bench clients)")
	fs.StringVar(&cfg.Target, "target", "", "load a running ward at https://host:port instead of starting one")
	fs.StringVar(&cfg.TargetMetrics, "target-metrics", "", "with --target: its metrics listener (http://host:port, ward serve --metrics-addr), for memory figures")
	fs.StringVar(&cfg.Org, "org", "", "with --target: the org's slug (MFA optional, device approval off)")
	fs.StringVar(&cfg.AdminEmail, "admin-email", "", "with --target: an admin of --org, who creates the bench users")
	fs.StringVar(&cfg.AdminPassword, "admin-password", "", "with --target: the admin's password")
	fs.BoolVar(&cfg.InsecureSkipVerify, "insecure-skip-verify", false, "with --target: accept its TLS certificate unchecked")
	fs.IntVar(&cfg.Users, "users", d.Users, "users to create and sign in")
	fs.IntVar(&cfg.Sockets, "sockets", d.Sockets, "WebSocket clients, spread over the users")
	fs.Float64Var(&cfg.Rate, "rate", d.Rate, "messages per second offered")
	fs.Float64Var(&cfg.GroupRatio, "group-ratio", d.GroupRatio, "share of messages sent to group conversations (0..1)")
	fs.IntVar(&cfg.GroupSize, "group-size", d.GroupSize, "members per group conversation")
	fs.IntVar(&cfg.BodySize, "body-size", d.BodySize, "bytes per message body")
	fs.IntVar(&cfg.Senders, "senders", d.Senders, "concurrent sends at most")
	fs.IntVar(&cfg.LoginConcurrency, "login-concurrency", d.LoginConcurrency, "concurrent sign-ins")
	fs.DurationVar(&cfg.Duration, "duration", d.Duration, "length of the measured phase")
	fs.DurationVar(&cfg.Warmup, "warmup", d.Warmup, "load before the measured phase, not counted")
	fs.StringVar(&cfg.SendOver, "send-over", d.SendOver, "send messages over the sender's open socket (ws; users without a socket use HTTP) or as HTTP POSTs (http)")
	fs.StringVar(&cfg.Receipts, "receipts", d.Receipts, "each user's first socket marks the messages it gets: none, delivered or read (over the socket, as a phone showing them would)")
	fs.BoolVar(&cfg.Sequential, "sequential", false, "one client sends, waits for the answer, repeats (--rate and --senders do not apply)")
	fs.StringVar(&jsonPath, "json", "", "also write the figures as JSON to this file")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "with --in-process: write a CPU profile of the load phase (server and clients) to this file")
	fs.StringVar(&traceFile, "trace", "", "with --in-process: write an execution trace of the load phase to this file (go tool trace; -pprof=sched for the wait for a core)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	if cfg.Duration == 0 {
		return usageError{errors.New("--duration must be positive")}
	}
	if !inProcess && cfg.Target == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the ward binary to run 'ward serve': %w (use --in-process)", err)
		}
		cfg.ServeCommand = []string{exe, "serve"}
	}
	if cfg.Nodes > 1 && inProcess {
		return usageError{errors.New("--nodes above 1 starts child servers: not with --in-process")}
	}
	if (cpuProfile != "" || traceFile != "") && !inProcess {
		return usageError{errors.New("--cpuprofile and --trace need --in-process")}
	}
	cfg.CPUProfile, cfg.Trace = cpuProfile, traceFile
	cfg.Out = stdout
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if jsonPath != "" {
		if err := res.WriteJSON(jsonPath); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "figures written to %s\n", jsonPath)
	}
	return nil
}
