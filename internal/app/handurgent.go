package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// HandUrgent gives an unacknowledged urgent message to one more person, in
// the caller's transaction: it is what an on-call role's escalation chain
// and its hand-over re-routing (internal/oncall) do to a page. userID
// joins the message's conversation (as an urgent message's backup does,
// audited with why), gets a receipt to acknowledge and a re-notify timer,
// and the returned events (publish them with Publish after commit) wake
// their devices with a push of kind "escalated". userID must be an active
// clinician or staff member of the org (CodeInvalid otherwise); a message
// that was recalled or purged meanwhile is handed to no one (nil events).
func (a *App) HandUrgent(ctx context.Context, tx *store.Tx, orgID, messageID, userID, why string) ([]realtime.Event, error) {
	m, err := tx.MessageByID(ctx, orgID, messageID)
	if err != nil {
		return nil, err
	}
	if m.Priority != ward.Urgent {
		return nil, ward.Errorf(ward.CodeInvalid, "only an urgent message is handed on")
	}
	if m.Tombstone() {
		return nil, nil
	}
	u, err := tx.UserByID(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	if !mayJoinAsBackup(u) {
		return nil, ward.Errorf(ward.CodeInvalid, "an urgent message is handed only to an active clinician or staff member")
	}
	pol, err := tx.Policy(ctx, orgID)
	if err != nil {
		return nil, err
	}
	events, err := a.join(ctx, tx, &m, userID, pol, why)
	if err != nil {
		return nil, err
	}
	if err := tx.AddEscalation(ctx, &m, userID, tx.Now.Add(max(pol.UrgentRenotify.D(), minRenotify))); err != nil {
		return nil, err
	}
	return events, nil
}

// Publish publishes events after the transaction that made them committed
// (HandUrgent's).
func (a *App) Publish(ctx context.Context, events []realtime.Event) {
	for _, ev := range events {
		a.publish(ctx, ev)
	}
}
