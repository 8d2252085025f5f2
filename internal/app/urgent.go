package app

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// urgentBatch is how many due timers RunUrgentTimers handles per transaction.
const urgentBatch = 200

// minRenotify guards the job against a policy without a re-notify interval
// (policy validation asks for at least 10 seconds).
const minRenotify = 10 * time.Second

// RunUrgentTimers fires the due timers of unacknowledged urgent messages,
// at the app's clock: it re-notifies each recipient every UrgentRenotify of
// the org's policy, and once UrgentEscalate has passed it escalates the
// message to its backup (adding them to the conversation, audited, if they
// were not a member) and notifies them. Acknowledging a message stops its
// timers. The timers live in the database, so a restarted server picks up
// where the last one stopped; the server calls this every few seconds.
func (a *App) RunUrgentTimers(ctx context.Context) (renotified, escalated int, err error) {
	for {
		var events []realtime.Event
		var n int
		err := a.store.Write(ctx, func(tx *store.Tx) error {
			events, n = events[:0], 0
			due, err := tx.DueEscalations(ctx, urgentBatch)
			if err != nil {
				return err
			}
			n = len(due)
			policies := map[string]ward.Policy{}
			done := map[string]bool{} // messages escalated in this batch
			for _, e := range due {
				pol, ok := policies[e.OrgID]
				if !ok {
					if pol, err = tx.Policy(ctx, e.OrgID); err != nil {
						return err
					}
					policies[e.OrgID] = pol
				}
				if e.EscalatedAt.IsZero() && !tx.Now.Before(e.EscalateAt) && !done[e.MessageID] {
					done[e.MessageID] = true
					evs, err := a.escalate(ctx, tx, e, pol)
					if err != nil {
						return err
					}
					if evs != nil {
						escalated++
						events = append(events, evs...)
					}
				}
				if !tx.Now.Before(e.NextRenotifyAt) {
					if err := tx.SetRenotified(ctx, e.MessageID, e.RecipientID, tx.Now.Add(max(pol.UrgentRenotify.D(), minRenotify))); err != nil {
						return err
					}
					renotified++
					events = append(events, realtime.Event{Type: realtime.MessageCreated, OrgID: e.OrgID,
						ConversationID: e.ConversationID, Seq: e.Seq, Users: []string{e.RecipientID},
						Data: eventJSON(messageEvent{ID: e.MessageID, ConversationID: e.ConversationID, Seq: e.Seq,
							SenderID: e.SenderID, Priority: ward.Urgent, Renotify: true})})
				}
			}
			return nil
		})
		if err != nil {
			return renotified, escalated, err
		}
		for _, ev := range events {
			a.publish(ctx, ev)
		}
		if n < urgentBatch {
			return renotified, escalated, nil
		}
	}
}

// escalate marks a message escalated and hands it to its backup: a member
// of the conversation from now on, with a receipt to acknowledge. It
// returns the events to publish after commit, or nil when the message had
// already escalated or has no usable backup: it then escalates to no one
// and its recipients go on being re-notified.
//
// The backup is checked again as a new member would be (mayJoinAsBackup):
// their role or status may have changed since the send. They read the
// conversation from the urgent message on, unless the org's policy
// (EscalationOpensHistory) opens its earlier history to them.
func (a *App) escalate(ctx context.Context, tx *store.Tx, e store.Escalation, pol ward.Policy) ([]realtime.Event, error) {
	ok, err := tx.SetEscalated(ctx, e.MessageID)
	if err != nil || !ok {
		return nil, err
	}
	if e.BackupUserID == "" {
		return nil, nil
	}
	backup, err := tx.UserByID(ctx, e.OrgID, e.BackupUserID)
	if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && !mayJoinAsBackup(backup)) {
		a.log.WarnContext(ctx, "urgent message has no usable backup", "message", e.MessageID)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := tx.MessageByID(ctx, e.OrgID, e.MessageID)
	if err != nil {
		return nil, err
	}
	return a.join(ctx, tx, &m, backup.ID, pol, "urgent message "+e.MessageID+" escalated to backup "+backup.ID)
}

// join makes userID a member of an urgent message's conversation (from the
// message on, or its whole history when the org's policy
// EscalationOpensHistory says so) with a receipt to acknowledge, audits
// the membership with why, and returns the events to publish after
// commit: the conversation's new member, and the message, escalated, to
// userID (a push of kind "escalated").
func (a *App) join(ctx context.Context, tx *store.Tx, m *store.Message, userID string, pol ward.Policy, why string) ([]realtime.Event, error) {
	historyFrom := m.Seq
	if pol.EscalationOpensHistory {
		historyFrom = 0
	}
	added, err := tx.AddMemberFrom(ctx, m.ConversationID, userID, ward.MemberMember, historyFrom)
	if err != nil {
		return nil, err
	}
	if err := tx.EnsureReceipt(ctx, m, userID); err != nil {
		return nil, err
	}
	var events []realtime.Event
	if added {
		c, err := tx.ConversationByID(ctx, m.OrgID, m.ConversationID)
		if err != nil {
			return nil, err
		}
		ev := audit.Event{OrgID: m.OrgID, Actor: cliActor(), Action: audit.MemberAdded, ResourceType: "conversation",
			ResourceID: m.ConversationID, PatientID: c.PatientID, Outcome: audit.Success, Reason: why}
		if err := audit.Append(ctx, tx, ev); err != nil {
			return nil, err
		}
		events = append(events, realtime.Event{Type: realtime.ConversationUpdated, OrgID: m.OrgID, ConversationID: m.ConversationID,
			Data: eventJSON(convEvent{ID: m.ConversationID, Change: "member_added", UserID: userID}), Users: c.MemberIDs()})
	}
	events = append(events, realtime.Event{Type: realtime.MessageCreated, OrgID: m.OrgID, ConversationID: m.ConversationID,
		Seq: m.Seq, Users: []string{userID},
		Data: eventJSON(messageEvent{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, SenderID: m.SenderID,
			Priority: ward.Urgent, Escalated: true})})
	return events, nil
}

// mayJoinAsBackup reports whether u may be added to a conversation as the
// backup of an urgent message: an active clinician or staff member (the
// org is checked by the look-up). Patients, and roles that take no part
// in conversations, never are.
func mayJoinAsBackup(u ward.User) bool {
	return !u.Disabled && (u.Role == ward.RoleClinician || u.Role == ward.RoleStaff)
}
