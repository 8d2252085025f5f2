package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// poppler finds a poppler-utils tool (pdftoppm, pdftotext, pdfinfo): the
// test skips without it, except under CI=true, where it fails (.ci/run
// and make e2e install poppler-utils).
func poppler(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no %s: apt-get install -y poppler-utils", name)
		}
		t.Skipf("no %s (apt-get install -y poppler-utils)", name)
	}
	return p
}

// pdfText is the text of pages from to to of a PDF (pdftotext).
func pdfText(t *testing.T, pdf string, from, to int) string {
	t.Helper()
	args := []string{"-layout"}
	if from > 0 {
		args = append(args, "-f", strconv.Itoa(from), "-l", strconv.Itoa(to))
	}
	out, err := exec.Command(poppler(t, "pdftotext"), append(args, pdf, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	return string(out)
}

// artifactsDir is e2e/artifacts (gitignored), where the shows' pictures go.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "e2e", "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// renderPage turns page 1 of a PDF into prefix.png (pdftoppm, 60 dpi).
func renderPage(t *testing.T, pdf, prefix string) {
	t.Helper()
	if out, err := exec.Command(poppler(t, "pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	if st, err := os.Stat(prefix + ".png"); err != nil || st.Size() < 1000 {
		t.Fatalf("%s.png: %v", prefix, err)
	}
	t.Logf("rendered %s.png", prefix)
}

// authnLine is the 164.312(d) line of the report's summary page: its
// verdict.
var authnLine = regexp.MustCompile(`(?m)^\s*(pass|warn|fail)\s+164\.312\(d\)\s+Person or entity authentication`)

// Issue 25, show 4: 'ward compliance report --format pdf' on the demo
// clinic (MFA optional, as ward demo seeds it) is a summary page and then
// one page per safeguard section, each opening with its title; its first
// page is rendered to e2e/artifacts; 164.312(d) is "fail" with the reason;
// with mfa_required set it passes.
func TestComplianceReportOnDemo(t *testing.T) {
	poppler(t, "pdftotext")
	dir := t.TempDir()
	data := filepath.Join(dir, "demo")
	if code, out, errs := runWard(t, "", "demo", "--data", data); code != 0 {
		t.Fatalf("ward demo: exit %d: %s %s", code, out, errs)
	}
	report := func(name string) string {
		t.Helper()
		out := filepath.Join(dir, name)
		if code, stdout, stderr := runWard(t, "", "compliance", "report", "--data", data, "--format", "pdf", "--out", out); code != 0 {
			t.Fatalf("report: exit %d: %s %s", code, stdout, stderr)
		}
		return out
	}
	pdf := report("report.pdf")

	info, err := exec.Command(poppler(t, "pdfinfo"), pdf).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindSubmatch(info)
	sections := []string{conformance.SecAccess, conformance.SecAudit, conformance.SecIntegrity, conformance.SecAuthn,
		conformance.SecTransmit, conformance.SecAdmin, conformance.SecDocs}
	if m == nil || string(m[1]) != strconv.Itoa(1+len(sections)) {
		t.Fatalf("pages: %q, want the summary and %d sections", m, len(sections))
	}
	for i, s := range sections {
		page := strings.TrimSpace(pdfText(t, pdf, i+2, i+2))
		if !strings.HasPrefix(page, s) {
			t.Errorf("page %d opens %.60q, want %q", i+2, page, s)
		}
	}
	renderPage(t, pdf, filepath.Join(artifactsDir(t), "25-conformance-report"))

	text := pdfText(t, pdf, 0, 0)
	if v := authnLine.FindStringSubmatch(text); v == nil || v[1] != "fail" {
		t.Fatalf("164.312(d) with MFA optional: %q", v)
	}
	authn := pdfText(t, pdf, 5, 5) // the 164.312(d) section's page
	if !strings.Contains(authn, "MFA is optional: staff may sign in with a password alone; set mfa_required in the policy") ||
		!strings.Contains(authn, "mfa_required false") {
		t.Fatalf("the 164.312(d) page gives no reason:\n%s", authn)
	}

	// MFA required (what an admin sets on the policy page): 164.312(d) passes.
	ctx := context.Background()
	env, err := openEnv(ctx, server.Config{DataDir: data}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	orgID, err := pickOrg(ctx, env.Store, "")
	if err == nil {
		err = env.Store.Write(ctx, func(tx *store.Tx) error {
			p, err := tx.Policy(ctx, orgID)
			if err != nil {
				return err
			}
			p.MFARequired = true
			return tx.PutPolicy(ctx, orgID, p)
		})
	}
	env.Close()
	if err != nil {
		t.Fatal(err)
	}
	pdf = report("report-mfa.pdf")
	if v := authnLine.FindStringSubmatch(pdfText(t, pdf, 0, 0)); v == nil || v[1] != "pass" {
		t.Fatalf("164.312(d) with MFA required: %q", v)
	}
	renderPage(t, pdf, filepath.Join(artifactsDir(t), "25-conformance-report-mfa-required"))
}
