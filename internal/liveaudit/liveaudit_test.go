package liveaudit_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/liveaudit"
)

// TestDeliveryAuditFailureClosesSocket: when the delivery record cannot be
// written, the socket is closed (onFail), so that PHI does not go on
// flowing unrecorded.
func TestDeliveryAuditFailureClosesSocket(t *testing.T) {
	f := apptest.New(t, false)
	u, pw := f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	p, _ := f.MustLogin(t, u.Email, pw, "nurse-phone-1")
	failed := make(chan struct{})
	d := f.App.NewDeliveryAudit(p, func() { close(failed) })
	f.Recorder.Close() // the audit trail cannot be written
	d.Queued("01a20fde-0000-7000-8000-000000000001", "", 1)
	select {
	case <-failed:
	case <-time.After(5 * time.Second):
		t.Fatal("the socket was not closed when its delivery record failed")
	}
	d.Close() // tries again, logs the loss, does not hang
}

// TestDeliveryAuditBatches: many frames of a few conversations make one
// event per conversation, written when the socket closes.
func TestDeliveryAuditBatches(t *testing.T) {
	f := apptest.New(t, false)
	u, pw := f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	p, _ := f.MustLogin(t, u.Email, pw, "nurse-phone-1")
	before := len(f.AuditActions(t))
	d := f.App.NewDeliveryAudit(p, nil)
	for i := range 300 {
		d.Queued(fmt.Sprintf("01a20fde-0000-7000-8000-00000000000%d", i%3), "", int64(i/3+1))
	}
	d.Close()
	acts := f.AuditActions(t)[before:]
	if len(acts) != 3 {
		t.Fatalf("%d events for 300 frames of 3 conversations, want 3: %v", len(acts), acts)
	}
	for _, a := range acts {
		if a != string(audit.MessageDelivered) {
			t.Errorf("event %s, want message.delivered", a)
		}
	}
}

// BenchmarkDeliveryAuditQueued is the cost the delivery audit adds to one
// frame queued for one socket (the hot path of a push): a mutex and a map
// update, no I/O. The flushes (one Record a second) run outside it.
func BenchmarkDeliveryAuditQueued(b *testing.B) {
	f := apptest.New(b, false)
	u, pw := f.AddUser(b, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	p, _ := f.MustLogin(b, u.Email, pw, "nurse-phone-1")
	d := f.App.NewDeliveryAudit(p, nil)
	defer d.Close()
	conv := "01a20fde-0000-7000-8000-000000000001"
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		d.Queued(conv, "", int64(i+1))
	}
}

// BenchmarkDeliveryFlush is the cost of the shared flush per record (one
// socket's pushes of one conversation in a second): 1,000 sockets with one
// pending record each, written in one Record call, sealed on SQLite.
func BenchmarkDeliveryFlush(b *testing.B) {
	f := apptest.New(b, false)
	u, pw := f.AddUser(b, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	p, _ := f.MustLogin(b, u.Email, pw, "nurse-phone-1")
	const sockets = 1000
	flusher := liveaudit.New(f.Recorder, slog.New(slog.DiscardHandler))
	ds := make([]*liveaudit.DeliveryAudit, sockets)
	for i := range ds {
		ds[i] = flusher.Socket(p.User.OrgID, p.Actor(), nil)
	}
	conv := "01a20fde-0000-7000-8000-000000000001"
	b.ResetTimer()
	for i := range b.N {
		for _, d := range ds {
			d.Queued(conv, "", int64(i+1))
		}
		flusher.Flush()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*sockets), "ns/record")
}
