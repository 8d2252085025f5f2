package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// Refused sign-in attempts become one login.throttled event per bucket,
// account or address, and window, with their count; they are recorded
// (with MACs) through a Recorder and found by the audit search.
func TestThrottledAttemptsAggregated(t *testing.T) {
	th := audit.NewThrottled(time.Minute)
	for i := range 30 {
		th.Note(t0.Add(time.Duration(i)*time.Second), audit.ThrottleNote{Bucket: "address", IP: "203.0.113.9"})
	}
	for i := range 5 {
		th.Note(t0.Add(time.Duration(i)*time.Second), audit.ThrottleNote{Bucket: "account", OrgID: "org-1", UserID: "user-1", IP: "198.51.100.1"})
	}
	th.Note(t0, audit.ThrottleNote{Bucket: "account", OrgID: "org-1", IP: "198.51.100.2"}) // an unknown account
	if evs := th.Due(t0.Add(30*time.Second), false); len(evs) != 0 {
		t.Fatalf("events before the window ended: %+v", evs)
	}
	evs := th.Due(t0.Add(time.Minute), false)
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3: %+v", len(evs), evs)
	}
	byRes := map[string]audit.Event{}
	for _, e := range evs {
		if e.Action != audit.LoginThrottled || e.Outcome != audit.Denied || e.Validate() != nil {
			t.Fatalf("event %+v", e)
		}
		byRes[e.ResourceType+":"+e.ResourceID] = e
	}
	if e := byRes["address:203.0.113.9"]; !strings.HasPrefix(e.Reason, "30 sign-in attempts refused from this address") || e.Actor.IP != "203.0.113.9" {
		t.Errorf("address event %+v", e)
	}
	if e := byRes["user:user-1"]; !strings.HasPrefix(e.Reason, "5 sign-in attempts refused by the account throttle") || e.OrgID != "org-1" {
		t.Errorf("account event %+v", e)
	}
	if e := byRes["user:"]; !strings.Contains(e.Reason, "1 sign-in attempts refused by the account throttle, for unknown accounts") {
		t.Errorf("unknown account event %+v", e)
	}
	if evs := th.Due(t0.Add(time.Hour), true); len(evs) != 0 {
		t.Fatalf("counted twice: %+v", evs)
	}

	st := macStore(storetest.SQLite(t, nil))
	rec := audit.NewRecorder(st, audit.RecorderOptions{})
	defer rec.Close()
	th.Note(t0, audit.ThrottleNote{Bucket: "address", IP: "203.0.113.9"})
	if err := th.Flush(context.Background(), rec.Record, t0, true); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, st); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
}
