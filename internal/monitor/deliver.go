package monitor

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// deliver tells each org's active compliance officers of its new alerts:
// at once over their sockets (AlertRaised, one event per alert, ids only),
// by one Web Push per subscribed device and batch (the count only), and by
// one PHI-free email per officer and batch (the count and the highest
// severity), in the background.
func (m *Monitor) deliver(ctx context.Context, created []*store.AlertRow) {
	if len(created) == 0 {
		return
	}
	byOrg := map[string][]*store.AlertRow{}
	for _, a := range created {
		byOrg[a.OrgID] = append(byOrg[a.OrgID], a)
	}
	for org, alerts := range byOrg {
		var officers, emails []string
		var clinic string
		err := m.cfg.Store.Read(ctx, func(tx *store.Tx) error {
			users, err := tx.ListUsers(ctx, org)
			if err != nil {
				return err
			}
			for _, u := range users {
				if u.Role == ward.RoleCompliance && !u.Disabled {
					officers, emails = append(officers, u.ID), append(emails, u.Email)
				}
			}
			o, err := tx.OrgByID(ctx, org)
			clinic = o.Name
			return err
		})
		if err != nil {
			m.cfg.Logger.Error("monitor alert not delivered", "org", org, "err", err.Error())
			continue
		}
		if len(officers) == 0 {
			continue
		}
		highest := SeverityLow
		for _, a := range alerts {
			if m.cfg.Broker != nil {
				data := mustJSON(Raised{ID: a.ID, Rule: Rule(a.Rule), Severity: a.Severity, Summary: a.Summary, Subject: a.Subject, RaisedAt: a.RaisedAt})
				if err := m.cfg.Broker.Publish(ctx, realtime.Event{Type: AlertRaised, OrgID: org, Data: data, Users: officers}); err != nil {
					m.cfg.Logger.Error("monitor alert not published", "alert", a.ID, "err", err.Error())
				}
			}
			if rank(a.Severity) > rank(highest) {
				highest = a.Severity
			}
		}
		if m.cfg.Pusher != nil {
			m.cfg.Pusher.Notify(officers, push.Payload{Kind: push.ActivityAlert, Count: len(alerts)})
		}
		m.email(clinic, emails, len(alerts), highest)
	}
}

// email mails each officer a PHI-free alert in the background: the
// evaluator does not wait for a mail server.
func (m *Monitor) email(clinic string, to []string, count int, severity string) {
	if m.cfg.Mailer == nil || len(to) == 0 {
		return
	}
	m.mails.Add(1)
	go func() {
		defer m.mails.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, addr := range to {
			if err := m.cfg.Mailer.Send(ctx, addr, mail.MonitorAlert{Clinic: clinic, Count: count, Severity: severity, Link: m.cfg.ConsoleLink}); err != nil {
				m.cfg.Logger.Error("monitor alert email not sent", "alerts", count, "err", err.Error())
			}
		}
	}()
}

// rank orders severities.
func rank(s string) int {
	switch s {
	case SeverityHigh:
		return 2
	case SeverityMedium:
		return 1
	}
	return 0
}
