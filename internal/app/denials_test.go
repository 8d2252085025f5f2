package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
)

// deniedEvents returns the access.denied events of userID so far.
func deniedEvents(t *testing.T, f *Fixture, userID string) []audit.Event {
	t.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var r struct {
			Action, Outcome, Reason string
			ActorUserID             string `json:"actor_user_id"`
			ResourceType            string `json:"resource_type"`
			ResourceID              string `json:"resource_id"`
		}
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Action != string(audit.AccessDenied) || r.ActorUserID != userID {
			continue
		}
		out = append(out, audit.Event{Action: audit.Action(r.Action), Outcome: audit.Outcome(r.Outcome), Reason: r.Reason,
			ResourceType: r.ResourceType, ResourceID: r.ResourceID, Actor: audit.Actor{UserID: r.ActorUserID}})
	}
	return out
}

// TestDenialAuditFolded: a loop of refusals records at most the budget of
// events a minute for the user; the rest are folded and their count is
// recorded once, by the user's next recorded denial or by FlushDenials.
// Another user's denials have a budget of their own.
func TestDenialAuditFolded(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	u, pw := f.AddUser(t, ward.RoleClinician, "loop@stmary.example", "Lou Loop")
	p, _ := f.MustLogin(t, u.Email, pw, "loop-phone-1")
	o, opw := f.AddUser(t, ward.RoleClinician, "other@stmary.example", "Otto Other")
	po, _ := f.MustLogin(t, o.Email, opw, "other-phone-1")
	conv := "01a20fde-0000-7000-8000-000000000001"
	notFound := ward.Errorf(ward.CodeNotFound, "no such conversation")

	deny := func(p *app.Principal, n int) {
		for i := 0; i < n; i++ {
			f.App.AuditDenial(ctx, p, authz.MessageRead, "conversation", conv, notFound)
		}
	}
	deny(p, 150)
	evs := deniedEvents(t, f, u.ID)
	if len(evs) != 20 {
		t.Fatalf("%d access.denied events after 150 refusals in a minute, want the budget of 20", len(evs))
	}
	for _, e := range evs {
		if e.Outcome != audit.Denied || e.ResourceID != conv || !strings.Contains(e.Reason, "message.read") {
			t.Fatalf("denial event %+v", e)
		}
	}
	deny(po, 3) // another user is not folded with the first
	if n := len(deniedEvents(t, f, o.ID)); n != 3 {
		t.Errorf("the other user has %d denial events, want 3", n)
	}

	// Within the window, FlushDenials writes nothing yet.
	f.App.FlushDenials(ctx, false)
	if n := len(deniedEvents(t, f, u.ID)); n != 20 {
		t.Fatalf("%d events after an early flush, want 20", n)
	}
	// The next window: the first denial carries the count of the folded.
	f.Clock.Advance(61 * time.Second)
	deny(p, 1)
	evs = deniedEvents(t, f, u.ID)
	if len(evs) != 21 || !strings.Contains(evs[20].Reason, "(folded 130 earlier denials)") {
		t.Fatalf("after the window: %d events, the last %+v; want 21, the last reporting 130 folded", len(evs), evs[len(evs)-1])
	}

	// A loop that stops: FlushDenials records the count once the window
	// has ended, in an event of its own, and only once.
	deny(p, 25) // 19 more recorded, 6 folded
	f.Clock.Advance(61 * time.Second)
	f.App.FlushDenials(ctx, false)
	f.App.FlushDenials(ctx, false)
	evs = deniedEvents(t, f, u.ID)
	last := evs[len(evs)-1]
	if len(evs) != 21+19+1 || !strings.HasPrefix(last.Reason, "6 denials folded") || last.ResourceID != conv {
		t.Fatalf("after the flush: %d events, the last %+v; want %d, the last reporting 6 folded", len(evs), last, 21+19+1)
	}
	deny(p, 1)
	if evs = deniedEvents(t, f, u.ID); strings.Contains(evs[len(evs)-1].Reason, "folded") {
		t.Errorf("the folded count was reported twice: %q", evs[len(evs)-1].Reason)
	}

	// Not denials on PHI: ignored.
	before := len(deniedEvents(t, f, u.ID))
	f.App.AuditDenial(ctx, p, authz.MessageRead, "conversation", conv, ward.Errorf(ward.CodeInvalid, "limit must be 1 to 200"))
	f.App.AuditDenial(ctx, p, authz.AuditRead, "", "", ward.Errorf(ward.CodeForbidden, "forbidden"))
	f.App.AuditDenial(ctx, nil, authz.MessageRead, "conversation", conv, notFound)
	if n := len(deniedEvents(t, f, u.ID)); n != before {
		t.Errorf("%d denial events after refusals that are not PHI denials, want %d", n, before)
	}
}
