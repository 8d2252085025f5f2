package reminders

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/store"
)

// Mailer sends ward's PHI-free emails (internal/notify/mail).
type Mailer interface {
	Send(ctx context.Context, to string, msg mail.Message) error
}

// Pusher pushes a PHI-free payload to the subscribed devices of users
// (internal/notify/push.Service.Notify); users without one get nothing.
type Pusher interface {
	Notify(users []string, p push.Payload)
}

// Out is where reminders go: by email (with the console's Link) and by
// Web Push; either may be nil.
type Out struct {
	Mailer Mailer
	Pusher Pusher
	Link   string
}

// None reports whether o sends nowhere.
func (o Out) None() bool { return o.Mailer == nil && o.Pusher == nil }

// DueStep is the reminder step due at now for a date: the smallest of
// steps (days before) whose time has come, and every step due (earlier
// ones not sent are passed over, never sent late); ok false before the
// first step and from the date on.
func DueStep(steps []int, now, date time.Time) (step int, due []int, ok bool) {
	if !now.Before(date) {
		return 0, nil, false
	}
	for _, d := range steps {
		if !now.Before(date.AddDate(0, 0, -d)) {
			due = append(due, d)
		}
	}
	if len(due) == 0 {
		return 0, nil, false
	}
	return slices.Min(due), due, true
}

// DaysLeft is the whole days from now to t, rounded up (a date later
// today is 1 day left; one just past is 0 or less).
func DaysLeft(now, t time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d > 0 && d%(24*time.Hour) != 0 {
		days++
	}
	return days
}

// Reminder is one reminder to send.
type Reminder struct {
	OrgID     string
	Subject   string // "incident" | "baa": the audit resource type too
	SubjectID string // what the claims are keyed on: the id and the date, so a new date has new reminders
	Resource  string // the audit resource id
	Steps     []int
	Date      time.Time // the deadline or the expiry
	Kind      mail.ReminderKind
	Push      push.Kind // the push's kind
	Action    audit.Action
}

// Send claims the due steps of rm at now and mails the org's active
// compliance officers once, and pushes it to their subscribed devices
// (PHI-free: the kind and the days left): it answers 1 when the reminder
// went out, 0 when none is due or it was claimed before. When it could go
// nowhere (no mail sent, no push service) the claims are released so the
// next run tries again.
func Send(ctx context.Context, st *store.Store, out Out, rm Reminder, now time.Time) (int, error) {
	step, due, ok := DueStep(rm.Steps, now, rm.Date)
	if !ok {
		return 0, nil
	}
	var to, officers []string
	var mine []int
	var clinic string
	err := st.Write(ctx, func(tx *store.Tx) error {
		mine = mine[:0]
		for _, d := range due {
			ok, err := tx.ClaimReminder(ctx, rm.OrgID, rm.Subject, rm.SubjectID, d)
			if err != nil {
				return err
			}
			if ok {
				mine = append(mine, d)
			}
		}
		if !slices.Contains(mine, step) {
			return nil
		}
		users, err := tx.ListUsers(ctx, rm.OrgID)
		if err != nil {
			return err
		}
		to, officers = to[:0], officers[:0]
		for _, u := range users {
			if u.Role == ward.RoleCompliance && !u.Disabled {
				to, officers = append(to, u.Email), append(officers, u.ID)
			}
		}
		org, err := tx.OrgByID(ctx, rm.OrgID)
		clinic = org.Name
		return err
	})
	if err != nil || !slices.Contains(mine, step) {
		return 0, err
	}
	days := DaysLeft(now, rm.Date)
	msg := mail.DeadlineReminder{Clinic: clinic, Kind: rm.Kind, Days: days, Due: rm.Date, Link: out.Link}
	mailed := 0
	var sendErr error
	for _, addr := range to {
		if out.Mailer == nil {
			break
		}
		if err := out.Mailer.Send(ctx, addr, msg); err != nil {
			sendErr = err
			continue
		}
		mailed++
	}
	pushed := 0
	if out.Pusher != nil && rm.Push != "" && len(officers) > 0 {
		out.Pusher.Notify(officers, push.Payload{Kind: rm.Push, Count: 1, Days: days})
		pushed = len(officers)
	}
	if mailed == 0 && pushed == 0 && (sendErr != nil || out.None()) {
		_ = st.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
			for _, d := range mine {
				if err := tx.ReleaseReminder(ctx, rm.Subject, rm.SubjectID, d); err != nil {
					return err
				}
			}
			return nil
		})
		return 0, sendErr
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		return audit.Append(ctx, tx, audit.Event{OrgID: rm.OrgID, Actor: audit.Actor{Role: "system"}, Action: rm.Action,
			ResourceType: rm.Subject, ResourceID: rm.Resource, Outcome: audit.Success,
			Reason: fmt.Sprintf("%d days before; %d compliance officers mailed, %d pushed to", step, mailed, pushed)})
	})
	return 1, err
}
