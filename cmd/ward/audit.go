package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// runAudit is 'ward audit verify|export|purge'.
func runAudit(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, `usage: ward audit <verify|export|purge> [flags]
  verify   walk the audit hash chain and its signed checkpoints; exit 1 naming
           the first bad sequence number and what is wrong
  export   write audit events between --from and --to (default: the last 30
           days) as jsonl or csv
  purge    remove sealed events older than --before (at least 6 years ago),
           up to a signed checkpoint, recording an audit.purged event
`)
		if len(args) == 0 {
			return usageError{errors.New("missing subcommand")}
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "verify":
		return runAuditVerify(ctx, args[1:], stdout)
	case "export":
		return runAuditExport(ctx, args[1:], stdout, stderr)
	case "purge":
		return runAuditPurge(ctx, args[1:], stdout)
	}
	return usageError{fmt.Errorf("unknown subcommand %q (want verify, export or purge)", args[0])}
}

// chainBroken is verify's failure: its message is the Problem's, on one line.
type chainBroken struct{ p *audit.Problem }

func (e chainBroken) Error() string { return e.p.Error() }
func (e chainBroken) Unwrap() error { return e.p }

func runAuditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg server.Config
	opts := audit.VerifyOptions{MaxSkew: audit.DefaultMaxSkew, UnanchoredGrace: audit.DefaultUnanchoredGrace}
	fs := newFlags("audit verify", stdout)
	dataFlags(fs, &cfg)
	fs.DurationVar(&opts.MaxSkew, "max-skew", opts.MaxSkew, "how far an event's time may lie before an earlier event's")
	fs.DurationVar(&opts.UnanchoredGrace, "unanchored-grace", opts.UnanchoredGrace,
		"how much older than the newest event an event may be without a signed checkpoint")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if opts.MaxSkew <= 0 || opts.UnanchoredGrace <= 0 {
		return usageError{errors.New("--max-skew and --unanchored-grace must be positive")}
	}
	st, keys, err := openAuditStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	opts.Trusted, opts.MACKey = []ed25519.PublicKey{keys.pub}, keys.mac
	start := time.Now()
	rep, err := audit.VerifyWith(ctx, st, opts)
	if rep.Problem != nil {
		return chainBroken{rep.Problem}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit chain OK: seq %d..%d (%d events), %d checkpoints (last at seq %d), %d unanchored, %d unsealed, %d from before MACs, %.1fs\n",
		rep.FirstSeq, rep.LastSeq, rep.Events, rep.Checkpoints, rep.LastCheckpoint, rep.Unanchored(), rep.Unsealed,
		rep.WithoutMAC, time.Since(start).Seconds())
	return nil
}

func runAuditExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	var fromS, toS, format, out, action string
	fs := newFlags("audit export", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&action, "action", "", "only events with this action (docs/audit.md), e.g. login.failed: sign-ins of unknown accounts have an empty org_id and show only here, not in an org's console")
	fs.StringVar(&fromS, "from", "", "first time included: RFC 3339 or YYYY-MM-DD (UTC); default: 30 days before --to")
	fs.StringVar(&toS, "to", "", "end time, excluded: RFC 3339 or YYYY-MM-DD (UTC); default: the end of today")
	fs.StringVar(&format, "format", "jsonl", "jsonl or csv")
	fs.StringVar(&out, "out", "", "file to write (created 0600; default stdout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	from, to, defaulted, err := exportRange(fromS, toS, time.Now())
	if err != nil {
		return err
	}
	if defaulted != "" {
		fmt.Fprintf(stderr, "%s: exporting %s to %s (UTC)\n", defaulted, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if !from.Before(to) {
		return usageError{errors.New("--from must be before --to")}
	}
	if format != "jsonl" && format != "csv" {
		return usageError{fmt.Errorf("--format %q: want jsonl or csv", format)}
	}
	if action != "" && !audit.Action(action).Valid() {
		return usageError{fmt.Errorf("--action %q is not an audit action (docs/audit.md lists them)", action)}
	}
	st, _, err := openAuditStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	w := stdout
	if out != "" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	progress := func(n int) {
		if n%audit.ProgressEvery == 0 {
			fmt.Fprintf(stderr, "exported %d events…\n", n)
		}
	}
	n, err := audit.ExportFiltered(ctx, st, from, to, format, audit.ExportFilter{Action: audit.Action(action)}, w, progress)
	if err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && out != "" {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "exported %d events from %s to %s\n", n, from.Format(time.RFC3339), to.Format(time.RFC3339))
	// The export is a disclosure of audit data: it is audited too.
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	ev := audit.Event{
		Actor: audit.Actor{Role: "cli"}, Action: audit.AuditExported, Outcome: audit.Success, ResourceType: "audit_events",
		Reason: fmt.Sprintf("ward audit export by OS user %s: %d events, %s to %s, %s%s", who, n,
			from.Format(time.RFC3339), to.Format(time.RFC3339), format, actionNote(action)),
	}
	return st.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, ev) })
}

// runAuditPurge is audit retention: it removes sealed events older than
// --before, which must be at least audit.MinRetentionYears ago, through the
// last signed checkpoint before it (audit.Sealer.Purge).
func runAuditPurge(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg server.Config
	var beforeS string
	fs := newFlags("audit purge", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&beforeS, "before", "", fmt.Sprintf("remove events older than this: RFC 3339 or YYYY-MM-DD (UTC), at least %d years ago", audit.MinRetentionYears))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	before, err := parseWhen("--before", beforeS)
	if err != nil {
		return err
	}
	if cutoff := audit.RetentionCutoff(time.Now()); before.After(cutoff) {
		return usageError{fmt.Errorf("--before %s: audit events are kept at least %d years, so it must be %s or earlier",
			before.Format(time.DateOnly), audit.MinRetentionYears, cutoff.Format(time.DateOnly))}
	}
	st, keys, err := openAuditStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := audit.NewSealer(st, audit.SealerOptions{MACKey: keys.mac})
	if err != nil {
		return err
	}
	res, err := s.Purge(ctx, before)
	if err != nil {
		return err
	}
	if res.Deleted == 0 {
		fmt.Fprintf(stdout, "nothing to purge: no sealed events before %s end at a signed checkpoint\n", before.Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(stdout, "purged %d audit events through seq %d (kept from seq %d on); an audit.purged event records it\n",
		res.Deleted, res.Through, res.Through+1)
	return nil
}

func actionNote(action string) string {
	if action == "" {
		return ""
	}
	return ", action " + action
}

// exportDays is the range an export without --from covers, as the console's.
const exportDays = 30

// exportRange reads --from and --to. What is left open defaults as in the
// console: --to to the end of today (UTC), --from to 30 days before --to.
// defaulted says what was filled in ("" when both were given).
func exportRange(fromS, toS string, now time.Time) (from, to time.Time, defaulted string, err error) {
	switch {
	case fromS == "" && toS == "":
		defaulted = fmt.Sprintf("no --from or --to: the last %d days, today included", exportDays)
	case fromS == "":
		defaulted = fmt.Sprintf("no --from: the %d days before --to", exportDays)
	case toS == "":
		defaulted = "no --to: up to the end of today"
	}
	to = now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	if toS != "" {
		if to, err = parseWhen("--to", toS); err != nil {
			return
		}
	}
	from = to.AddDate(0, 0, -exportDays)
	if fromS != "" {
		if from, err = parseWhen("--from", fromS); err != nil {
			return
		}
	}
	return from, to, defaulted, nil
}

// parseWhen reads RFC 3339 or a bare date (midnight UTC).
func parseWhen(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, usageError{fmt.Errorf("%s is required", flagName)}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, usageError{fmt.Errorf("%s %q: want RFC 3339 (2026-01-02T15:04:05Z) or YYYY-MM-DD", flagName, s)}
}

// auditKeys are what the audit commands need of the keyring.
type auditKeys struct {
	pub ed25519.PublicKey // the trusted checkpoint key
	mac []byte            // the event MAC key
}

// openAuditStore opens the store, checks it has the audit tables, and reads
// the audit keys from the keyring (unwrapped with the master key), making
// every event the command appends carry its MAC.
func openAuditStore(ctx context.Context, cfg server.Config) (*store.Store, auditKeys, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = server.DefaultDataDir
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return nil, auditKeys{}, err
	}
	v, err := st.SchemaVersion(ctx)
	ms, merr := st.Migrations()
	if err == nil {
		err = merr
	}
	if err != nil || v < len(ms) {
		st.Close()
		if err == nil {
			err = errors.New("the database schema is older than this ward (or has no audit tables yet): run 'ward migrate' (or start ward serve) first")
		}
		return nil, auditKeys{}, err
	}
	keys, err := readAuditKeys(ctx, cfg, st)
	if err != nil {
		st.Close()
		return nil, auditKeys{}, err
	}
	audit.MACOnInsert(st, keys.mac)
	return st, keys, nil
}

// readAuditKeys returns the public half of the keyring's audit signing key
// and the event MAC key derived from it.
func readAuditKeys(ctx context.Context, cfg server.Config, st *store.Store) (auditKeys, error) {
	p, err := keyring.DefaultProvider(cfg.DataDir, false)
	if err != nil {
		return auditKeys{}, err
	}
	kr, err := keyring.New(ctx, keyring.Config{Store: st, Provider: p})
	if err != nil {
		return auditKeys{}, err
	}
	key, err := kr.AuditSigningKey(ctx)
	if err != nil {
		return auditKeys{}, err
	}
	defer clear(key)
	mac, err := kr.AuditMACKey(ctx)
	if err != nil {
		return auditKeys{}, err
	}
	return auditKeys{pub: key.Public().(ed25519.PublicKey), mac: mac}, nil
}
