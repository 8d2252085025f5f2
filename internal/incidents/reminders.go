package incidents

import (
	"context"
	"fmt"
	"slices"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/reminders"
	"github.com/wardhealth/ward/internal/store"
)

// reminderSubject names an incident's reminders: its id and deadline, so
// a changed deadline has its own reminders.
func reminderSubject(r store.IncidentRow) string {
	return fmt.Sprintf("%s@%d", r.ID, r.DeadlineAt.Unix())
}

// RunReminders mails the compliance officers of each org with an open
// incident (not assessed as a low probability of compromise) a PHI-free
// reminder at 30, 14, 7 and 1 days before its deadline, each once
// (internal/reminders). A leader job; it answers how many went out.
func (s *Service) RunReminders(ctx context.Context) (int, error) {
	out := reminders.Out{Mailer: s.mailer, Pusher: s.pusher, Link: s.link}
	if out.None() {
		return 0, nil
	}
	now := s.now().UTC()
	var rows []store.IncidentRow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.OpenIncidentsDueBy(ctx, now.AddDate(0, 0, slices.Max(ReminderDays)+1))
		return err
	}); err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range rows {
		n, err := reminders.Send(ctx, s.store, out, reminders.Reminder{OrgID: r.OrgID, Subject: "incident",
			SubjectID: reminderSubject(r), Resource: r.ID, Steps: ReminderDays, Date: r.DeadlineAt, Kind: mail.ReminderIncident, Push: push.IncidentDeadline,
			Action: audit.IncidentReminded}, now)
		if err != nil {
			s.log.Error("incident reminder failed", "incident", r.ID, "err", err.Error())
			continue
		}
		sent += n
	}
	return sent, nil
}
