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
//   - holds the message rows back and inserts them as one INSERT
//     (insertHeld, insertRows).
//
// A batch so costs a handful of statements, whatever its size, which go in
// two round trips (pgpipeline.go). Nothing is kept between transactions:
// other nodes write to the same database.
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
	// One round trip, with the queued BEGIN (pgpipeline.go); PostgreSQL
	// runs them in order, each in a snapshot of its own.
	var stmts []pipeStmt
	if len(wait) > 0 {
		stmts = append(stmts, tx.lockConversations(wait, ""))
	}
	if len(skip) > 0 {
		stmts = append(stmts, tx.lockConversations(skip, " SKIP LOCKED"))
	}
	if err := tx.pipeline(ctx, append(stmts, tx.readLastSeqs(slices.Concat(wait, skip)))...); err != nil {
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

// lockConversations is the statement that locks the rows of the
// conversations ids (sorted) in order and notes what a send reads of each
// (readConversation) in the batch. A conversation that does not exist is
// not noted: its send reads it again and fails. With skip " SKIP LOCKED",
// a row another transaction holds is not waited for and not noted. The
// lock is FOR NO KEY UPDATE: it serialises the batches (and single sends,
// FOR UPDATE) that number a conversation's messages, but not the
// foreign-key checks of other transactions' inserts that refer to the
// conversation (a member added). The ids are joined from an unnested
// array: the planner probes the primary key for each or hashes them, where
// c.id = ANY($1) in a generic plan compared every row with every id.
func (tx *Tx) lockConversations(ids []string, skip string) pipeStmt {
	return pipeStmt{sql: `SELECT c.id, c.org_id, c.patient_id, cm.user_id FROM unnest($1::text[]) AS ids(id)
		JOIN conversations c ON c.id = ids.id JOIN conversation_members cm ON cm.conversation_id = c.id
		ORDER BY c.id FOR NO KEY UPDATE OF c` + skip, args: []any{ids}, row: func(scan func(...any) error) error {
		var id, user string
		var f convFacts
		if err := scan(&id, &f.orgID, &f.patientID, &user); err != nil {
			return err
		}
		if known, ok := tx.batch.convs[id]; ok {
			f.members = known.members
		}
		f.members = append(f.members, user)
		tx.batch.convs[id] = f
		return nil
	}}
}

// readLastSeqs is the statement that notes the highest sequence number of
// each locked conversation of ids in the batch: a statement after the
// locks, so that its snapshot has the messages of whoever held a lock
// before.
func (tx *Tx) readLastSeqs(ids []string) pipeStmt {
	return pipeStmt{sql: `SELECT c.id, (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id)
		FROM unnest($1::text[]) AS c(id)`, args: []any{ids}, row: func(scan func(...any) error) error {
		var id string
		var last int64
		if err := scan(&id, &last); err != nil {
			return err
		}
		if _, locked := tx.batch.convs[id]; locked {
			tx.batch.seqs[id] = last
		}
		return nil
	}}
}
