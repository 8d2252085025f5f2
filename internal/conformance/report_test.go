package conformance_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/store"
)

func source(f *apptest.Fixture) conformance.Source {
	return conformance.Source{Store: f.Store, Keyring: f.Keyring, OrgID: f.Org.ID, Now: f.Clock.Now,
		Deployment: conformance.Deployment{TLS: true, CheckpointSink: "file:/var/ward/cp.jsonl"}}
}

func item(t *testing.T, r conformance.Report, id string) conformance.Item {
	t.Helper()
	for _, s := range r.Sections {
		for _, it := range s.Items {
			if it.ID == id {
				return it
			}
		}
	}
	t.Fatalf("no check %s", id)
	return conformance.Item{}
}

// The sections of 164.312 the PDF must name.
var sections = []string{"164.312(a)(1)", "164.312(a)(2)(i)", "164.312(a)(2)(ii)", "164.312(a)(2)(iii)", "164.312(a)(2)(iv)",
	"164.312(b)", "164.312(c)(1)", "164.312(c)(2)", "164.312(d)", "164.312(e)(1)", "164.312(e)(2)(i)", "164.312(e)(2)(ii)",
	"164.308(a)(1)(ii)(D)", "164.308(a)(5)(ii)(C)", "164.308(a)(6)", "164.308(a)(7)", "164.308(b)(1)", "164.316(b)(2)(i)"}

func TestReportNamesEverySection(t *testing.T) {
	f := apptest.New(t, true)
	r, err := conformance.Make(context.Background(), source(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	var pdf, html bytes.Buffer
	if err := r.PDF(&pdf, false); err != nil {
		t.Fatal(err)
	}
	if err := r.HTML(&html); err != nil {
		t.Fatal(err)
	}
	for _, s := range sections {
		esc := strings.NewReplacer("(", `\(`, ")", `\)`).Replace(s)
		if !bytes.Contains(pdf.Bytes(), []byte(esc)) {
			t.Errorf("the PDF does not name %s", s)
		}
		if !strings.Contains(html.String(), s) {
			t.Errorf("the HTML does not name %s", s)
		}
	}
	if strings.Contains(strings.ToLower(html.String()), "<script") {
		t.Error("the HTML has a script")
	}
	for _, id := range []string{"164.312(d)", "164.312(b)", "164.312(c)(1)", "164.312(e)(1)", "164.316(b)(2)(i)", "164.312(a)(2)(iii)"} {
		if it := item(t, r, id); it.Status != conformance.Pass {
			t.Errorf("%s: %+v", id, it)
		}
	}
	for _, id := range []string{"164.308(a)(6)", "164.308(a)(7)", "164.308(b)(1)"} {
		if it := item(t, r, id); it.Status != conformance.Warn || it.Evidence != "not available yet" {
			t.Errorf("%s: %+v", id, it)
		}
	}
	if r.Fail != 0 {
		t.Errorf("%d failing on a default org: %+v", r.Fail, r.Sections)
	}
}

func TestReportFailsWhenMFAIsOptional(t *testing.T) {
	f := apptest.New(t, true)
	ctx := context.Background()
	err := f.Store.Write(ctx, func(tx *store.Tx) error {
		p, err := tx.Policy(ctx, f.Org.ID)
		if err != nil {
			return err
		}
		p.MFARequired = false
		p.IdleTimeout = ward.Duration(2 * 3600e9)
		return tx.PutPolicy(ctx, f.Org.ID, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	src := source(f)
	src.Deployment = conformance.Deployment{}
	r, err := conformance.Make(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if it := item(t, r, "164.312(d)"); it.Status != conformance.Fail || !strings.Contains(it.Reason, "MFA is optional") {
		t.Errorf("MFA off: %+v", it)
	}
	if it := item(t, r, "164.312(a)(2)(iii)"); it.Status != conformance.Fail {
		t.Errorf("a two-hour idle timeout: %+v", it)
	}
	if it := item(t, r, "164.312(e)(1)"); it.Status != conformance.Fail {
		t.Errorf("no TLS: %+v", it)
	}
	if it := item(t, r, "164.312(b) checkpoints"); it.Status != conformance.Warn {
		t.Errorf("no sink: %+v", it)
	}
}

func TestRegistryReplacesAPlaceholder(t *testing.T) {
	reg := conformance.Default()
	n := len(reg.Checks())
	reg.Register(conformance.Check{ID: "164.308(a)(7)", Section: conformance.SecAdmin, Title: "Contingency plan (backups)",
		Run: func(context.Context, *conformance.Facts) conformance.Result {
			return conformance.Result{Status: conformance.Pass, Evidence: "last backup today", Reason: "ok"}
		}})
	if len(reg.Checks()) != n {
		t.Fatalf("%d checks, want %d", len(reg.Checks()), n)
	}
	f := apptest.New(t, true)
	r, err := conformance.Make(context.Background(), source(f), reg)
	if err != nil {
		t.Fatal(err)
	}
	if it := item(t, r, "164.308(a)(7)"); it.Status != conformance.Pass {
		t.Errorf("%+v", it)
	}
}

func TestReportSignatureVerifies(t *testing.T) {
	f := apptest.New(t, true)
	ctx := context.Background()
	r, err := conformance.Make(ctx, source(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := f.Keyring.AuditSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	for _, format := range []string{conformance.FormatPDF, conformance.FormatHTML} {
		s, err := r.RenderSigned(ctx, f.Store, f.Keyring, audit.Actor{Role: "cli"}, format, "report."+format)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := archive.VerifyDetached(s.Content, s.Signature, pub); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		s.Content[len(s.Content)/2] ^= 0x20
		if _, err := archive.VerifyDetached(s.Content, s.Signature, pub); !errors.Is(err, archive.ErrDetachedMismatch) {
			t.Fatalf("%s with a changed byte: %v", format, err)
		}
	}
	if got := f.AuditEvents(t, audit.ConformanceReported); len(got) != 2 {
		t.Fatalf("conformance.reported events: %v", got)
	}
}

// sealChain seals the fixture's events and signs a checkpoint, as the
// server's sealer does.
func sealChain(t *testing.T, f *apptest.Fixture) {
	t.Helper()
	ctx := context.Background()
	f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner") // some events
	key, err := f.Keyring.AuditSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := audit.NewSealer(f.Store, audit.SealerOptions{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sealer.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReportFailsOnABrokenChain(t *testing.T) {
	f := apptest.New(t, true)
	ctx := context.Background()
	sealChain(t, f)
	if r, _ := conformance.Make(ctx, source(f), nil); item(t, r, "164.312(b)").Status != conformance.Pass {
		t.Fatalf("sealed chain: %+v", item(t, r, "164.312(b)"))
	}
	if _, err := f.Store.ExecRaw(ctx, "UPDATE audit_events SET reason = 'edited' WHERE seq = 1"); err != nil {
		t.Fatal(err)
	}
	r, err := conformance.Make(ctx, source(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"164.312(b)", "164.312(c)(1)"} {
		if it := item(t, r, id); it.Status != conformance.Fail {
			t.Errorf("edited chain, %s: %+v", id, it)
		}
	}
}

// The console's reporter reuses a verification for its TTL, then verifies again.
func TestReporterCachesTheChainVerification(t *testing.T) {
	f := apptest.New(t, true)
	ctx := context.Background()
	sealChain(t, f)
	rp := &conformance.Reporter{Store: f.Store, Keyring: f.Keyring, Now: f.Clock.Now, Chain: &conformance.ChainCache{TTL: 10 * time.Minute}}
	status := func() conformance.Status {
		r, err := rp.Make(ctx, f.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		return item(t, r, "164.312(b)").Status
	}
	if s := status(); s != conformance.Pass {
		t.Fatalf("sealed chain: %s", s)
	}
	if _, err := f.Store.ExecRaw(ctx, "UPDATE audit_events SET reason = 'edited' WHERE seq = 1"); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(9 * time.Minute)
	if s := status(); s != conformance.Pass {
		t.Fatalf("within the TTL: %s, want the cached pass", s)
	}
	f.Clock.Advance(2 * time.Minute)
	if s := status(); s != conformance.Fail {
		t.Fatalf("after the TTL: %s, want fail", s)
	}
}

func TestReportPostgres(t *testing.T) {
	f := apptest.NewPostgres(t, true)
	r, err := conformance.Make(context.Background(), source(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	if it := item(t, r, "164.312(d)"); it.Status != conformance.Pass || !strings.Contains(it.Evidence, "of 1 active staff") {
		t.Errorf("%+v", it)
	}
}
