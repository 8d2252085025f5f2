package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ward accounting writes a patient's accounting of disclosures as CSV and
// PDF; an unknown MRN is a clear error and writes nothing.
func TestAccountingCommand(t *testing.T) {
	data := archiveData(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "acc.csv")
	code, stdout, stderr := runWard(t, "", "accounting", "--data", data, "--patient", archiveMRN, "--from", "2020-01-01",
		"--to", "2099-01-01", "--format", "csv", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "accounting of disclosures for patient record") {
		t.Errorf("stdout %q", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"time", "who", "role", "user_id", "what", "kind", "action", "resource", "why", "seq"}) {
		t.Fatalf("header %q", rows[0])
	}
	// archiveData's people act as system principals; the other two
	// conversations (about no patient, a patient user's own) are not listed.
	var actions []string
	for _, r := range rows[1:] {
		actions = append(actions, r[6])
		if strings.Contains(strings.Join(r, " "), "CANARY") {
			t.Errorf("content in the accounting: %q", r)
		}
	}
	if want := []string{"patient.created", "conversation.created", "attachment.uploaded", "message.sent", "message.sent"}; !slices.Equal(actions, want) {
		t.Errorf("actions %q, want %q", actions, want)
	}

	pdf := filepath.Join(dir, "acc.pdf")
	if code, _, stderr := runWard(t, "", "accounting", "--data", data, "--patient", archiveMRN, "--format", "pdf", "--out", pdf); code != 0 {
		t.Fatalf("pdf: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(pdf); !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatal("not a PDF")
	}

	none := filepath.Join(dir, "none.csv")
	code, _, stderr = runWard(t, "", "accounting", "--data", data, "--patient", "NO-SUCH-MRN", "--format", "csv", "--out", none)
	if code != 1 || !strings.Contains(stderr, "no patient record has that MRN") {
		t.Fatalf("unknown MRN: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Fatal("a file was written for an unknown patient")
	}
	for _, args := range [][]string{
		{"--patient", archiveMRN, "--format", "csv"},                     // no --out
		{"--out", none, "--format", "csv"},                               // no --patient
		{"--patient", archiveMRN, "--format", "xlsx", "--out", none},     // a bad format
		{"--patient", archiveMRN, "--from", "2026-13-01", "--out", none}, // a bad date
		{"--patient", archiveMRN, "--from", "2026-02-01", "--to", "2026-01-01", "--out", none},
	} {
		if code, _, stderr := runWard(t, "", append([]string{"accounting", "--data", data}, args...)...); code != 2 {
			t.Errorf("%q: exit %d: %s", args, code, stderr)
		}
	}
}

// ward compliance report writes a signed report that names every 164.312
// paragraph; verify accepts it and refuses it with one byte changed.
func TestComplianceReportCommand(t *testing.T) {
	data := archiveData(t)
	dir := t.TempDir()
	for _, format := range []string{"pdf", "html"} {
		out := filepath.Join(dir, "report."+format)
		code, stdout, stderr := runWard(t, "", "compliance", "report", "--data", data, "--format", format, "--out", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s %s", format, code, stdout, stderr)
		}
		// The backups, incidents and BAAs checks judge live evidence (no
		// placeholders): here, no backups configured and no BAA recorded.
		for _, want := range []string{"warn 164.308(a)(7): no backups are configured", "warn 164.308(b)(1): no business associate is recorded"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: stdout lacks %q: %s", format, want, stdout)
			}
		}
		if strings.Contains(stdout, "not recorded by this version") {
			t.Errorf("%s: a placeholder check: %s", format, stdout)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"164.312(a)(1)", "164.312(a)(2)(i)", "164.312(a)(2)(ii)", "164.312(a)(2)(iii)",
			"164.312(a)(2)(iv)", "164.312(b)", "164.312(c)(1)", "164.312(d)", "164.312(e)(1)", "164.312(e)(2)(ii)"} {
			if format == "pdf" {
				s = strings.NewReplacer("(", `\(`, ")", `\)`).Replace(s)
			}
			if !strings.Contains(string(b), s) {
				t.Errorf("%s does not name %s", format, s)
			}
		}
		if code, stdout, stderr := runWard(t, "", "compliance", "report", "verify", out, "--data", data); code != 0 || !strings.Contains(stdout, "intact") {
			t.Fatalf("verify %s: exit %d: %s %s", format, code, stdout, stderr)
		}
		b[len(b)/2] ^= 1
		if err := os.WriteFile(out, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runWard(t, "", "compliance", "report", "verify", out); code != 1 || !strings.Contains(stderr, "NOT intact") {
			t.Fatalf("verify a changed %s: exit %d: %s", format, code, stderr)
		}
	}
	if code, _, _ := runWard(t, "", "compliance", "report", "--data", data, "--format", "docx", "--out", filepath.Join(dir, "x")); code != 2 {
		t.Errorf("a bad format: exit %d", code)
	}
	if code, _, _ := runWard(t, "", "compliance", "report", "--data", data); code != 2 {
		t.Errorf("no --out: exit %d", code)
	}
}
