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
	"github.com/wardhealth/ward/internal/store"
)

func TestSendAndListRoundTrip(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleStaff)
	c := f.direct(t, alice, bob)
	if again := f.direct(t, bob, alice); again.ID != c.ID {
		t.Fatalf("direct conversation not reused: %s then %s", c.ID, again.ID)
	}
	f.Events.Take("")
	for i, body := range []string{"BP 120/80", "line two\nwith a newline", "third"} {
		m := f.send(t, alice, c.ID, "c"+string(rune('1'+i)), body)
		if m.Seq != int64(i+1) || m.Body != body || m.ID == "" {
			t.Fatalf("sent %+v", m)
		}
	}
	evs := f.Events.Take(realtime.MessageCreated)
	if len(evs) != 3 || evs[2].Seq != 3 || len(evs[2].Users) != 2 || !strings.Contains(string(evs[2].Data), `"body":"third"`) {
		t.Fatalf("message.created events %+v", evs)
	}
	got, err := f.App.ListMessages(ctx, bob, c.ID, 0, 0)
	if err != nil || len(got) != 3 || got[1].Body != "line two\nwith a newline" || got[0].SenderID != alice.User.ID {
		t.Fatalf("ListMessages %+v %v", got, err)
	}
	if got, _ := f.App.ListMessages(ctx, bob, c.ID, 2, 10); len(got) != 1 || got[0].Seq != 3 {
		t.Fatalf("after 2: %+v", got)
	}
	list, err := f.App.ListConversations(ctx, bob)
	if err != nil || len(list) != 1 || list[0].Unread != 3 || list[0].LastSeq != 3 || len(list[0].Members) != 2 {
		t.Fatalf("bob's conversations %+v %v", list, err)
	}
	if list, _ := f.App.ListConversations(ctx, alice); list[0].Unread != 0 {
		t.Fatalf("the sender has unread messages: %+v", list[0])
	}
}

func TestGroupConversationTitleAndMembers(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob, carl := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleStaff), f.user(t, "carl", ward.RoleClinician)
	admin := f.user(t, "adele", ward.RoleAdmin)
	f.user(t, "patient7", ward.RolePatient) // the patient the group is about (not a member)
	c, created, err := f.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Title: " Ward 4 handover ",
		Topic: "night shift", Members: []string{bob.User.ID, carl.User.ID, bob.User.ID, alice.User.ID}, PatientID: "u-patient7"})
	if err != nil || !created || c.Title != "Ward 4 handover" || len(c.Members) != 3 || c.PatientID != "u-patient7" {
		t.Fatalf("CreateConversation %+v %v %v", c, created, err)
	}
	got, err := f.App.GetConversation(ctx, carl, c.ID)
	if err != nil || got.Title != "Ward 4 handover" || got.Topic != "night shift" || got.Members[0].Role != ward.MemberOwner {
		t.Fatalf("GetConversation %+v %v", got, err)
	}
	if reads := f.auditEvents(t, audit.ConversationRead); len(reads) != 1 || reads[0]["patient_id"] != "u-patient7" {
		t.Fatalf("conversation.read events %v", reads)
	}
	bad := []app.NewConversation{
		{Kind: "circle", Members: []string{bob.User.ID}},
		{Kind: ward.Direct, Members: []string{bob.User.ID, carl.User.ID}},
		{Kind: ward.Direct, Members: []string{alice.User.ID}},
		{Kind: ward.Group},
		{Kind: ward.Group, Members: []string{"no-such-user"}},
		{Kind: ward.Group, Members: []string{admin.User.ID}},
		{Kind: ward.Group, Members: []string{bob.User.ID}, Title: strings.Repeat("t", 201)},
		{Kind: ward.Group, Members: []string{bob.User.ID}, Lifespan: time.Minute},
	}
	for i, nc := range bad {
		_, _, err := f.App.CreateConversation(ctx, alice, nc)
		msgWantCode(t, err, ward.CodeInvalid, "bad conversation "+string(rune('0'+i)))
	}
	_, _, err = f.App.CreateConversation(ctx, admin, app.NewConversation{Kind: ward.Direct, Members: []string{bob.User.ID}})
	msgWantCode(t, err, ward.CodeForbidden, "an admin starts a conversation")
}

func TestPatientConversations(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	pat, pat2 := f.user(t, "pat", ward.RolePatient), f.user(t, "pia", ward.RolePatient)
	doc, nurse := f.user(t, "doc", ward.RoleClinician), f.user(t, "nurse", ward.RoleStaff)
	c, _, err := f.App.CreateConversation(ctx, pat, app.NewConversation{Kind: ward.Direct, Members: []string{doc.User.ID}})
	if err != nil || c.PatientID != pat.User.ID {
		t.Fatalf("patient's direct conversation %+v %v", c, err)
	}
	_, _, err = f.App.CreateConversation(ctx, pat, app.NewConversation{Kind: ward.Group, Members: []string{doc.User.ID, nurse.User.ID}})
	msgWantCode(t, err, ward.CodeForbidden, "a patient starts a group")
	_, _, err = f.App.CreateConversation(ctx, pat, app.NewConversation{Kind: ward.Direct, Members: []string{pat2.User.ID}})
	msgWantCode(t, err, ward.CodeForbidden, "a patient messages another patient")
	_, _, err = f.App.CreateConversation(ctx, doc, app.NewConversation{Kind: ward.Group, Members: []string{pat.User.ID, pat2.User.ID}})
	msgWantCode(t, err, ward.CodeInvalid, "two patients in one group")
	g, _, err := f.App.CreateConversation(ctx, doc, app.NewConversation{Kind: ward.Group, Members: []string{pat.User.ID, nurse.User.ID}})
	if err != nil || g.PatientID != pat.User.ID {
		t.Fatalf("care team group with the patient: %+v %v", g, err)
	}
	m := f.send(t, pat, c.ID, "p1", "my knee hurts")
	if sent := f.auditEvents(t, audit.MessageSent); len(sent) != 1 || sent[0]["patient_id"] != pat.User.ID || sent[0]["resource_id"] != m.ID {
		t.Fatalf("message.sent %v", sent)
	}
}

func TestIdempotentSend(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician)
	c := f.direct(t, alice, bob)
	first, created, err := f.App.SendMessage(ctx, alice, c.ID, app.SendRequest{ClientID: "k-1", Body: "hello"})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	f.Events.Take("")
	again, created, err := f.App.SendMessage(ctx, alice, c.ID, app.SendRequest{ClientID: "k-1", Body: "hello"})
	if err != nil || created || again.ID != first.ID || again.Seq != first.Seq || again.Body != "hello" {
		t.Fatalf("retry: %+v created %v err %v", again, created, err)
	}
	if evs := f.Events.Take(realtime.MessageCreated); len(evs) != 0 {
		t.Fatalf("a retry was delivered again: %+v", evs)
	}
	_, _, err = f.App.SendMessage(ctx, alice, c.ID, app.SendRequest{ClientID: "k-1", Body: "hello, other"})
	msgWantCode(t, err, ward.CodeConflict, "same client id, other body")
	if next := f.send(t, alice, c.ID, "k-2", "second"); next.Seq != 2 {
		t.Fatalf("next seq %d, want 2", next.Seq)
	}
	// Bob may use the same client id: keys are per sender.
	if m := f.send(t, bob, c.ID, "k-1", "bob's"); m.Seq != 3 {
		t.Fatalf("bob's k-1 seq %d", m.Seq)
	}
	msgs, _ := f.App.ListMessages(ctx, bob, c.ID, 0, 0)
	if len(msgs) != 3 || msgs[0].Body != "hello" {
		t.Fatalf("stored %+v", msgs)
	}
	if sent := f.auditEvents(t, audit.MessageSent); len(sent) != 3 {
		t.Fatalf("%d message.sent events, want 3", len(sent))
	}
}

func TestBadSendsStoreNothing(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob, eve := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician), f.user(t, "eve", ward.RoleClinician)
	comp := f.user(t, "cora", ward.RoleCompliance)
	c := f.direct(t, alice, bob)
	cases := []struct {
		name string
		p    *app.Principal
		conv string
		req  app.SendRequest
		code ward.Code
	}{
		{"empty body", alice, c.ID, app.SendRequest{ClientID: "a", Body: ""}, ward.CodeInvalid},
		{"blank body", alice, c.ID, app.SendRequest{ClientID: "a", Body: " \n\t"}, ward.CodeInvalid},
		{"body over 16 KiB", alice, c.ID, app.SendRequest{ClientID: "a", Body: strings.Repeat("x", ward.MaxBodyLen+1)}, ward.CodeTooLarge},
		{"NUL in body", alice, c.ID, app.SendRequest{ClientID: "a", Body: "a\x00b"}, ward.CodeInvalid},
		{"bad UTF-8", alice, c.ID, app.SendRequest{ClientID: "a", Body: "\xff\xfe"}, ward.CodeInvalid},
		{"no client id", alice, c.ID, app.SendRequest{Body: "hi"}, ward.CodeInvalid},
		{"long client id", alice, c.ID, app.SendRequest{ClientID: strings.Repeat("k", 65), Body: "hi"}, ward.CodeInvalid},
		{"bad priority", alice, c.ID, app.SendRequest{ClientID: "a", Body: "hi", Priority: "stat"}, ward.CodeInvalid},
		{"backup on normal", alice, c.ID, app.SendRequest{ClientID: "a", Body: "hi", BackupUserID: eve.User.ID}, ward.CodeInvalid},
		{"backup is the sender", alice, c.ID, app.SendRequest{ClientID: "a", Body: "hi", Priority: ward.Urgent, BackupUserID: alice.User.ID}, ward.CodeInvalid},
		{"unknown backup", alice, c.ID, app.SendRequest{ClientID: "a", Body: "hi", Priority: ward.Urgent, BackupUserID: "nobody"}, ward.CodeInvalid},
		{"non-member", eve, c.ID, app.SendRequest{ClientID: "a", Body: "hi"}, ward.CodeNotFound},
		{"no conversation", alice, "nope", app.SendRequest{ClientID: "a", Body: "hi"}, ward.CodeNotFound},
		{"compliance role", comp, c.ID, app.SendRequest{ClientID: "a", Body: "hi"}, ward.CodeForbidden},
	}
	f.Events.Take("")
	for _, tc := range cases {
		_, _, err := f.App.SendMessage(ctx, tc.p, tc.conv, tc.req)
		msgWantCode(t, err, tc.code, tc.name)
	}
	if m := f.send(t, alice, c.ID, "ok", strings.Repeat("é", ward.MaxBodyLen/2)); m.Seq != 1 {
		t.Fatalf("a body of exactly 16 KiB: seq %d, want 1 (nothing stored before it)", m.Seq)
	}
	if evs := f.Events.Take(realtime.MessageCreated); len(evs) != 1 {
		t.Fatalf("%d message.created events, want 1", len(evs))
	}
	if sent := f.auditEvents(t, audit.MessageSent); len(sent) != 1 {
		t.Fatalf("%d message.sent events, want 1", len(sent))
	}
	// A non-member can neither read nor see the conversation.
	_, err := f.App.ListMessages(ctx, eve, c.ID, 0, 0)
	msgWantCode(t, err, ward.CodeNotFound, "non-member lists")
	_, err = f.App.GetConversation(ctx, eve, c.ID)
	msgWantCode(t, err, ward.CodeNotFound, "non-member gets")
	_, err = f.App.Receipts().Mark(ctx, eve, c.ID, 1, ward.Read)
	msgWantCode(t, err, ward.CodeNotFound, "non-member marks read")
	if list, _ := f.App.ListConversations(ctx, eve); len(list) != 0 {
		t.Fatalf("eve sees %+v", list)
	}
	if reads := f.auditEvents(t, audit.MessageRead); len(reads) != 0 {
		t.Fatalf("refused reads were recorded as reads: %v", reads)
	}
	_, err = f.App.ListMessages(ctx, alice, c.ID, 0, ward.MaxPageSize+1)
	msgWantCode(t, err, ward.CodeInvalid, "limit over the maximum")
}

func TestMessageReadAuditedOncePerListing(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician)
	f.user(t, "mrn42", ward.RolePatient)
	c, _, err := f.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Members: []string{bob.User.ID}, PatientID: "u-mrn42"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		f.send(t, alice, c.ID, "k"+string(rune('a'+i)), "msg")
	}
	for range 2 {
		if msgs, err := f.App.ListMessages(ctx, bob, c.ID, 0, 0); err != nil || len(msgs) != 5 {
			t.Fatal(len(msgs), err)
		}
	}
	if msgs, _ := f.App.ListMessages(ctx, bob, c.ID, 5, 0); len(msgs) != 0 {
		t.Fatalf("after the last: %+v", msgs)
	}
	reads := f.auditEvents(t, audit.MessageRead)
	if len(reads) != 2 {
		t.Fatalf("%d message.read events for 2 listings (and one empty one), want 2", len(reads))
	}
	r := reads[0]
	if r["resource_id"] != c.ID || r["patient_id"] != "u-mrn42" || r["actor_user_id"] != bob.User.ID || r["reason"] != "messages 1 to 5 (5)" {
		t.Fatalf("message.read event %v", r)
	}
	// If the audit write fails, the read fails.
	f.Recorder.Close()
	_, err = f.App.ListMessages(ctx, bob, c.ID, 0, 0)
	msgWantCode(t, err, ward.CodeUnavailable, "listing with the audit recorder down")
}

func TestRecall(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician)
	c := f.direct(t, alice, bob)
	wrong := f.send(t, alice, c.ID, "1", "meant for another patient")
	late := f.send(t, alice, c.ID, "2", "kept")
	f.Events.Take("")
	_, err := f.App.Recall(ctx, bob, wrong.ID)
	msgWantCode(t, err, ward.CodeForbidden, "a recipient recalls")
	f.Clock.Advance(9 * time.Minute)
	r, err := f.App.Recall(ctx, alice, wrong.ID)
	if err != nil || r.RecalledAt.IsZero() || r.Body != "" {
		t.Fatalf("Recall %+v %v", r, err)
	}
	if evs := f.Events.Take(realtime.MessageRecalled); len(evs) != 1 || evs[0].Seq != 1 || len(evs[0].Users) != 2 {
		t.Fatalf("message.recalled events %+v", evs)
	}
	_, err = f.App.Recall(ctx, alice, wrong.ID)
	msgWantCode(t, err, ward.CodeConflict, "recalling twice")
	f.Clock.Advance(2 * time.Minute)
	_, err = f.App.Recall(ctx, alice, late.ID)
	msgWantCode(t, err, ward.CodeConflict, "recall after the window")
	msgs, err := f.App.ListMessages(ctx, bob, c.ID, 0, 0)
	if err != nil || len(msgs) != 2 || !msgs[0].Tombstone() || msgs[0].Body != "" || msgs[1].Body != "kept" {
		t.Fatalf("after recall %+v %v", msgs, err)
	}
	f.write(t, func(tx *store.Tx) error {
		m, err := tx.MessageByID(ctx, f.Org.ID, wrong.ID)
		if err != nil || m.BodySealed != nil {
			t.Errorf("the recalled ciphertext is still stored: %d bytes, %v", len(m.BodySealed), err)
		}
		return err
	})
	if rec := f.auditEvents(t, audit.MessageRecalled); len(rec) != 1 || rec[0]["actor_user_id"] != alice.User.ID || rec[0]["resource_id"] != wrong.ID {
		t.Fatalf("message.recalled audit %v", rec)
	}
	// A retry of the recalled message's client id does not bring it back.
	_, _, err = f.App.SendMessage(ctx, alice, c.ID, app.SendRequest{ClientID: "1", Body: "meant for another patient"})
	msgWantCode(t, err, ward.CodeConflict, "retrying a recalled message")
	_, err = f.App.Recall(ctx, alice, "no-such-message")
	msgWantCode(t, err, ward.CodeNotFound, "recalling an unknown message")
}

func TestPurgeExpiredMessages(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	f.setPolicy(t, func(p *ward.Policy) { p.MessageLifespan = ward.Duration(24 * time.Hour) })
	alice, bob := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleClinician)
	c := f.direct(t, alice, bob)
	short, _, err := f.App.CreateConversation(ctx, alice, app.NewConversation{Kind: ward.Group, Members: []string{bob.User.ID}, Lifespan: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.send(t, alice, c.ID, "1", "old")
	f.send(t, alice, short.ID, "1", "old in short")
	f.Clock.Advance(3 * time.Hour)
	f.send(t, alice, c.ID, "2", "new")
	if n, err := f.App.Retention().PurgeExpiredMessages(ctx); err != nil || n != 1 {
		t.Fatalf("purge after 3h: %d %v, want 1 (the short-lived conversation)", n, err)
	}
	f.Clock.Advance(22 * time.Hour)
	if n, err := f.App.Retention().PurgeExpiredMessages(ctx); err != nil || n != 1 {
		t.Fatalf("purge after 25h: %d %v, want 1", n, err)
	}
	if n, _ := f.App.Retention().PurgeExpiredMessages(ctx); n != 0 {
		t.Fatalf("second purge: %d", n)
	}
	msgs, _ := f.App.ListMessages(ctx, bob, c.ID, 0, 0)
	if len(msgs) != 2 || msgs[0].PurgedAt.IsZero() || msgs[0].Body != "" || msgs[1].Body != "new" {
		t.Fatalf("after purge %+v", msgs)
	}
	if ev := f.auditEvents(t, audit.MessagePurged); len(ev) != 2 || ev[0]["resource_id"] != short.ID || ev[0]["actor_role"] != "system" {
		t.Fatalf("message.purged audit %v", ev)
	}
	if list, _ := f.App.ListConversations(ctx, bob); list[0].Unread+list[1].Unread != 1 {
		t.Fatalf("purged messages still count as unread: %+v", list)
	}
}

// The member cache learns from what the node sees anyway: the members of
// a conversation it created, every member of a conversation a send just
// committed to, and the caller in each conversation a listing returned.
// A node that saw none of these knows nobody.
func TestMemberCacheLearnsFromCreationsSendsAndListings(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob, carol := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleStaff), f.user(t, "carol", ward.RoleStaff)
	c := f.direct(t, alice, bob)
	if !f.App.KnownMember(c.ID, alice.User.ID) || !f.App.KnownMember(c.ID, bob.User.ID) || f.App.KnownMember(c.ID, carol.User.ID) {
		t.Fatal("the creating node does not know the conversation's members, or knows a stranger")
	}

	f.open(t) // a restart: the cache is empty
	if f.App.KnownMember(c.ID, alice.User.ID) || f.App.KnownMember(c.ID, bob.User.ID) {
		t.Fatal("a restarted node knows members it never saw")
	}
	if _, err := f.App.ListConversations(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if !f.App.KnownMember(c.ID, bob.User.ID) || f.App.KnownMember(c.ID, alice.User.ID) {
		t.Fatal("a listing taught the cache something other than the caller's own conversations")
	}

	f.open(t)
	f.send(t, alice, c.ID, "m1", "hello")
	if !f.App.KnownMember(c.ID, bob.User.ID) {
		t.Fatal("after a send the node does not know its recipient to be a member")
	}
	if _, _, err := f.App.SendMessage(ctx, carol, c.ID, app.SendRequest{ClientID: "x1", Body: "let me in"}); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("a stranger's send: %v", err)
	}
	if f.App.KnownMember(c.ID, carol.User.ID) {
		t.Fatal("a refused send taught the cache its sender")
	}
}

// A conversation's data key is made when the conversation is, so its first
// message seals under a key that already exists and makes none.
func TestConversationHasItsKeyBeforeItsFirstMessage(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	alice, bob := f.user(t, "alice", ward.RoleClinician), f.user(t, "bob", ward.RoleStaff)
	c := f.direct(t, alice, bob)
	keys := func() (ids []string) {
		f.write(t, func(tx *store.Tx) error {
			row, err := tx.DEKByScope(ctx, f.Org.ID, "conv:"+c.ID)
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return nil
			}
			ids = append(ids, row.ID)
			return err
		})
		return ids
	}
	before := keys()
	if len(before) != 1 {
		t.Fatalf("a new conversation has data keys %v, want one", before)
	}
	f.send(t, alice, c.ID, "m1", "first")
	if after := keys(); len(after) != 1 || after[0] != before[0] {
		t.Fatalf("the first message changed the conversation's key: %v, then %v", before, after)
	}
}
