package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

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
	if err := parseWindow(fromS, toS, &q.From, &q.To); err != nil {
		return err
	}
	env, orgID, err := openOrgEnv(ctx, &cfg, org, stderr)
	if err != nil {
		return err
	}
	defer env.Close()
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
