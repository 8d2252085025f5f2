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
//     patient tag, members and highest sequence numbers in one round
//     trip: lock_conversations() of migration 0043 reads them in a
//     statement of its own after the locks, so it sees the messages
//     committed by whoever held a lock before (READ COMMITTED takes a
//     snapshot a statement, and so does a VOLATILE function), and the
//     batch numbers its messages on from them;
//   - holds the message rows back and inserts them as one INSERT
//     (insertHeld, insertRows).
//
// A batch so costs six round trips, whatever its size: BEGIN, the
// conversations, the messages, the audit chain's lock and head, the audit
// rows (chainRows), COMMIT. Nothing is
// kept between transactions: other nodes write to the same database.
//
// Two nodes' batches often share conversations. Had a batch waited for
// each lock, the nodes would commit in turn, each waiting for the other's
// commit (half of PostgreSQL's busy backends were waiting on a row lock
// under ward bench --nodes 2). So a batch does not wait: it locks what is
// free (SKIP LOCKED) and leaves the sends to the other conversations for
// its next batch, which runs them first. A send left maxSkips times waits
// for its lock in the batch after; such waits are taken first and in id
// order, and a transaction takes no lock it waits for after one it did
// not, so no two batches deadlock. A send that does not name its
// conversation (WriteBatched: ward's sends all name it) reads and locks it
// itself, waiting, and so could deadlock with another node's batch; PostgreSQL
// then fails one of the two after deadlock_timeout, and that batch runs
// again, one job at a time. When a send of
// the run fails (a reused client id makes the multi-row INSERT fail), the
// batch runs again one job at a time, in savepoints, without any of this.

// beginPostgresBatch starts a group commit's first run on PostgreSQL and
// returns the jobs it leaves for a later batch: those whose conversation
// another transaction (another node's batch) holds locked, which this one
// does not wait for (SKIP LOCKED), as long as they have been left fewer
// than maxSkips times. Those at maxSkips wait for their locks, taken first.
func (tx *Tx) beginPostgresBatch(ctx context.Context, jobs []*batchJob) (later []*batchJob, err error) {
	tx.batch = newBatchState()
	var wait, skip []string
	for _, j := range jobs {
		switch {
		case j.convID == "" || j.ctx.Err() != nil:
		case j.skipped >= maxSkips:
			wait = append(wait, j.convID)
		default:
			skip = append(skip, j.convID)
		}
	}
	wait, skip = sortedSet(wait), sortedSet(skip)
	skip = slices.DeleteFunc(skip, func(id string) bool { _, found := slices.BinarySearch(wait, id); return found })
	if len(wait)+len(skip) == 0 {
		return nil, nil
	}
	if err := tx.lockConversations(ctx, wait, skip); err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if _, locked := tx.batch.convs[j.convID]; j.convID != "" && !locked && j.skipped < maxSkips && j.ctx.Err() == nil {
			later = append(later, j)
		}
	}
	return later, nil
}

// maxSkips bounds how many batches in a row may leave a send for later
// because another transaction held its conversation: the next one waits
// for the lock. Waits come first in a transaction and in id order, and a
// transaction never waits once it has taken a lock without waiting, so
// the batches of many nodes cannot deadlock on each other.
const maxSkips = 3

func sortedSet(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// lockConversations locks the rows of the conversations wait and skip
// (sorted; skip only those no other transaction holds) and notes what a
// send reads of each (readConversation) and its highest sequence number
// in the batch, in one round trip: lock_conversations() of migration 0043.
// A conversation that does not exist, or of skip that another transaction
// holds, is not noted: its send reads it again and fails, or waits for a
// later batch.
func (tx *Tx) lockConversations(ctx context.Context, wait, skip []string) error {
	rows, err := tx.query(ctx, "SELECT id, org_id, patient_id, user_id, last_seq FROM lock_conversations($1, $2)", wait, skip)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, user string
		var last int64
		var f convFacts
		if err := rows.Scan(&id, &f.orgID, &f.patientID, &user, &last); err != nil {
			return tx.d.wrap(err)
		}
		if known, ok := tx.batch.convs[id]; ok {
			f.members = known.members
		}
		f.members = append(f.members, user)
		tx.batch.convs[id] = f
		tx.batch.seqs[id] = last
	}
	return tx.d.wrap(rows.Err())
}
