package store

import "context"

// AccessEpoch is the access counter: it moves whenever something that can
// end or restrict a session commits (BumpAccessEpoch). A session read in
// the same transaction as the counter is current for as long as the counter
// stays where it was.
func (tx *Tx) AccessEpoch(ctx context.Context) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, "SELECT n FROM access_epoch WHERE id = 1").Scan(&n)
	return n, tx.d.wrap(err)
}

// BumpAccessEpoch moves the access counter on; it belongs in the
// transaction of every change that can end or restrict a session.
func (tx *Tx) BumpAccessEpoch(ctx context.Context) error {
	return tx.execOne(ctx, "UPDATE access_epoch SET n = n + 1 WHERE id = 1")
}
