package incidents

import (
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// TestFiveHundredRule: more than 500 residents of one state: media notice
// there and HHS now (by the 60-day deadline); 500 or more in all but no
// state over 500: HHS now, no media; under 500: HHS in the annual log,
// due 60 days after the end of the year of discovery; removed patients do
// not count; no notice unless the outcome is a breach.
func TestFiveHundredRule(t *testing.T) {
	disc := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	r := store.IncidentRow{Outcome: OutcomeBreach, DiscoveredAt: disc, DeadlineAt: disc.AddDate(0, 0, 60)}
	mk := func(counts map[string]int, removed int) []Affected {
		var ps []Affected
		for st, n := range counts {
			for i := range n {
				ps = append(ps, Affected{PatientID: fmt.Sprint(st, i), State: st})
			}
		}
		for i := range removed {
			ps = append(ps, Affected{PatientID: fmt.Sprint("gone", i), State: "CA", Removed: true})
		}
		return ps
	}
	cases := []struct {
		name            string
		counts          map[string]int
		removed         int
		media, now, log bool
		mediaStates     string
		affected        int
		hhsDue          time.Time
	}{
		{"501 in one state", map[string]int{"CA": 501, "NV": 3}, 0, true, true, false, "[CA]", 504, r.DeadlineAt},
		{"500 split", map[string]int{"CA": 300, "NV": 200}, 0, false, true, false, "[]", 500, r.DeadlineAt},
		{"500 in one state", map[string]int{"CA": 500}, 0, false, true, false, "[]", 500, r.DeadlineAt},
		{"499 with removed", map[string]int{"CA": 490, "": 9}, 40, false, false, true, "[]", 499, time.Date(2027, 3, 1, 23, 59, 59, 0, time.UTC)},
		{"unknown state never media", map[string]int{"": 900}, 0, false, true, false, "[]", 900, r.DeadlineAt},
	}
	for _, c := range cases {
		n := notice(r, mk(c.counts, c.removed))
		if n.Media != c.media || n.HHSNow != c.now || n.AnnualLog != c.log || fmt.Sprint(n.MediaStates) != c.mediaStates ||
			n.Affected != c.affected || !n.HHSDue.Equal(c.hhsDue) || !n.Required {
			t.Errorf("%s: %+v", c.name, n)
		}
	}
	low := r
	low.Outcome = OutcomeLowProbability
	if n := notice(low, mk(map[string]int{"CA": 700}, 0)); n.Required || n.Media || n.HHSNow || n.AnnualLog {
		t.Errorf("not a breach: %+v", n)
	}
}
