package reminders

import (
	"fmt"
	"testing"
	"time"
)

// TestDueStep: the smallest step whose time has come, every step due
// (passed over when late), nothing before the first or from the date on.
func TestDueStep(t *testing.T) {
	date := time.Date(2027, 1, 23, 8, 0, 0, 0, time.UTC)
	steps := []int{30, 14, 7, 1}
	cases := []struct {
		before time.Duration
		want   string
	}{
		{31 * 24 * time.Hour, "0 [] false"},
		{30 * 24 * time.Hour, "30 [30] true"},
		{10 * 24 * time.Hour, "14 [30 14] true"},
		{time.Hour, "1 [30 14 7 1] true"},
		{0, "0 [] false"},
		{-time.Hour, "0 [] false"},
	}
	for _, c := range cases {
		step, due, ok := DueStep(steps, date.Add(-c.before), date)
		if got := fmt.Sprint(step, " ", due, " ", ok); got != c.want {
			t.Errorf("%v before: %s, want %s", c.before, got, c.want)
		}
	}
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{60 * 24 * time.Hour, 60}, {time.Hour, 1}, {25 * time.Hour, 2}, {0, 0}, {-25 * time.Hour, -1}} {
		if got := DaysLeft(date.Add(-c.d), date); got != c.want {
			t.Errorf("DaysLeft %v: %d, want %d", c.d, got, c.want)
		}
	}
}
