package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/buildinfo"
)

// command is one ward subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":      {"serve the API and web client over HTTPS", runServe},
		"migrate":    {"apply database migrations and exit", runMigrate},
		"version":    {"print the version", runVersion},
		"init":       {"create an org and its owner", runInit},
		"user":       {"add or list users", runUser},
		"device":     {"list, approve, lock, unlock or wipe devices", runDevice},
		"keys":       {"rotate keys or show their status", runKeys},
		"audit":      {"verify the audit chain, or export audit events", runAudit},
		"archive":    {"export or verify a signed, encrypted compliance archive", runArchive},
		"accounting": {"a patient's accounting of disclosures (45 CFR 164.528) as CSV or PDF", runAccounting},
		"compliance": {"write or verify the signed HIPAA conformance report", runCompliance},
		"backup":     {"back up a running ward (encrypted, signed), or verify a backup", runBackup},
		"restore":    {"restore a backup into an empty data dir or database", runRestore},
		"demo":       {"seed a demo clinic", runDemo},
		"bench":      {"load a ward server and report throughput, latency, memory and CPU", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ward: unknown command %q (run 'ward help')\n", args[0])
		return 2
	}
	err := cmd.run(ctx, args[1:], stdin, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "ward %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "ward %s: %s\n", args[0], oneLine(err))
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: ward <command> [flags]   (ward <command> -h for its flags)")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

// oneLine is err for a terminal: one line, and for a ward error with a
// clear code its caller-safe message, without the driver's wording.
func oneLine(err error) string {
	msg := err.Error()
	var we *ward.Error
	if errors.As(err, &we) && we.Code != ward.CodeInternal && we.Code != ward.CodeUnavailable && we.Code != ward.CodeIntegrity {
		msg = we.Message
	}
	return strings.ReplaceAll(msg, "\n", "; ")
}

func runVersion(_ context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
	bi := buildinfo.Get()
	fmt.Fprintf(stdout, "ward %s (commit %s)\n", bi.Version, bi.Commit)
	return nil
}
