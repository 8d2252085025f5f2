package compliance_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/holds"
)

// TestReviewHeldCopies (issue 24, shows 3): a message recalled while a
// legal hold covers its conversation is a tombstone to members and in the
// review's pages, but its body is readable through the review's held
// copies, audited with the review's id and category; only while the time
// box runs, only by its officer; admins are refused. A message recalled
// without a hold leaves no copy. Its attachment is kept too: members and a
// break-glass get 404, the review lists it with the copy and downloads it
// byte for byte (audited); once the hold is released and retention drops
// the copy, it is gone for the review too.
func TestReviewHeldCopies(t *testing.T) { testReviewHeldCopies(t, newWorld(t)) }

// TestReviewHeldCopiesPostgres runs TestReviewHeldCopies on PostgreSQL
// when WARD_TEST_POSTGRES is set.
func TestReviewHeldCopiesPostgres(t *testing.T) {
	testReviewHeldCopies(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testReviewHeldCopies(t *testing.T, w *world) {
	ctx := context.Background()
	f := w.f
	content := []byte("%PDF-1.4 " + canary + " consent form")
	att, err := f.App.Attachments().Upload(ctx, w.nurse, attachments.Upload{ConversationID: w.conv.ID, Name: "consent.pdf", Body: bytes.NewReader(content)})
	if err != nil {
		t.Fatal(err)
	}
	send := func(conv ward.Conversation, id, body string, files ...string) ward.Message {
		m, _, err := f.App.SendMessage(ctx, w.nurse, conv.ID, app.SendRequest{ClientID: id, Body: body, AttachmentIDs: files})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	held, unheld := send(w.conv, "h1", canary+" (held)", att.ID), send(w.other, "u1", "not held")
	hold, err := holds.New(f.Store).Place(ctx, w.comp, ward.LegalHold{Matter: "Doe v. St Mary", ConversationID: w.conv.ID})
	if err != nil {
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
	if a := copies[0].Attachments; len(a) != 1 || a[0] != (compliance.HeldFile{ID: att.ID, Name: "consent.pdf", ContentType: "application/pdf", Size: int64(len(content))}) {
		t.Fatalf("the held copy's attachments %+v", a)
	}
	rs := reasons(t, f, audit.ComplianceReviewRead)
	if want := fmt.Sprintf("review %s (legal_request): held copies of 1 recalled messages with 1 kept attachments", g.ID); len(rs) == 0 || rs[len(rs)-1] != want {
		t.Fatalf("compliance.review_read reasons %q, want the last %q", rs, want)
	}
	// Members see the recall: the file is gone for them.
	for _, m := range []*access.Principal{w.nurse, w.doc} {
		_, err := f.App.Attachments().Open(ctx, m, att.ID)
		apptest.WantCode(t, err, ward.CodeNotFound)
	}
	// The review downloads the kept file, audited before the answer.
	a, rc, err := w.s.ReviewAttachment(ctx, w.comp, g.ID, att.ID)
	if err != nil {
		t.Fatalf("the review downloads the kept file: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, content) || a.Name != "consent.pdf" || a.ContentType != "application/pdf" {
		t.Fatalf("kept file %q %q %q %v", a.Name, a.ContentType, got, err)
	}
	reads := f.AuditEvents(t, audit.ComplianceReviewRead)
	last := reads[len(reads)-1]
	if want := fmt.Sprintf("review %s (legal_request): conversation %s, held copy", g.ID, w.conv.ID); last["resource_id"] != att.ID ||
		last["resource_type"] != "attachment" || last["reason"] != want || last["patient_id"] != w.rec.ID {
		t.Fatalf("the kept file's compliance.review_read %+v, want reason %q", last, want)
	}
	_, _, err = w.s.ReviewAttachment(ctx, w.comp2, g.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeNotFound) // another officer's review
	_, _, err = w.s.ReviewAttachment(ctx, w.admin, g.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeForbidden)
	// A break-glass reads what members could: not the kept file.
	bg, err := w.s.BreakGlass(ctx, w.er, w.rec.ID, ward.Reason{Category: ward.ReasonEmergency, Text: "arrest"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = w.s.BreakGlassAttachment(ctx, w.er, bg.ID, w.conv.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeNotFound)
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
	_, _, err = w.s.ReviewAttachment(ctx, w.comp, g.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeAccessExpired)
	// Released, the copy and its file are dropped by retention: gone for a new review too.
	if _, err := holds.New(f.Store).Release(ctx, w.comp, hold.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Retention().Run(ctx); err != nil {
		t.Fatal(err)
	}
	g3, err := w.s.OpenReview(ctx, w.comp, w.conv.ID, ward.Reason{Category: ward.ReasonLegalRequest, Text: "after release"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := w.s.ReviewHeldCopies(ctx, w.comp, g3.ID); err != nil || len(c) != 0 {
		t.Fatalf("copies after release: %+v %v", c, err)
	}
	_, _, err = w.s.ReviewAttachment(ctx, w.comp, g3.ID, att.ID)
	apptest.WantCode(t, err, ward.CodeNotFound)
}
