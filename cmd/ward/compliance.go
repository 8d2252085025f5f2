package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/server"
)

// runCompliance is 'ward compliance report|verify' (docs/compliance.md).
func runCompliance(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, `usage: ward compliance report [flags]        write the signed conformance report (HTML or PDF)
       ward compliance report verify FILE   check a report against its signature (FILE.sig)
`)
		if len(args) == 0 {
			return usageError{errors.New("missing subcommand")}
		}
		return flag.ErrHelp
	}
	if args[0] != "report" {
		return usageError{fmt.Errorf("unknown subcommand %q (want report)", args[0])}
	}
	if len(args) > 1 && args[1] == "verify" {
		return runReportVerify(ctx, args[2:], stdout)
	}
	return runReport(ctx, args[1:], stdout, stderr)
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	var org, format, out string
	fs := newFlags("compliance report", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&org, "org", "", "the org's slug (needed only when the database holds several)")
	fs.StringVar(&format, "format", "pdf", "pdf or html")
	fs.StringVar(&out, "out", "", "the report file to write (created 0600; required); its signature goes to FILE.sig")
	// How 'ward serve' runs, which the database does not know: the same
	// flags and WARD_* variables as serve's.
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "as for ward serve: the TLS certificate (default: ward serves TLS with a self-signed one)")
	fs.StringVar(&cfg.AuditCheckpointSink, "audit-checkpoint-sink", "", "as for ward serve: where checkpoints are copied")
	fs.BoolVar(&cfg.InsecureBehindTLSProxy, "insecure-behind-tls-proxy", false, "as for ward serve: plain HTTP behind a TLS proxy")
	fs.StringVar(&cfg.BackupTo, "backup-to", "", "as for ward serve: the folder of scheduled backups (empty: none)")
	fs.DurationVar(&cfg.BackupEvery, "backup-every", server.DefaultBackupEvery, "as for ward serve: how often scheduled backups run")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if out == "" {
		return usageError{errors.New("--out is required")}
	}
	if format != conformance.FormatPDF && format != conformance.FormatHTML {
		return usageError{fmt.Errorf("--format %q: want pdf or html", format)}
	}
	env, orgID, err := openOrgEnv(ctx, &cfg, org, stderr)
	if err != nil {
		return err
	}
	defer env.Close()
	src := conformance.Source{Store: env.Store, Keyring: env.Keyring, OrgID: orgID, Deployment: server.Deployment(cfg)}
	r, err := conformance.Make(ctx, src, server.ConformanceRegistry(cfg))
	if err != nil {
		return err
	}
	s, err := r.RenderSigned(ctx, env.Store, env.Keyring, audit.Actor{Role: "cli"}, format, filepath.Base(out))
	if err != nil {
		return err
	}
	if err := writeFileAtomically(out, s.Content); err != nil {
		return err
	}
	if err := writeFileAtomically(out+".sig", s.Signature); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "conformance report written to %s (signature %s.sig): %d pass, %d warn, %d fail\n", out, out, r.Pass, r.Warn, r.Fail)
	for _, sec := range r.Sections {
		for _, it := range sec.Items {
			if it.Status != conformance.Pass {
				fmt.Fprintf(stdout, "  %s %s: %s\n", it.Status, it.ID, it.Reason)
			}
		}
	}
	return nil
}

// reportBroken is verify's failure: the report, not the command, is wrong.
type reportBroken struct{ err error }

func (e reportBroken) Error() string { return "report NOT intact: " + e.err.Error() }
func (e reportBroken) Unwrap() error { return e.err }

func runReportVerify(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg server.Config
	var pinned, sigPath string
	fs := newFlags("compliance report verify FILE", stdout)
	fs.StringVar(&sigPath, "sig", "", "the signature file (default: FILE.sig)")
	fs.StringVar(&pinned, "public-key", "", "the signing public key to trust (base64, as 'ward archive public-key' prints it)")
	fs.StringVar(&cfg.DataDir, "data", "", "trust the audit signing key of this ward's data dir instead of --public-key")
	fs.StringVar(&cfg.DBURL, "db", "", "with --data: the database URL (default: SQLite in the data dir)")
	file, rest := splitFile(args, map[string]bool{"sig": true, "public-key": true, "data": true, "db": true})
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if file == "" {
		return usageError{errors.New("give the report file: ward compliance report verify FILE")}
	}
	if sigPath == "" {
		sigPath = file + ".sig"
	}
	trusted, err := trustedKey(ctx, pinned, cfg)
	if err != nil {
		return err
	}
	content, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	sig, err := os.ReadFile(sigPath)
	if err != nil {
		return err
	}
	d, err := archive.VerifyDetached(content, sig, trusted)
	if err != nil {
		return reportBroken{err}
	}
	trust := "the key the signature names: compare it with 'ward archive public-key' of the org"
	if trusted != nil {
		trust = "the trusted key"
	}
	fmt.Fprintf(stdout, "report %s intact: %d bytes, signed %s by %s (%s)\n", file, d.Size, d.SignedAt.Format("2006-01-02T15:04:05Z"), d.SigningKey.KeyID, trust)
	return nil
}
