package accounting_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/apptest"
)

// pdfText is a PDF's text with runs of white space made one space: by
// pdftotext (poppler-utils) on the compressed PDF ward serves when it is
// installed, else read from the text operators of an uncompressed one.
func pdfText(t *testing.T, a *accounting.Accounting) string {
	t.Helper()
	var b bytes.Buffer
	tool, err := exec.LookPath("pdftotext")
	if err != nil && os.Getenv("CI") == "true" {
		t.Fatal("no pdftotext under CI: apt-get install -y poppler-utils")
	}
	if err := accounting.WritePDF(&b, a, tool != ""); err != nil {
		t.Fatal(err)
	}
	var text string
	if tool != "" {
		cmd := exec.Command(tool, "-", "-")
		cmd.Stdin = &b
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text = string(out)
	} else {
		var parts []string
		for _, m := range regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`).FindAllSubmatch(b.Bytes(), -1) {
			parts = append(parts, strings.NewReplacer(`\\`, `\`, `\(`, "(", `\)`, ")").Replace(string(m[1])))
		}
		text = strings.Join(parts, " ")
	}
	return strings.Join(strings.Fields(text), " ")
}

// Issue 25, show 3: a patient's accounting of disclosures as CSV and as
// PDF agree: every CSV row's time, who, role, what, kind, resource and why
// are in the PDF's text, in the CSV's order, and the entry counts match;
// nothing of the other patient's accounting (their record, their
// conversation, the reads of it) is in either.
func TestAccountingPDFAndCSVAgree(t *testing.T) {
	w := newWorld(t, apptest.New(t, false))
	ctx := context.Background()
	a, err := w.s.Produce(ctx, w.caller(), accounting.Query{MRN: "R-1"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.s.Produce(ctx, w.caller(), accounting.Query{MRN: "R-2"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := accounting.WriteCSV(&b, &a); err != nil {
		t.Fatal(err)
	}
	csvText := b.String()
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 6 || len(rows) != len(a.Entries)+1 {
		t.Fatalf("%d rows for %d entries", len(rows), len(a.Entries))
	}
	text := pdfText(t, &a)
	if !strings.Contains(text, "Entries "+strconv.Itoa(len(rows)-1)) {
		t.Fatalf("the PDF's entry count is not %d: %.300q", len(rows)-1, text)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	at := 0
	for _, r := range rows[1:] {
		when, err := time.Parse(time.RFC3339, r[col["time"]])
		if err != nil {
			t.Fatal(err)
		}
		keys := []string{when.UTC().Format("2006-01-02 15:04:05") + " " + r[col["who"]] + " (" + r[col["role"]] + ")",
			r[col["what"]] + " [" + r[col["kind"]] + "] - " + r[col["resource"]]}
		if why := r[col["why"]]; why != "" {
			keys = append(keys, "Why: "+why)
		}
		for _, k := range keys {
			k = strings.Join(strings.Fields(k), " ")
			i := strings.Index(text[at:], k)
			if i < 0 {
				t.Fatalf("the PDF lacks (after what came before) %q\n%s", k, text)
			}
			at += i + len(k)
		}
	}
	// Nothing about the other patient.
	forbidden := []string{w.rec2.ID, "R-2", "Sam", "Second"}
	for _, e := range other.Entries {
		if !strings.Contains(e.Resource, w.rec.ID) {
			forbidden = append(forbidden, e.Resource)
		}
	}
	for _, f := range forbidden {
		if strings.Contains(csvText, f) || strings.Contains(text, f) {
			t.Errorf("the accounting of R-1 names %q, of the other patient", f)
		}
	}
	if len(forbidden) < 6 {
		t.Fatalf("the other patient's accounting has too few resources to check: %q", forbidden)
	}
}
