package mail

import (
	"strings"
	"testing"
	"time"
)

// TestDeadlineReminder: the days left, the date and the link, nothing
// else; an unknown kind, a bad link or no date is refused.
func TestDeadlineReminder(t *testing.T) {
	due := time.Date(2027, 1, 23, 8, 0, 0, 0, time.UTC)
	subj, body, err := DeadlineReminder{Clinic: "St Mary", Kind: ReminderIncident, Days: 7, Due: due, Link: "https://ward.example/compliance/incidents"}.render()
	if err != nil {
		t.Fatal(err)
	}
	if subj != "St Mary: a breach notification deadline in 7 days" || !strings.Contains(body, "due in 7 days, on Saturday 23 January 2027") ||
		!strings.Contains(body, "https://ward.example/compliance/incidents") {
		t.Fatalf("%q\n%s", subj, body)
	}
	_, body, _ = DeadlineReminder{Clinic: "St Mary", Kind: ReminderBAA, Days: 1, Due: due, Link: "https://ward.example/"}.render()
	if !strings.Contains(body, "business associate agreement in ward is due in 1 day,") {
		t.Fatalf("%s", body)
	}
	for _, m := range []DeadlineReminder{
		{Clinic: "St Mary", Kind: "other", Days: 1, Due: due, Link: "https://ward.example/"},
		{Clinic: "St Mary", Kind: ReminderBAA, Days: 1, Due: due, Link: "javascript:alert(1)"},
		{Clinic: "St Mary", Kind: ReminderBAA, Days: 1, Link: "https://ward.example/"},
	} {
		if _, _, err := m.render(); err == nil {
			t.Errorf("%+v rendered", m)
		}
	}
}
