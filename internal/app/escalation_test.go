package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/store"
)

// TestEscalationChecksBackup (issue 21, finding 2): at escalation the backup
// is checked as a new member would be (active, a clinician or staff member
// of the org): one whose role became patient or admin since the send is not
// added. A backup who is added reads the conversation from the urgent
// message on, not its history, unless the org's policy opens it. The clock
// is fake.
func TestEscalationChecksBackup(t *testing.T) {
	ctx := context.Background()
	urgent := func(f *msgFixture, from *app.Principal, convID, backup string) ward.Message {
		t.Helper()
		m, _, err := f.App.SendMessage(ctx, from, convID, app.SendRequest{ClientID: "stat-" + backup, Body: "K+ 6.9, call me",
			Priority: ward.Urgent, BackupUserID: backup})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	for _, role := range []ward.Role{ward.RolePatient, ward.RoleAdmin} {
		f := mustMsgFixture(t)
		alice, bob, dave := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician), f.user(t, "dave", ward.RoleClinician)
		owner := f.user(t, "olive", ward.RoleOwner)
		c := f.direct(t, alice, bob)
		f.send(t, alice, c.ID, "old", "history the backup must not read")
		urgent(f, alice, c.ID, dave.User.ID)
		newRole := role
		if _, err := f.App.UpdateUser(ctx, owner, dave.User.ID, app.UserChange{Role: &newRole}); err != nil {
			t.Fatal(err)
		}
		dave.User.Role = role
		f.Clock.Advance(15 * time.Minute)
		runTimers(t, f, 1, 0, "escalation to a backup now "+string(role))
		if conv, err := f.App.GetConversation(ctx, &app.Principal{User: dave.User, Policy: dave.Policy, Device: dave.Device}, c.ID); err == nil {
			t.Errorf("the backup made %s was added to the conversation: %+v", role, conv)
		}
		mustNotMember(t, f, c.ID, dave.User.ID)
	}

	// A backup who may join reads from the urgent message on.
	f := mustMsgFixture(t)
	alice, bob, dave := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician), f.user(t, "dave", ward.RoleClinician)
	c := f.direct(t, alice, bob)
	f.send(t, alice, c.ID, "old-1", "history 1")
	f.send(t, bob, c.ID, "old-2", "history 2")
	m := urgent(f, alice, c.ID, dave.User.ID)
	f.Clock.Advance(15 * time.Minute)
	runTimers(t, f, 1, 1, "escalation")
	f.send(t, bob, c.ID, "after", "after the escalation")
	msgs, err := f.App.ListMessages(ctx, dave, c.ID, 0, 0)
	if err != nil || len(msgs) != 2 || msgs[0].ID != m.ID || msgs[1].Body != "after the escalation" {
		t.Fatalf("the backup reads %d messages (%v), want the urgent one and the next", len(msgs), err)
	}
	list, err := f.App.ListConversations(ctx, dave)
	if err != nil || len(list) != 1 || list[0].Unread != 2 {
		t.Fatalf("the backup's unread count: %+v %v, want 2", list, err)
	}
	if msgs, _ := f.App.ListMessages(ctx, bob, c.ID, 0, 0); len(msgs) != 4 {
		t.Fatalf("a member from the start reads %d messages, want 4", len(msgs))
	}

	// Unless the org's policy opens the history to the backup.
	f = mustMsgFixture(t)
	f.setPolicy(t, func(p *ward.Policy) { p.EscalationOpensHistory = true })
	alice, bob, dave = f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician), f.user(t, "dave", ward.RoleClinician)
	c = f.direct(t, alice, bob)
	f.send(t, alice, c.ID, "old-1", "history 1")
	urgent(f, alice, c.ID, dave.User.ID)
	f.Clock.Advance(15 * time.Minute)
	runTimers(t, f, 1, 1, "escalation under an open policy")
	if msgs, err := f.App.ListMessages(ctx, dave, c.ID, 0, 0); err != nil || len(msgs) != 2 {
		t.Fatalf("under an open policy the backup reads %d messages (%v), want 2", len(msgs), err)
	}
}

// mustNotMember fails if userID is a member of conversation convID.
func mustNotMember(t *testing.T, f *msgFixture, convID, userID string) {
	t.Helper()
	var ms []ward.Member
	f.write(t, func(tx *store.Tx) error {
		var err error
		ms, err = tx.Members(context.Background(), convID)
		return err
	})
	for _, m := range ms {
		if m.UserID == userID {
			t.Errorf("%s is a member of %s", userID, convID)
		}
	}
}
