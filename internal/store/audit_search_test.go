package store_test

import (
	"context"
	"fmt"
	"github.com/wardhealth/ward/internal/clocktest"
	"slices"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// auditIDs runs q and returns the resource ids of the rows, in order.
func auditIDs(t *testing.T, s *store.Store, q store.AuditQuery) []string {
	t.Helper()
	var got []string
	err := s.Read(context.Background(), func(tx *store.Tx) error {
		got = got[:0]
		return tx.AuditRows(context.Background(), q, func(r *store.AuditRow) error {
			got = append(got, r.ResourceID)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestConformanceAuditRows(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// r0..r9 in org o1 (r0 on day 0, r1 on day 1, …); x0, x1 in org o2.
		var rows []store.AuditRow
		for i := range 10 {
			r := store.AuditRow{At: day.Add(time.Duration(i) * 24 * time.Hour), OrgID: "o1", ActorUserID: "u1",
				Action: "message.read", ResourceType: "message", ResourceID: fmt.Sprintf("r%d", i), Outcome: "success"}
			switch i {
			case 3:
				r.ActorUserID = "u2" // u2 acts
			case 4:
				r.ResourceType, r.Action = "user", "user.updated" // u2 is acted upon
				r.ActorUserID, r.ResourceID = "u9", "u2"
			case 5:
				r.PatientID = "p1"
			}
			rows = append(rows, r)
		}
		for i := range 2 {
			rows = append(rows, store.AuditRow{At: day.Add(time.Duration(i) * time.Hour), OrgID: "o2", ActorUserID: "u2",
				Action: "message.read", ResourceType: "message", ResourceID: fmt.Sprintf("x%d", i), PatientID: "p1", Outcome: "success"})
		}
		mustWrite(t, s, func(tx *store.Tx) error { return tx.InsertAuditRows(ctx, rows) })

		all := []string{"r9", "r8", "r7", "r6", "r5", "u2", "r3", "r2", "r1", "r0"}
		for _, tc := range []struct {
			name string
			q    store.AuditQuery
			want []string
		}{
			{"org, newest first", store.AuditQuery{OrgID: "o1", Newest: true}, all},
			{"oldest first", store.AuditQuery{OrgID: "o2"}, []string{"x0", "x1"}},
			{"no org: every org", store.AuditQuery{Action: "message.read", Limit: 2}, []string{"r0", "r1"}},
			{"user as actor or resource", store.AuditQuery{OrgID: "o1", UserID: "u2", Newest: true}, []string{"u2", "r3"}},
			{"patient", store.AuditQuery{OrgID: "o1", PatientID: "p1"}, []string{"r5"}},
			{"action", store.AuditQuery{OrgID: "o1", Action: "user.updated"}, []string{"u2"}},
			{"time range", store.AuditQuery{OrgID: "o1", From: day.Add(24 * time.Hour), To: day.Add(3 * 24 * time.Hour)}, []string{"r1", "r2"}},
			{"other org's user", store.AuditQuery{OrgID: "o2", UserID: "u1"}, nil},
			{"limit", store.AuditQuery{OrgID: "o1", Newest: true, Limit: 3}, all[:3]},
		} {
			if got := auditIDs(t, s, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}

		// Paging by id, newest first, reaches every row once.
		var seen []string
		var before int64
		for range 20 {
			var ids []int64
			err := s.Read(ctx, func(tx *store.Tx) error {
				return tx.AuditRows(ctx, store.AuditQuery{OrgID: "o1", BeforeID: before, Newest: true, Limit: 3}, func(r *store.AuditRow) error {
					ids = append(ids, r.ID)
					seen = append(seen, r.ResourceID)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) == 0 {
				break
			}
			before = ids[len(ids)-1]
		}
		if !slices.Equal(seen, all) {
			t.Errorf("paged: %v, want %v", seen, all)
		}
	})
}

func TestConformanceOrgStats(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	clock := clocktest.At(start)
	storetest.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock.Set(start)
		seedMessaging(t, s)
		// Two messages on day 0, none on day 1, one on day 2 (just before midnight).
		for i, at := range []time.Duration{0, time.Hour, 2*24*time.Hour + 13*time.Hour + 59*time.Minute} {
			clock.Set(start.Add(at))
			mustWrite(t, s, func(tx *store.Tx) error {
				_, err := tx.InsertMessage(ctx, newMsg(fmt.Sprintf("m%d", i), "u1", fmt.Sprintf("k%d", i), ward.Normal))
				return err
			})
		}
		clock.Set(start.Add(3 * 24 * time.Hour)) // day 3, 10:00
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o2", Slug: "o2", Name: "O2"}); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, &ward.User{ID: "v1", OrgID: "o2", Email: "v1@x.org", Name: "v", Role: ward.RoleAdmin}); err != nil {
				return err
			}
			for i, st := range []ward.DeviceStatus{ward.DeviceActive, ward.DeviceActive, ward.DeviceLocked, ward.DevicePending} {
				d := ward.Device{ID: fmt.Sprintf("d%d", i), OrgID: "o1", UserID: "u1", ClientID: fmt.Sprintf("client-%04d", i), Name: "x", Status: st}
				if err := tx.CreateDevice(ctx, &d); err != nil {
					return err
				}
			}
			d := ward.Device{ID: "dv", OrgID: "o2", UserID: "v1", ClientID: "client-v", Name: "x", Status: ward.DeviceActive}
			if err := tx.CreateDevice(ctx, &d); err != nil {
				return err
			}
			// Failed sign-ins: one on day 1 and two on day 3 in o1, one in o2; a success does not count.
			var rows []store.AuditRow
			for _, r := range []struct {
				org, action string
				at          time.Time
			}{
				{"o1", "login.failed", start.Add(24 * time.Hour)},
				{"o1", "login.failed", start.Add(3 * 24 * time.Hour)},
				{"o1", "login.failed", start.Add(3*24*time.Hour + time.Minute)},
				{"o2", "login.failed", start.Add(3 * 24 * time.Hour)},
				{"o1", "login.succeeded", start.Add(3 * 24 * time.Hour)},
			} {
				rows = append(rows, store.AuditRow{At: r.at, OrgID: r.org, Action: r.action, Outcome: "failure"})
			}
			return tx.InsertAuditRows(ctx, rows)
		})
		if _, err := s.ExecRaw(ctx, "UPDATE devices SET last_seen_at = $1 WHERE id = $2", start.Add(-40*24*time.Hour).UnixMicro(), "d1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ExecRaw(ctx, "UPDATE users SET disabled = 1 WHERE id = $1", "u3"); err != nil {
			t.Fatal(err)
		}
		from := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		var st store.OrgStats
		err := s.Read(ctx, func(tx *store.Tx) error {
			var err error
			st, err = tx.OrgStats(ctx, store.StatsQuery{OrgID: "o1", From: from, To: from.AddDate(0, 0, 4),
				FailedAction: "login.failed", ActiveStatus: "active", ActiveSince: clock.Now().Add(-30 * 24 * time.Hour)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		d0 := store.DayNumber(from)
		wantMsgs := map[int64]int64{d0: 2, d0 + 2: 1}
		wantFailed := map[int64]int64{d0 + 1: 1, d0 + 3: 2}
		if fmt.Sprint(st.MessagesPerDay) != fmt.Sprint(wantMsgs) || fmt.Sprint(st.FailedLoginsPerDay) != fmt.Sprint(wantFailed) {
			t.Errorf("per day: messages %v (want %v), failed %v (want %v)", st.MessagesPerDay, wantMsgs, st.FailedLoginsPerDay, wantFailed)
		}
		if st.ActiveDevices != 1 {
			t.Errorf("active devices %d, want 1 (d1 was last seen 40 days ago)", st.ActiveDevices)
		}
		if want := map[string]int64{"active": 2, "locked": 1, "pending": 1}; fmt.Sprint(st.DevicesByStatus) != fmt.Sprint(want) {
			t.Errorf("devices by status %v, want %v", st.DevicesByStatus, want)
		}
		if want := map[string]int64{"clinician": 2}; fmt.Sprint(st.UsersByRole) != fmt.Sprint(want) || st.DisabledUsers != 1 {
			t.Errorf("users by role %v disabled %d, want %v and 1", st.UsersByRole, st.DisabledUsers, want)
		}
	})
}
