package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/realtime"
)

// runTimers runs the urgent timers and checks what they did.
func runTimers(t *testing.T, f *msgFixture, wantRenotified, wantEscalated int, when string) {
	t.Helper()
	r, e, err := f.App.RunUrgentTimers(context.Background())
	if err != nil || r != wantRenotified || e != wantEscalated {
		t.Fatalf("%s: renotified %d, escalated %d, err %v; want %d, %d", when, r, e, err, wantRenotified, wantEscalated)
	}
}

// TestUrgentEscalation: an urgent message nobody acknowledges re-notifies
// its recipient every 5 minutes, escalates to the named backup after 15
// (default policy), keeps its timers across a restart, and stops when
// acknowledged. The clock is fake: no sleeps.
func TestUrgentEscalation(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob, dave := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician), f.user(t, "dave", ward.RoleClinician)
	c := f.direct(t, alice, bob)
	m, _, err := f.App.SendMessage(ctx, alice, c.ID, app.SendRequest{ClientID: "stat-1", Body: "K+ 6.9, call me",
		Priority: ward.Urgent, BackupUserID: dave.User.ID})
	if err != nil || m.Priority != ward.Urgent || m.BackupUserID != dave.User.ID {
		t.Fatalf("send urgent: %+v %v", m, err)
	}
	if list, _ := f.App.ListConversations(ctx, bob); list[0].UrgentUnacked != 1 {
		t.Fatalf("bob's urgent marker %+v", list[0])
	}
	f.Events.Take("")
	runTimers(t, f, 0, 0, "at once")
	f.Clock.Advance(4*time.Minute + 59*time.Second)
	runTimers(t, f, 0, 0, "before 5 minutes")
	f.Clock.Advance(time.Second)
	runTimers(t, f, 1, 0, "at 5 minutes")
	evs := f.Events.Take(realtime.MessageCreated)
	if len(evs) != 1 || evs[0].Users[0] != bob.User.ID || !strings.Contains(string(evs[0].Data), `"renotify":true`) ||
		strings.Contains(string(evs[0].Data), "K+") {
		t.Fatalf("re-notification %+v", evs)
	}
	runTimers(t, f, 0, 0, "again at 5 minutes")
	if _, err := f.App.GetConversation(ctx, dave, c.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("the backup sees the conversation before escalation: %v", err)
	}
	f.Clock.Advance(10 * time.Minute)
	runTimers(t, f, 1, 1, "at 15 minutes")
	evs = f.Events.Take(realtime.MessageCreated)
	if len(evs) != 2 {
		t.Fatalf("events at 15 minutes %+v", evs)
	}
	list, err := f.App.ListConversations(ctx, dave)
	if err != nil || len(list) != 1 || list[0].ID != c.ID || list[0].UrgentUnacked != 1 || len(list[0].Members) != 3 {
		t.Fatalf("the backup's conversations %+v %v", list, err)
	}
	if added := f.auditEvents(t, audit.MemberAdded); len(added) != 1 || !strings.Contains(added[0]["reason"].(string), dave.User.ID) {
		t.Fatalf("member_added audit %v", added)
	}

	// Restart: a new App over the same database carries on.
	f.open(t)
	f.Clock.Advance(5 * time.Minute)
	runTimers(t, f, 1, 0, "after a restart, at 20 minutes")

	rc, err := f.App.Receipts().Acknowledge(ctx, dave, m.ID)
	if err != nil || rc.AckedAt.IsZero() || rc.UserID != dave.User.ID {
		t.Fatalf("the backup acknowledges: %+v %v", rc, err)
	}
	if evs := f.Events.Take(realtime.Receipt); len(evs) != 1 || len(evs[0].Users) != 3 || !strings.Contains(string(evs[0].Data), "acknowledged") {
		t.Fatalf("acknowledgement events %+v", evs)
	}
	if _, err := f.App.Receipts().Acknowledge(ctx, dave, m.ID); err != nil {
		t.Fatalf("acknowledging twice: %v", err)
	}
	if acks := f.auditEvents(t, audit.MessageAcknowledged); len(acks) != 1 {
		t.Fatalf("%d message.acknowledged events, want 1", len(acks))
	}
	f.Clock.Advance(time.Hour)
	runTimers(t, f, 0, 0, "after the acknowledgement")
	_, err = f.App.Receipts().Acknowledge(ctx, alice, m.ID)
	msgWantCode(t, err, ward.CodeInvalid, "the sender acknowledges")
}

// TestUrgentAcknowledgedInTime: an acknowledgement before the escalation
// delay means no re-notification and no escalation; a message without a
// backup escalates to no one.
func TestUrgentAcknowledgedInTime(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	f.setPolicy(t, func(p *ward.Policy) {
		p.UrgentRenotify, p.UrgentEscalate = ward.Duration(time.Minute), ward.Duration(3*time.Minute)
	})
	alice, bob, carl := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleStaff), f.user(t, "carl", ward.RoleClinician)
	g, _, err := f.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Members: []string{bob.User.ID, carl.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := f.App.SendMessage(ctx, alice, g.ID, app.SendRequest{ClientID: "u1", Body: "code blue bed 4", Priority: ward.Urgent})
	if err != nil || m.BackupUserID != "" {
		t.Fatalf("urgent without a backup from the creator: %+v %v", m, err)
	}
	f.Clock.Advance(time.Minute)
	runTimers(t, f, 2, 0, "one minute: both recipients")
	if _, err := f.App.Receipts().Acknowledge(ctx, carl, m.ID); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(10 * time.Minute)
	runTimers(t, f, 0, 0, "after carl acknowledged")

	// Bob's message in the same group names no backup: the creator, alice, is it.
	m2, _, err := f.App.SendMessage(ctx, bob, g.ID, app.SendRequest{ClientID: "u2", Body: "need a hand", Priority: ward.Urgent})
	if err != nil || m2.BackupUserID != alice.User.ID {
		t.Fatalf("default backup: %+v %v", m2, err)
	}
	f.Clock.Advance(3 * time.Minute)
	runTimers(t, f, 2, 1, "bob's message at 3 minutes")
	m3, _, err := f.App.SendMessage(ctx, alice, g.ID, app.SendRequest{ClientID: "u3", Body: "anyone?", Priority: ward.Urgent})
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(3 * time.Minute)
	// Bob's message re-notifies alice and carl again; alice's has no backup to escalate to.
	runTimers(t, f, 4, 0, "alice's message at 3 minutes")
	if _, err := f.App.Recall(ctx, alice, m3.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Receipts().Acknowledge(ctx, carl, m2.ID); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(time.Hour)
	runTimers(t, f, 0, 0, "after a recall and an acknowledgement")
}
