package compliance_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

// BenchmarkPageRead compares a page of 50 messages read by a member
// (GET /conversations/{id}/messages) with the same page read under a
// compliance review (GET /compliance/reviews/{id}/messages): issue 24 asks
// that a review's page read cost no more than a member's. Both open the
// bodies and record one audit event durably.
func BenchmarkPageRead(b *testing.B) {
	// Each side gets a world of its own, seeded alike: the audit trail and
	// the WAL one side's reads grow must not slow the other's.
	seeded := func(b *testing.B) (*world, ward.Grant) {
		w := newWorld(b)
		ctx := context.Background()
		for i := range 200 {
			if _, _, err := w.f.App.SendMessage(ctx, w.nurse, w.conv.ID, app.SendRequest{ClientID: fmt.Sprint("b", i),
				Body: fmt.Sprintf("message %d: BP 120/80, HR 72, plan unchanged; call back if the pain returns", i)}); err != nil {
				b.Fatal(err)
			}
		}
		g, err := w.s.OpenReview(ctx, w.comp, w.conv.ID, ward.Reason{Category: ward.ReasonQualityReview, Text: "benchmark"}, 0)
		if err != nil {
			b.Fatal(err)
		}
		return w, g
	}
	ctx := context.Background()
	b.Run("member", func(b *testing.B) {
		w, _ := seeded(b)
		for b.Loop() {
			if msgs, err := w.f.App.ListMessages(ctx, w.doc, w.conv.ID, 100, 50); err != nil || len(msgs) != 50 {
				b.Fatal(len(msgs), err)
			}
		}
	})
	b.Run("review", func(b *testing.B) {
		w, g := seeded(b)
		for b.Loop() {
			if msgs, err := w.s.ReviewMessages(ctx, w.comp, g.ID, 100, 50); err != nil || len(msgs) != 50 {
				b.Fatal(len(msgs), err)
			}
		}
	})
}

// TestReviewPageCostsNoMoreThanMember holds issue 24's performance line in
// the unit tests: a page of 50 read under a review allocates no more than
// the same page read by a member (the grant's row replaces the
// conversation and its members; no receipts).
func TestReviewPageCostsNoMoreThanMember(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for i := range 60 {
		if _, _, err := w.f.App.SendMessage(ctx, w.nurse, w.conv.ID, app.SendRequest{ClientID: fmt.Sprint("a", i), Body: fmt.Sprint("note ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	g, err := w.s.OpenReview(ctx, w.comp, w.conv.ID, ward.Reason{Category: ward.ReasonQualityReview, Text: "allocations"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	member := testing.AllocsPerRun(20, func() {
		if msgs, err := w.f.App.ListMessages(ctx, w.doc, w.conv.ID, 3, 50); err != nil || len(msgs) != 50 {
			t.Fatal(len(msgs), err)
		}
	})
	review := testing.AllocsPerRun(20, func() {
		if msgs, err := w.s.ReviewMessages(ctx, w.comp, g.ID, 3, 50); err != nil || len(msgs) != 50 {
			t.Fatal(len(msgs), err)
		}
	})
	t.Logf("allocations a page: member %.0f, review %.0f", member, review)
	if review > member {
		t.Errorf("a review's page allocates %.0f, a member's %.0f", review, member)
	}
}
