package baa

import (
	"context"
	"fmt"
	"slices"

	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/reminders"
	"github.com/wardhealth/ward/internal/store"
)

// Card is the dashboard card: agreements expiring within 60 days (signed,
// soonest first) and vendors without a signed agreement in force (none,
// requested, expired, terminated, or signed and past expiry).
type Card struct {
	Expiring []Agreement `json:"expiring"`
	Missing  []Agreement `json:"missing"`
	Total    int         `json:"total"`
}

// Dashboard is the card of the caller's org.
func (s *Service) Dashboard(ctx context.Context, p *access.Principal) (Card, error) {
	all, err := s.List(ctx, p)
	if err != nil {
		return Card{}, err
	}
	c := Card{Expiring: []Agreement{}, Missing: []Agreement{}, Total: len(all)}
	for _, a := range all {
		switch {
		case a.Status != StatusSigned:
			c.Missing = append(c.Missing, a)
		case a.DaysLeft != nil && *a.DaysLeft <= int(ExpiringWithin.Hours()/24):
			c.Expiring = append(c.Expiring, a)
		}
	}
	slices.SortFunc(c.Expiring, func(a, b Agreement) int { return a.ExpiresAt.Compare(*b.ExpiresAt) })
	return c, nil
}

// RunReminders mails the compliance officers of each org with a signed
// agreement a PHI-free reminder 60, 30 and 7 days before it expires, each
// once (internal/reminders). A leader job; it answers how many went out.
func (s *Service) RunReminders(ctx context.Context) (int, error) {
	out := reminders.Out{Mailer: s.mailer, Pusher: s.pusher, Link: s.link}
	if out.None() {
		return 0, nil
	}
	now := s.now().UTC()
	var rows []store.BAARow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.SignedBAAsExpiringBy(ctx, now.AddDate(0, 0, slices.Max(ReminderDays)+1))
		return err
	}); err != nil {
		return 0, err
	}
	sent := 0
	for _, b := range rows {
		n, err := reminders.Send(ctx, s.store, out, reminders.Reminder{OrgID: b.OrgID, Subject: "baa",
			SubjectID: fmt.Sprintf("%s@%d", b.ID, b.ExpiresAt.Unix()), Resource: b.ID, Steps: ReminderDays, Date: b.ExpiresAt,
			Kind: mail.ReminderBAA, Push: push.BAAExpiry, Action: audit.BAAReminded}, now)
		if err != nil {
			s.log.Error("BAA reminder failed", "baa", b.ID, "err", err.Error())
			continue
		}
		sent += n
	}
	return sent, nil
}
