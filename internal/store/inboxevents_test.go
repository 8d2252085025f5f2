package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceInboxEvents (issue 22, migration 0027): a staff message
// that ends a patient's wait records a first response from the message
// that started it; closing a thread records a resolution from when it was
// made or last reopened; repeats record nothing; InboxStats gives per team,
// UTC day and kind the count, median and 90th percentile, by SQL.
func TestConformanceInboxEvents(t *testing.T) {
	day1 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	var now time.Time
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now = day1
		at := func(d time.Duration, fn func(tx *store.Tx) error) {
			t.Helper()
			now = day1.Add(d)
			mustWrite(t, s, fn)
		}
		at(0, func(tx *store.Tx) error {
			for _, o := range []string{"o1", "o2"} {
				if err := tx.CreateOrg(ctx, &ward.Org{ID: o, Slug: o, Name: o}); err != nil {
					return err
				}
				if err := tx.CreateUser(ctx, &ward.User{ID: "u-" + o, OrgID: o, Email: o + "@example.org", Name: o, Role: ward.RoleStaff}); err != nil {
					return err
				}
			}
			for _, c := range [][3]string{{"c1", "o1", "t1"}, {"c2", "o1", "t2"}, {"c3", "o2", "t3"}} {
				conv := &store.Conversation{Conversation: ward.Conversation{ID: c[0], OrgID: c[1], Kind: ward.Group, PatientID: "p",
					CreatedBy: "u-" + c[1], Members: []ward.Member{{UserID: "u-" + c[1], Role: ward.MemberOwner}}}}
				if err := tx.CreateConversation(ctx, conv); err != nil {
					return err
				}
				if err := tx.MakeInboxThread(ctx, c[0], c[2]); err != nil {
					return err
				}
			}
			return nil
		})
		patient := func(c string) func(*store.Tx) error {
			return func(tx *store.Tx) error { return tx.InboxMessageSent(ctx, c, true) }
		}
		staff := func(c string) func(*store.Tx) error {
			return func(tx *store.Tx) error { return tx.InboxMessageSent(ctx, c, false) }
		}
		status := func(c, st string) func(*store.Tx) error {
			return func(tx *store.Tx) error { return tx.SetInboxStatus(ctx, c, st) }
		}
		// c1, day 1: waits 5 minutes, closed after 10; day 2: reopened by
		// the patient, answered after 2 minutes, closed after an hour.
		at(time.Minute, patient("c1"))
		at(3*time.Minute, patient("c1")) // the wait is already running
		at(6*time.Minute, staff("c1"))
		at(7*time.Minute, staff("c1")) // no wait: nothing
		at(10*time.Minute, status("c1", store.InboxClosed))
		at(11*time.Minute, status("c1", store.InboxClosed)) // closed already: nothing
		day2 := 24 * time.Hour
		at(day2, patient("c1"))
		at(day2+2*time.Minute, staff("c1"))
		at(day2+30*time.Minute, status("c1", store.InboxWaiting))
		at(day2+time.Hour, status("c1", store.InboxClosed))
		// c2, day 1: ten waits of 1 to 10 minutes.
		for i := 1; i <= 10; i++ {
			base := time.Duration(i) * time.Hour
			at(base, patient("c2"))
			at(base+time.Duration(i)*time.Minute, staff("c2"))
		}
		// c3 is another org's.
		at(time.Minute, patient("c3"))
		at(2*time.Minute, staff("c3"))

		var got []store.InboxDayStats
		mustWrite(t, s, func(tx *store.Tx) (err error) {
			got, err = tx.InboxStats(ctx, "o1", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
			return err
		})
		var lines []string
		for _, g := range got {
			lines = append(lines, fmt.Sprintf("%s %s %s n=%d p50=%s p90=%s", g.TeamID, g.Day.Format(time.DateOnly), g.Kind, g.Count, g.P50, g.P90))
		}
		want := []string{
			"t1 2026-11-24 first_response n=1 p50=5m0s p90=5m0s",
			"t1 2026-11-24 resolution n=1 p50=10m0s p90=10m0s",
			"t1 2026-11-25 first_response n=1 p50=2m0s p90=2m0s",
			"t1 2026-11-25 resolution n=1 p50=1h0m0s p90=1h0m0s",
			"t2 2026-11-24 first_response n=10 p50=5m0s p90=9m0s",
		}
		if fmt.Sprint(lines) != fmt.Sprint(want) {
			t.Errorf("stats:\n got %q\nwant %q", lines, want)
		}
		mustWrite(t, s, func(tx *store.Tx) (err error) {
			got, err = tx.InboxStats(ctx, "o1", time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 8, 3, 0, 0, time.UTC))
			if err == nil && (len(got) != 1 || got[0].Kind != store.InboxFirstResponse) {
				t.Errorf("a range ending before the day-2 resolution: %+v", got)
			}
			return err
		})
	})
}
