package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceOnCallPages (migration 0033): a page is stored and read
// back with its first acknowledgement (from the receipts) and whether its
// message is gone; DueOnCallPages lists live pages whose next step or
// hand-over is due, and never a done one; steps list in order; a role's
// chain round-trips; OnCallPageStats gives per role and UTC day the pages,
// acknowledged, the median time to acknowledge and the escalations, by SQL.
func TestConformanceOnCallPages(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock.Set(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
		seedMessaging(t, s)
		day1 := clock.Now()
		role := ward.OnCallRole{ID: "r1", OrgID: "o1", Name: "Cardiology on call", Chain: ward.EscalationChain{SecondaryID: "u3"},
			Schedule: ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, HandOver: "08:00", TimeZone: "UTC",
				Start: "2026-11-23", People: []string{"u2"}}}}
		page := func(id string, next time.Duration) {
			t.Helper()
			mustWrite(t, s, func(tx *store.Tx) error {
				m := newMsg(id, "u1", "k"+id, ward.Urgent)
				if _, err := tx.InsertMessage(ctx, m); err != nil {
					return err
				}
				if _, err := tx.Recipients(ctx, m); err != nil {
					return err
				}
				if err := tx.AddOnCallPage(ctx, &store.OnCallPage{MessageID: id, OrgID: "o1", RoleID: "r1", RoleName: role.Name,
					ConversationID: "c1", SenderID: "u1", Step: store.PageStepPrimary, HolderID: "u2", NextAt: tx.Now.Add(next),
					HandOverAt: tx.Now.Add(24 * time.Hour)}); err != nil {
					return err
				}
				return tx.AddOnCallPageStep(ctx, &store.OnCallPageStep{ID: "s-" + id, MessageID: id, OrgID: "o1", RoleID: "r1",
					Kind: store.PageHandPaged, Step: store.PageStepPrimary, UserID: "u2"})
			})
		}
		mustWrite(t, s, func(tx *store.Tx) error { return tx.CreateOnCallRole(ctx, &role) })
		page("m1", 15*time.Minute)
		page("m2", 15*time.Minute)
		page("m3", 15*time.Minute)
		var got store.OnCallPage
		read := func(id string) store.OnCallPage {
			t.Helper()
			mustWrite(t, s, func(tx *store.Tx) (err error) { got, err = tx.OnCallPageOf(ctx, "o1", id); return err })
			return got
		}
		if p := read("m1"); p.HolderID != "u2" || !p.Since.Equal(day1) || !p.NextAt.Equal(day1.Add(15*time.Minute)) ||
			p.AckedBy != "" || p.Gone || !p.DoneAt.IsZero() {
			t.Fatalf("page %+v", p)
		}
		err := s.Read(ctx, func(tx *store.Tx) error { _, err := tx.OnCallPageOf(ctx, "o2", "m1"); return err })
		if ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("another org's page: %v", err)
		}
		// m1 is acknowledged after 4 minutes, m2 after 10; m3 never.
		for _, a := range []struct {
			id string
			d  time.Duration
		}{{"m1", 4 * time.Minute}, {"m2", 10 * time.Minute}} {
			clock.Set(day1.Add(a.d))
			mustWrite(t, s, func(tx *store.Tx) error { _, err := tx.AcknowledgeReceipt(ctx, a.id, "u2"); return err })
		}
		if p := read("m2"); p.AckedBy != "u2" || !p.AckedAt.Equal(day1.Add(10*time.Minute)) {
			t.Fatalf("acknowledged page %+v", p)
		}
		due := func() (ids []string) {
			t.Helper()
			mustWrite(t, s, func(tx *store.Tx) error {
				ps, err := tx.DueOnCallPages(ctx, 10)
				for _, p := range ps {
					ids = append(ids, p.MessageID)
				}
				return err
			})
			return ids
		}
		if ids := due(); len(ids) != 0 {
			t.Fatalf("due before 15 minutes: %v", ids)
		}
		clock.Set(day1.Add(15 * time.Minute))
		if ids := due(); len(ids) != 3 {
			t.Fatalf("due at 15 minutes: %v", ids)
		}
		// m1 stops; m3 escalates to the secondary, with no step after it.
		p1, p3 := read("m1"), read("m3")
		mustWrite(t, s, func(tx *store.Tx) error {
			p1.DoneAt = p1.AckedAt
			p3.Step, p3.HolderID, p3.Since, p3.NextAt = store.PageStepSecondary, "u3", tx.Now, time.Time{}
			if err := tx.UpdateOnCallPage(ctx, &p1); err != nil {
				return err
			}
			if err := tx.UpdateOnCallPage(ctx, &p3); err != nil {
				return err
			}
			return tx.AddOnCallPageStep(ctx, &store.OnCallPageStep{ID: "s-m3-2", MessageID: "m3", OrgID: "o1", RoleID: "r1",
				Kind: store.PageHandEscalated, Step: store.PageStepSecondary, UserID: "u3", FromID: "u2"})
		})
		if ids := due(); len(ids) != 1 || ids[0] != "m2" {
			t.Fatalf("due after m1 stopped and m3 escalated: %v", ids)
		}
		clock.Set(day1.Add(24 * time.Hour)) // the hand-over of m2 and m3
		if ids := due(); len(ids) != 2 {
			t.Fatalf("due at the hand-over: %v", ids)
		}
		var steps []store.OnCallPageStep
		mustWrite(t, s, func(tx *store.Tx) (err error) { steps, err = tx.OnCallPageSteps(ctx, "o1", "m3"); return err })
		if len(steps) != 2 || steps[1].Kind != store.PageHandEscalated || steps[1].FromID != "u2" || !steps[1].At.Equal(day1.Add(15*time.Minute)) {
			t.Fatalf("steps %+v", steps)
		}
		if p := read("m3"); p.Step != store.PageStepSecondary || p.HolderID != "u3" || !p.NextAt.IsZero() {
			t.Fatalf("escalated page %+v", p)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			r, err := tx.OnCallRoleByID(ctx, "o1", "r1")
			if err != nil || r.Chain != role.Chain {
				t.Errorf("chain %+v %v", r.Chain, err)
			}
			return err
		})
		var stats []store.OnCallDayStats
		mustWrite(t, s, func(tx *store.Tx) (err error) {
			stats, err = tx.OnCallPageStats(ctx, "o1", day1.Truncate(24*time.Hour), day1.Truncate(24*time.Hour).AddDate(0, 0, 2))
			return err
		})
		want := store.OnCallDayStats{RoleID: "r1", RoleName: "Cardiology on call", Day: day1.Truncate(24 * time.Hour), Pages: 3,
			Acknowledged: 2, AckP50: 4 * time.Minute, Escalations: 1}
		if len(stats) != 1 || stats[0] != want {
			t.Fatalf("stats %+v, want %+v", stats, want)
		}
	})
}
