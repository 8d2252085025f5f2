package monitor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/store"
)

// mixed is a stretch of a busy clinic's audit trail: n events, mostly
// message sends and reads by 300 staff about 5,000 patients, with record
// views, sign-ins and a few failed ones, a second apart per 100 events.
func mixed(orgID string, n int, start time.Time) []audit.Event {
	evs := make([]audit.Event, n)
	for i := range evs {
		u := fmt.Sprintf("01a20fde-0000-7000-8000-%012d", i%300)
		p := fmt.Sprintf("01a20fde-1111-7000-8000-%012d", (i*7919)%5000)
		e := audit.Event{OrgID: orgID, Time: start.Add(time.Duration(i) * 10 * time.Millisecond), Outcome: audit.Success,
			Actor: audit.Actor{UserID: u, Role: "clinician", DeviceID: "device-" + u[24:], IP: "10.1.0.1"}}
		switch i % 10 {
		case 0, 1, 2, 3:
			e.Action, e.ResourceType, e.ResourceID, e.PatientID = audit.MessageSent, "message", "m", p
		case 4, 5, 6:
			e.Action, e.ResourceType, e.ResourceID, e.PatientID = audit.MessageRead, "conversation", "c", p
		case 7:
			e.Action, e.ResourceType, e.ResourceID, e.PatientID = audit.MessageDelivered, "conversation", "c", p
		case 8:
			e.Action, e.ResourceType, e.ResourceID, e.PatientID = audit.PatientRecordRead, "patient", p, p
		case 9:
			if i%100 == 9 {
				e.Action, e.Outcome, e.ResourceType, e.ResourceID = audit.LoginFailed, audit.Failure, "user", u
			} else {
				e.Action, e.ResourceType, e.ResourceID = audit.LoginSucceeded, "session", "s"
			}
		}
		evs[i] = e
	}
	return evs
}

// BenchmarkEvaluator measures the monitor end to end on SQLite: reading
// sealed events after the cursor in batches, running every rule, writing
// the cursor (and the few alerts) per batch. Reported as events/s.
//
//	go test ./internal/monitor/ -run '^$' -bench Evaluator -benchtime 3x
func BenchmarkEvaluator(b *testing.B) {
	const n = 100_000
	f := apptest.New(b, false)
	ctx := context.Background()
	audit.SealOnInsert(f.Store)
	evs := mixed(f.Org.ID, n, f.Clock.Now())
	for i := 0; i < n; i += 2000 {
		if err := f.Store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, evs[i:i+2000]...) }); err != nil {
			b.Fatal(err)
		}
	}
	f.Clock.Advance(n * 10 * time.Millisecond)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if err := f.Store.Write(ctx, func(tx *store.Tx) error { return tx.SetMonitorCursor(ctx, 0) }); err != nil {
			b.Fatal(err)
		}
		m := monitor.New(monitor.Config{Store: f.Store, Keyring: f.Keyring, Now: f.Clock.Now})
		b.StartTimer()
		if _, err := m.Run(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}
