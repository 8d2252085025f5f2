package store

import (
	"context"
	"slices"
)

// The PostgreSQL send path. Run one by one, a send is two round trips to
// the server inside its group commit's transaction (lock and read its
// conversation, insert its message), and the group commit's one writer
// runs them in turn: the batch's sends wait on 2n round trips. So in a
// group commit's first run (batch.go) the writer, as SQLite's does
// (writercache.go):
//
//   - locks the rows of every conversation the batch's sends go to
//     (WriteBatchedSend names it), in id order, and reads their org,
//     patient tag and members, in one statement;
//   - then reads their highest sequence numbers in another: a statement of
//     its own, after the locks, so it sees the messages committed by
//     whoever held a lock before (READ COMMITTED takes a snapshot a
//     statement), and numbers the batch's messages on from them;
//   - holds the message rows back and inserts them as one multi-row
//     INSERT (insertHeld).
//
// A batch so costs a handful of round trips, whatever its size. Nothing is
// kept between transactions: other nodes write to the same database. The
// locks are taken in one order by every batch, so two nodes' batches do
// not deadlock on each other. A send to a conversation the batch did not
// lock (WriteBatched) reads and locks it itself, as before. When a send of
// the run fails (a reused client id makes the multi-row INSERT fail), the
// batch runs again one job at a time, in savepoints, without any of this.

// beginPostgresBatch starts a group commit's first run on PostgreSQL.
func (tx *Tx) beginPostgresBatch(ctx context.Context, jobs []*batchJob) error {
	tx.batch = newBatchState()
	var ids []string
	for _, j := range jobs {
		if j.convID != "" && j.ctx.Err() == nil {
			ids = append(ids, j.convID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if err := tx.lockConversations(ctx, ids); err != nil {
		return err
	}
	return tx.readLastSeqs(ctx, ids)
}

// lockConversations locks the rows of the conversations ids (sorted) in
// order and notes what a send reads of each (readConversation) in the
// batch. A conversation that does not exist is not noted: its send reads
// it again and fails.
func (tx *Tx) lockConversations(ctx context.Context, ids []string) error {
	rows, err := tx.query(ctx, `SELECT c.id, c.org_id, c.patient_id, cm.user_id FROM conversations c
		JOIN conversation_members cm ON cm.conversation_id = c.id
		WHERE c.id = ANY($1) ORDER BY c.id FOR UPDATE OF c`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, user string
		var f convFacts
		if err := rows.Scan(&id, &f.orgID, &f.patientID, &user); err != nil {
			return tx.d.wrap(err)
		}
		if known, ok := tx.batch.convs[id]; ok {
			f.members = known.members
		}
		f.members = append(f.members, user)
		tx.batch.convs[id] = f
	}
	return tx.d.wrap(rows.Err())
}

// readLastSeqs notes the highest sequence number of each locked
// conversation of ids in the batch.
func (tx *Tx) readLastSeqs(ctx context.Context, ids []string) error {
	rows, err := tx.query(ctx, `SELECT c.id, (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id)
		FROM unnest($1::text[]) AS c(id)`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var last int64
		if err := rows.Scan(&id, &last); err != nil {
			return tx.d.wrap(err)
		}
		if _, locked := tx.batch.convs[id]; locked {
			tx.batch.seqs[id] = last
		}
	}
	return tx.d.wrap(rows.Err())
}
