package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// runArchive is 'ward archive export|verify|public-key' (docs/archive.md).
func runArchive(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, `usage: ward archive <export|verify|public-key> [flags]
  export      write a signed, encrypted compliance archive of a patient's, a
              user's or one conversation's messages, attachments and audit
              events (--recipient age1… or WARD_ARCHIVE_PASSPHRASE)
  verify FILE decrypt (--identity FILE or WARD_ARCHIVE_PASSPHRASE) and check
              the signature and every entry's hash; exit 1 naming what is wrong
  public-key  print the org's audit signing public key, which signs archives
`)
		if len(args) == 0 {
			return usageError{errors.New("missing subcommand")}
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "export":
		return runArchiveExport(ctx, args[1:], stdout, stderr)
	case "verify":
		return runArchiveVerify(ctx, args[1:], stdout, stderr)
	case "public-key":
		return runArchivePublicKey(ctx, args[1:], stdout)
	}
	return usageError{fmt.Errorf("unknown subcommand %q (want export, verify or public-key)", args[0])}
}

func runArchiveExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	var org, mrn, conv, email, fromS, toS, out, recipient string
	fs := newFlags("archive export", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&org, "org", "", "the org's slug (needed only when the database holds several)")
	fs.StringVar(&mrn, "patient", "", "the conversations about the patient with this MRN")
	fs.StringVar(&conv, "conversation", "", "this conversation (its id)")
	fs.StringVar(&email, "user", "", "the conversations of the user (staff or patient) with this email")
	fs.StringVar(&fromS, "from", "", "first time included: RFC 3339 or YYYY-MM-DD (UTC); default: the beginning")
	fs.StringVar(&toS, "to", "", "end time, excluded: RFC 3339 or YYYY-MM-DD (UTC); default: now")
	fs.StringVar(&out, "out", "", "the archive file to write (created 0600; required)")
	fs.StringVar(&recipient, "recipient", "", "encrypt to this age public key (age1…); otherwise to the passphrase in "+archive.PassphraseEnv)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	n := 0
	for _, v := range []string{mrn, conv, email} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return usageError{errors.New("give at most one of --patient, --conversation and --user")}
	}
	if out == "" {
		return usageError{errors.New("--out is required")}
	}
	rcpt, passphrase, err := encryptTo(recipient, archive.PassphraseEnv)
	if err != nil {
		return err
	}
	from, to := time.Unix(0, 0).UTC(), time.Now().UTC()
	if err := parseWindow(fromS, toS, &from, &to); err != nil {
		return err
	}
	env, orgID, err := openOrgEnv(ctx, &cfg, org, stderr)
	if err != nil {
		return err
	}
	defer env.Close()
	req := &archive.Request{OrgID: orgID, Selection: archive.Selection{ConversationID: conv, From: from, To: to},
		Key: archive.Key{Recipient: rcpt, Passphrase: passphrase}, Actor: audit.Actor{Role: "cli"}, Note: "ward archive export by OS user " + osUser()}
	switch {
	case mrn != "":
		ids, err := env.Patients.IDsByMRN(ctx, req.OrgID, mrn)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return ward.Errorf(ward.CodeNotFound, "no patient record has that MRN")
		}
		if len(ids) == 1 {
			req.Selection.PatientID = ids[0]
		} else {
			req.Selection.PatientIDs = ids
		}
	case email != "":
		err := env.Store.Read(ctx, func(tx *store.Tx) error {
			u, err := env.App.UserByEmail(ctx, tx, req.OrgID, email)
			req.Selection.UserID = u.ID
			return err
		})
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return ward.Errorf(ward.CodeNotFound, "no user has that email")
		}
		if err != nil {
			return err
		}
	}
	x := &archive.Exporter{Store: env.Store, Keys: env.Keyring, Blobs: env.Blobs}
	// Count first: an empty selection leaves no file behind.
	plan, err := x.Plan(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exporting %d conversations: %d messages, %d attachments (%s)\n", len(plan.Conversations),
		plan.Messages, plan.Attachments, sizeOf(plan.AttachmentBytes))
	bar := newProgressBar(stderr)
	req.Progress = func(p archive.Progress) { bar.show(p.Fraction(), p.Plain) }
	var m archive.Manifest
	err = writeAtomically(out, func(w io.Writer) (err error) {
		m, err = x.Export(ctx, req, w)
		return err
	})
	bar.done()
	if err != nil {
		return err
	}
	c := m.Counts
	fmt.Fprintf(stdout, "archive %s written to %s: %d conversations, %d messages, %d attachments (%s), %d audit events; signed by %s\n",
		m.ID, out, c.Conversations, c.Messages, c.Attachments, sizeOf(c.AttachmentBytes), c.AuditEvents, m.SigningKey.KeyID)
	return nil
}

// pickOrg is the org --org names, or the database's only org.
func pickOrg(ctx context.Context, st *store.Store, slug string) (string, error) {
	var orgs []ward.Org
	err := st.Read(ctx, func(tx *store.Tx) (err error) {
		orgs, err = tx.ListOrgs(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		if slug == "" && len(orgs) == 1 || o.Slug == slug {
			return o.ID, nil
		}
	}
	if slug == "" && len(orgs) > 1 {
		return "", usageError{errors.New("the database holds several orgs: name one with --org SLUG")}
	}
	return "", ward.Errorf(ward.CodeNotFound, "no such org")
}

// archiveBroken is verify's failure: the archive, not the command, is wrong.
type archiveBroken struct{ err error }

func (e archiveBroken) Error() string { return "archive NOT intact: " + e.err.Error() }
func (e archiveBroken) Unwrap() error { return e.err }

func runArchiveVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	var identity, pinned string
	fs := newFlags("archive verify FILE", stdout)
	fs.StringVar(&identity, "identity", "", "an age identity file (age-keygen) holding the key the archive was encrypted to; otherwise the passphrase in "+archive.PassphraseEnv)
	fs.StringVar(&pinned, "public-key", "", "the signing public key to trust (base64, as 'ward archive public-key' prints it); otherwise the one the manifest names is reported for you to compare")
	fs.StringVar(&cfg.DataDir, "data", "", "trust the audit signing key of this ward's data dir instead of --public-key")
	fs.StringVar(&cfg.DBURL, "db", "", "with --data: the database URL (default: SQLite in the data dir)")
	file, rest := splitFile(args, map[string]bool{"identity": true, "public-key": true, "data": true, "db": true})
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if file == "" {
		return usageError{errors.New("give the archive file: ward archive verify FILE")}
	}
	ids, err := decryptWith(identity, archive.PassphraseEnv)
	if err != nil {
		return err
	}
	trusted, err := trustedKey(ctx, pinned, cfg)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	var total int64
	if fi, err := f.Stat(); err == nil {
		total = fi.Size()
	}
	bar := newProgressBar(stderr)
	start := time.Now()
	rep, err := archive.Verify(f, ids, trusted, func(plain int64) {
		if total > 0 {
			bar.show(float64(plain)/float64(total), plain)
		}
	})
	bar.done()
	if errors.Is(err, archive.ErrWrongKey) {
		return archiveBroken{err}
	}
	var p *archive.Problem
	if errors.As(err, &p) {
		return archiveBroken{p}
	}
	if err != nil {
		return err
	}
	m := rep.Manifest
	c := m.Counts
	trust := "the key the manifest names: compare it with 'ward archive public-key' of the org (docs/archive.md)"
	if trusted != nil {
		trust = "the trusted key"
	}
	fmt.Fprintf(stdout, "archive %s intact: %d entries, %s; %d conversations, %d messages, %d attachments, %d audit events; made %s; signature OK by %s (%s); %.1fs\n",
		m.ID, len(m.Entries), sizeOf(rep.Bytes), c.Conversations, c.Messages, c.Attachments, c.AuditEvents,
		m.CreatedAt.Format(time.RFC3339), m.SigningKey.KeyID, trust, time.Since(start).Seconds())
	return nil
}

// splitFile takes the first argument that is neither a flag nor a flag's
// value (valued names the flags that take one) out of args.
func splitFile(args []string, valued map[string]bool) (string, []string) {
	var rest []string
	file := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && valued[name] && i+1 < len(args) {
				i++
				rest = append(rest, args[i])
			}
			continue
		}
		if file == "" {
			file = a
			continue
		}
		rest = append(rest, a)
	}
	return file, rest
}

func runArchivePublicKey(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg server.Config
	fs := newFlags("archive public-key", stdout)
	dataFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, keys, err := openAuditStore(ctx, cfg)
	if err != nil {
		return err
	}
	st.Close()
	fmt.Fprintf(stdout, "%s %s\n", base64.StdEncoding.EncodeToString(keys.pub), archive.KeyID(keys.pub))
	return nil
}

func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// sizeOf is n bytes for a person.
func sizeOf(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
