package audit

import (
	"context"

	"github.com/wardhealth/ward/internal/store"
)

// Append validates events and inserts them, unsealed, in the caller's
// transaction: a change and its audit record commit together or not at all.
// Events with a zero Time get the transaction's time. Seq is ignored: the
// sealer assigns it.
func Append(ctx context.Context, tx *store.Tx, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]store.AuditRow, len(events))
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return err
		}
		rows[i] = events[i].toRow(tx.Now)
		rows[i].Seq = 0
	}
	return tx.InsertAuditRows(ctx, rows)
}
