package push_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// TestPageTo1000Devices (issue 23, performance): one urgent message to a
// group of 50 people with 20 subscribed devices each leaves ward, as 1,000
// VAPID-signed, encrypted push requests all received (and decrypted) by the
// push service in the test process, within 1 s of the send.
func TestPageTo1000Devices(t *testing.T) {
	if testing.Short() {
		t.Skip("sets up 1,000 signed-in devices")
	}
	const people, devices = 50, 20
	e := newEnv(t, false)
	doc := e.person(t, ward.RoleClinician, "doc", "doc-phone-1")
	var members []string
	for i := range people {
		email := fmt.Sprintf("oncall%02d@stmary.example", i)
		u, pw := e.f.AddUser(t, ward.RoleClinician, email, fmt.Sprintf("On call %02d", i))
		members = append(members, u.ID)
		for d := range devices {
			p, _ := e.f.MustLogin(t, email, pw, fmt.Sprintf("phone-%02d-%02d", i, d))
			e.subscribe(t, p)
		}
	}
	c := e.conv(t, doc.Principal, ward.Group, members...)
	start := time.Now()
	if _, _, err := e.f.App.SendMessage(context.Background(), doc.Principal, c.ID, app.SendRequest{ClientID: "page-1",
		Body: canary, Priority: ward.Urgent}); err != nil {
		t.Fatal(err)
	}
	sent := time.Since(start)
	got := e.ps.WaitFor(people*devices, 5*time.Second)
	last := got[len(got)-1].At.Sub(start)
	t.Logf("one urgent page to %d devices: send answered in %v, the last push received %v after the send", len(got), sent, last)
	if len(got) != people*devices {
		t.Fatalf("%d pushes, want %d", len(got), people*devices)
	}
	for _, p := range got {
		if p.Err != nil || p.Urgency != "high" {
			t.Fatalf("a push the service refused: %v (urgency %q)", p.Err, p.Urgency)
		}
	}
	if last > time.Second {
		t.Errorf("the page took %v to leave ward, want <= 1 s", last)
	}
}
