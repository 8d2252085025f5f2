package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceOnCall: on-call roles keep their schedule exactly (the
// rotation, overrides and swaps, to the microsecond), their names are
// unique per org ignoring case, every update moves the version on, another
// org sees none of them, and what was addressed to a role keeps its name.
func TestConformanceOnCall(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		write := func(fn func(tx *store.Tx) error) error { return s.Write(ctx, fn) }
		mustWrite(t, s, func(tx *store.Tx) error {
			for _, o := range []ward.Org{{ID: "o1", Slug: "one", Name: "One"}, {ID: "o2", Slug: "two", Name: "Two"}} {
				if err := tx.CreateOrg(ctx, &o); err != nil {
					return err
				}
			}
			for _, id := range []string{"u1", "u2"} {
				if err := tx.CreateUser(ctx, &ward.User{ID: id, OrgID: "o1", Email: id + "@x.example", Name: id, Role: ward.RoleClinician}); err != nil {
					return err
				}
			}
			return tx.CreateConversation(ctx, &store.Conversation{Conversation: ward.Conversation{ID: "c1", OrgID: "o1", Kind: ward.Group,
				CreatedBy: "u1", Members: []ward.Member{{UserID: "u1", Role: ward.MemberOwner}}}})
		})
		from := time.Date(2026, 3, 8, 6, 30, 0, 123000, time.UTC)
		card := ward.OnCallRole{ID: "r1", OrgID: "o1", Name: "Cardiology on call", Schedule: ward.Schedule{
			Rotation: ward.Rotation{Kind: ward.RotationWeekly, Days: 7, HandOver: "08:00", TimeZone: "America/New_York",
				Start: "2026-03-02", End: "2026-12-28", People: []string{"u1", "u2"}},
			Overrides: []ward.Override{{ID: "ov1", UserID: "u2", From: from, To: from.Add(36 * time.Hour)}},
			Swaps:     []ward.Swap{{ID: "sw1", A: from.Add(7 * 24 * time.Hour), B: from.Add(14 * 24 * time.Hour)}},
		}}
		mustWrite(t, s, func(tx *store.Tx) error { return tx.CreateOnCallRole(ctx, &card) })
		if card.Version != 1 || card.CreatedAt.IsZero() {
			t.Fatalf("created: %+v", card)
		}
		err := write(func(tx *store.Tx) error {
			return tx.CreateOnCallRole(ctx, &ward.OnCallRole{ID: "r2", OrgID: "o1", Name: "CARDIOLOGY ON CALL", Schedule: card.Schedule})
		})
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Fatalf("a taken name: %v", err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			return tx.CreateOnCallRole(ctx, &ward.OnCallRole{ID: "r3", OrgID: "o2", Name: "Cardiology on call",
				Schedule: ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, People: []string{}}}})
		})
		var got ward.OnCallRole
		mustWrite(t, s, func(tx *store.Tx) (err error) { got, err = tx.OnCallRoleByID(ctx, "o1", "r1"); return err })
		if diff := cmp.Diff(card, got); diff != "" {
			t.Fatalf("read back (-stored +read):\n%s", diff)
		}
		// Updates: the version moves on; another org's role and a taken name are refused.
		card.Name, card.Schedule.Overrides = "Cardiology", nil
		mustWrite(t, s, func(tx *store.Tx) error { return tx.UpdateOnCallRole(ctx, &card) })
		name, version := "", int64(0)
		mustWrite(t, s, func(tx *store.Tx) (err error) { name, version, err = tx.OnCallRoleVersion(ctx, "o1", "r1"); return err })
		if name != "Cardiology" || version != 2 || card.Version != 2 {
			t.Fatalf("version after update: %q %d (%d)", name, version, card.Version)
		}
		other := card
		other.OrgID = "o2"
		if err := write(func(tx *store.Tx) error { return tx.UpdateOnCallRole(ctx, &other) }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("update through another org: %v", err)
		}
		if err := write(func(tx *store.Tx) error { _, _, err := tx.OnCallRoleVersion(ctx, "o2", "r1"); return err }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("version through another org: %v", err)
		}
		var list []ward.OnCallRole
		mustWrite(t, s, func(tx *store.Tx) (err error) { list, err = tx.OnCallRoles(ctx, "o1"); return err })
		if len(list) != 1 || list[0].ID != "r1" || list[0].Schedule.Overrides != nil {
			t.Fatalf("list: %+v", list)
		}
		// What was addressed to the role outlives it.
		mustWrite(t, s, func(tx *store.Tx) error {
			return tx.AddOnCallAddressed(ctx, &store.OnCallAddressed{ID: "a1", OrgID: "o1", RoleID: "r1", RoleName: "Cardiology",
				UserID: "u2", ConversationID: "c1", MessageID: "m1"})
		})
		if err := write(func(tx *store.Tx) error { return tx.DeleteOnCallRole(ctx, "o2", "r1") }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("delete through another org: %v", err)
		}
		mustWrite(t, s, func(tx *store.Tx) error { return tx.DeleteOnCallRole(ctx, "o1", "r1") })
		if err := write(func(tx *store.Tx) error { _, err := tx.OnCallRoleByID(ctx, "o1", "r1"); return err }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("read a deleted role: %v", err)
		}
		var addressed []store.OnCallAddressed
		mustWrite(t, s, func(tx *store.Tx) (err error) { addressed, err = tx.OnCallAddressedIn(ctx, "o1", "c1"); return err })
		if len(addressed) != 1 || addressed[0].RoleName != "Cardiology" || addressed[0].UserID != "u2" || addressed[0].MessageID != "m1" {
			t.Fatalf("addressed: %+v", addressed)
		}
		mustWrite(t, s, func(tx *store.Tx) (err error) { addressed, err = tx.OnCallAddressedIn(ctx, "o2", "c1"); return err })
		if len(addressed) != 0 {
			t.Fatalf("another org reads what was addressed: %+v", addressed)
		}
	})
}
