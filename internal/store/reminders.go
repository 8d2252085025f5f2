package store

import "context"

// ClaimReminder records that reminder (subject, id, days) goes out now,
// and reports whether this call claimed it: false when it was claimed
// before, so each reminder is sent once.
func (tx *Tx) ClaimReminder(ctx context.Context, orgID, subject, subjectID string, days int) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO compliance_reminders (subject, subject_id, days, org_id, sent_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (subject, subject_id, days) DO NOTHING`, subject, subjectID, days, orgID, micros(tx.Now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, tx.d.wrap(err)
}

// ReleaseReminder forgets a claim whose email could not be sent, so the
// next run tries again.
func (tx *Tx) ReleaseReminder(ctx context.Context, subject, subjectID string, days int) error {
	_, err := tx.exec(ctx, "DELETE FROM compliance_reminders WHERE subject = $1 AND subject_id = $2 AND days = $3", subject, subjectID, days)
	return err
}

// RemindersSent lists the steps (days) of a subject's reminders sent.
func (tx *Tx) RemindersSent(ctx context.Context, subject, subjectID string) ([]int, error) {
	return collect(ctx, tx, func(s scanner) (int, error) {
		var d int
		return d, s.Scan(&d)
	}, "SELECT days FROM compliance_reminders WHERE subject = $1 AND subject_id = $2 ORDER BY days DESC", subject, subjectID)
}
