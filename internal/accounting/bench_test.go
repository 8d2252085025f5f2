package accounting_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/apptest"
)

// BenchmarkAccountingSixYears times an accounting over six years for one
// patient among a large trail: WARD_BENCH_AUDIT_EVENTS rows (default
// 200,000) spread over six years, one in 10,000 about the patient (the
// rest about 1,000 other patients). The rows are written straight into
// the table (a recursive insert), unsealed, as a trail's size is what
// counts here.
func BenchmarkAccountingSixYears(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("WARD_BENCH_AUDIT_EVENTS")); err == nil && v > 0 {
		n = v
	}
	f := apptest.New(b, false)
	w := newWorld(b, f)
	ctx := context.Background()
	end := f.Clock.Now()
	start := end.AddDate(-6, 0, 0)
	step := end.Sub(start).Microseconds() / int64(n)
	t0 := time.Now()
	_, err := f.Store.ExecRaw(ctx, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1)
		INSERT INTO audit_events (at, org_id, actor_user_id, actor_role, action, resource_type, resource_id, patient_id, outcome, reason)
		SELECT $2 + i * $3, $4, $5, 'clinician', 'message.read', 'conversation', 'conv-' || (i % 1000),
			CASE WHEN i % 10000 = 0 THEN $6 ELSE 'other-' || (i % 1000) END, 'success', 'page'
		FROM s`, n, start.UnixMicro(), step, f.Org.ID, w.doc.User.ID, w.rec.ID)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d events in %s", n, time.Since(t0).Round(time.Millisecond))
	// One answer first: its write checkpoints the WAL the seeding left.
	if _, err := w.s.Produce(ctx, w.caller(), accounting.Query{PatientID: w.rec.ID}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		a, err := w.s.Produce(ctx, w.caller(), accounting.Query{PatientID: w.rec.ID})
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Entries) < n/10000 {
			b.Fatalf("%d entries", len(a.Entries))
		}
	}
}
