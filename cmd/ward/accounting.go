package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/server"
)

// runAccounting is 'ward accounting': a patient's accounting of
// disclosures (45 CFR 164.528) as CSV or PDF (docs/compliance.md).
func runAccounting(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	var cfg server.Config
	var org, mrn, fromS, toS, format, out string
	fs := newFlags("accounting", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&org, "org", "", "the org's slug (needed only when the database holds several)")
	fs.StringVar(&mrn, "patient", "", "the patient's MRN (required)")
	fs.StringVar(&fromS, "from", "", "first time included: RFC 3339 or YYYY-MM-DD (UTC); default: six years before --to")
	fs.StringVar(&toS, "to", "", "end time, excluded: RFC 3339 or YYYY-MM-DD (UTC); default: now")
	fs.StringVar(&format, "format", "csv", "csv or pdf")
	fs.StringVar(&out, "out", "", "the file to write (created 0600; required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if mrn == "" {
		return usageError{errors.New("--patient MRN is required")}
	}
	if out == "" {
		return usageError{errors.New("--out is required")}
	}
	if format != "csv" && format != "pdf" {
		return usageError{fmt.Errorf("--format %q: want csv or pdf", format)}
	}
	q := accounting.Query{MRN: mrn, Format: format}
	var err error
	if fromS != "" {
		if q.From, err = parseWhen("--from", fromS); err != nil {
			return err
		}
	}
	if toS != "" {
		if q.To, err = parseWhen("--to", toS); err != nil {
			return err
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return usageError{errors.New("--from must be before --to")}
	}
	if cfg.DataDir == "" {
		cfg.DataDir = server.DefaultDataDir
	}
	env, err := openEnv(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer env.Close()
	orgID, err := pickOrg(ctx, env.Store, org)
	if err != nil {
		return err
	}
	s := accounting.New(accounting.Config{Store: env.Store, Patients: env.Patients})
	a, err := s.Produce(ctx, accounting.Caller{OrgID: orgID, Actor: audit.Actor{Role: "cli"}}, q)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if format == "pdf" {
		err = accounting.WritePDF(&b, &a, true)
	} else {
		err = accounting.WriteCSV(&b, &a)
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomically(out, b.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "accounting of disclosures for patient record %s written to %s: %d entries from %s to %s; request %s, due %s\n",
		a.PatientID, out, len(a.Entries), a.From.Format("2006-01-02"), a.To.Format("2006-01-02"), a.RequestID, a.Deadline.Format("2006-01-02"))
	return nil
}

// writeFileAtomically writes b to path (0600) through a temporary file
// beside it, renamed into place once it is complete.
func writeFileAtomically(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".ward-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // gone after the rename; removes a failed write
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
