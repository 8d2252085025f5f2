package compliance_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/holds"
)

// TestReviewHeldCopies (issue 24, shows 3): a message recalled while a
// legal hold covers its conversation is a tombstone to members and in the
// review's pages, but its body is readable through the review's held
// copies, audited with the review's id and category; only while the time
// box runs, only by its officer; admins are refused. A message recalled
// without a hold leaves no copy.
func TestReviewHeldCopies(t *testing.T) { testReviewHeldCopies(t, newWorld(t)) }

// TestReviewHeldCopiesPostgres runs TestReviewHeldCopies on PostgreSQL
// when WARD_TEST_POSTGRES is set.
func TestReviewHeldCopiesPostgres(t *testing.T) {
	testReviewHeldCopies(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testReviewHeldCopies(t *testing.T, w *world) {
	ctx := context.Background()
	f := w.f
	send := func(conv ward.Conversation, id, body string) ward.Message {
		m, _, err := f.App.SendMessage(ctx, w.nurse, conv.ID, app.SendRequest{ClientID: id, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	held, unheld := send(w.conv, "h1", canary+" (held)"), send(w.other, "u1", "not held")
	if _, err := holds.New(f.Store).Place(ctx, w.comp, ward.LegalHold{Matter: "Doe v. St Mary", ConversationID: w.conv.ID}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []ward.Message{held, unheld} {
		if _, err := f.App.Recall(ctx, w.nurse, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	g, err := w.s.OpenReview(ctx, w.comp, w.conv.ID, ward.Reason{Category: ward.ReasonLegalRequest, Text: "subpoena"}, 20)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := w.s.ReviewMessages(ctx, w.comp, g.ID, 0, 0)
	if err != nil || len(msgs) != 4 || msgs[3].Body != "" || msgs[3].RecalledAt.IsZero() {
		t.Fatalf("the review's pages show the recall as a tombstone: %+v %v", msgs, err)
	}
	copies, err := w.s.ReviewHeldCopies(ctx, w.comp, g.ID)
	if err != nil || len(copies) != 1 || copies[0].MessageID != held.ID || copies[0].Body != canary+" (held)" ||
		copies[0].Seq != held.Seq || copies[0].SenderID != w.nurse.User.ID || copies[0].RecalledAt.IsZero() {
		t.Fatalf("held copies %+v %v", copies, err)
	}
	rs := reasons(t, f, audit.ComplianceReviewRead)
	if want := fmt.Sprintf("review %s (legal_request): held copies of 1 recalled messages", g.ID); len(rs) == 0 || rs[len(rs)-1] != want {
		t.Fatalf("compliance.review_read reasons %q, want the last %q", rs, want)
	}
	// A review of the conversation recalled without a hold finds no copy.
	g2, err := w.s.OpenReview(ctx, w.comp, w.other.ID, ward.Reason{Category: ward.ReasonComplaint, Text: "x"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := w.s.ReviewHeldCopies(ctx, w.comp, g2.ID); err != nil || len(c) != 0 {
		t.Fatalf("copies without a hold: %+v %v", c, err)
	}
	_, err = w.s.ReviewHeldCopies(ctx, w.comp2, g.ID)
	apptest.WantCode(t, err, ward.CodeNotFound) // another officer's review
	_, err = w.s.ReviewHeldCopies(ctx, w.admin, g.ID)
	apptest.WantCode(t, err, ward.CodeForbidden)
	f.Clock.Advance(20 * time.Minute)
	_, err = w.s.ReviewHeldCopies(ctx, w.comp, g.ID)
	apptest.WantCode(t, err, ward.CodeAccessExpired)
}
