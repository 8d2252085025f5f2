package push_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/notify/push/pushtest"
)

// pageSetup signs in 50 people with 20 subscribed devices each and makes
// them a group with a sender: the shape of issue 23's performance target.
func pageSetup(tb testing.TB) (*env, *app.Principal, ward.Conversation) {
	const people, devices = 50, 20
	e := newEnv(tb, false)
	doc := e.person(tb, ward.RoleClinician, "doc", "doc-phone-1")
	var members []string
	for i := range people {
		email := fmt.Sprintf("oncall%02d@stmary.example", i)
		u, pw := e.f.AddUser(tb, ward.RoleClinician, email, fmt.Sprintf("On call %02d", i))
		members = append(members, u.ID)
		for d := range devices {
			p, _ := e.f.MustLogin(tb, email, pw, fmt.Sprintf("phone-%02d-%02d", i, d))
			e.subscribe(tb, p)
		}
	}
	return e, doc.Principal, e.conv(tb, doc.Principal, ward.Group, members...)
}

// page sends one urgent message and waits until the push service has
// received n pushes in all; it returns the pushes and how long after the
// send the last one arrived.
func page(tb testing.TB, e *env, from *app.Principal, c ward.Conversation, clientID string, n int) ([]pushtest.Push, time.Duration) {
	start := time.Now()
	if _, _, err := e.f.App.SendMessage(context.Background(), from, c.ID, app.SendRequest{ClientID: clientID,
		Body: canary, Priority: ward.Urgent}); err != nil {
		tb.Fatal(err)
	}
	got := e.ps.WaitFor(n, 60*time.Second)
	if len(got) != n {
		tb.Fatalf("%d pushes, want %d", len(got), n)
	}
	return got, got[len(got)-1].At.Sub(start)
}

// TestPageTo1000Devices: one urgent message to a group of 50 people with 20
// subscribed devices each leaves ward as 1,000 VAPID-signed, encrypted push
// requests, every one received, decrypted and marked urgent by the push
// service in the test process. How fast is BenchmarkPageTo1000Devices's
// figure (issue 23: <= 1 s), not this test's: timed tests fail on a busy
// machine.
func TestPageTo1000Devices(t *testing.T) {
	if testing.Short() {
		t.Skip("sets up 1,000 signed-in devices")
	}
	e, doc, c := pageSetup(t)
	got, last := page(t, e, doc, c, "page-1", 1000)
	t.Logf("one urgent page to %d devices: the last push received %v after the send", len(got), last)
	for _, p := range got {
		if p.Err != nil || p.Urgency != "high" {
			t.Fatalf("a push the service refused: %v (urgency %q)", p.Err, p.Urgency)
		}
	}
}

// BenchmarkPageTo1000Devices measures how long one urgent page to 1,000
// subscribed devices takes to leave ward: from the send to the last push
// the in-process push service received (s/page; issue 23 asks <= 1 s).
func BenchmarkPageTo1000Devices(b *testing.B) {
	e, doc, c := pageSetup(b)
	var worst, total time.Duration
	b.ResetTimer()
	for i := range b.N {
		_, last := page(b, e, doc, c, fmt.Sprintf("page-%d", i), 1000*(i+1))
		total += last
		worst = max(worst, last)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/page")
	b.ReportMetric(worst.Seconds(), "worst-s/page")
}
