package store

import (
	"context"
	"fmt"
)

// The SQLite writer's send path. A group commit's sends are mostly alike:
// read the conversation (is the sender a member? who gets the message?),
// number the message, insert it. Run one by one that is two statements a
// send, and most of their cost is the statement around the row (binding,
// stepping, cursors, database/sql), not the row. So in a group commit's
// first run (batch.go) the writer:
//
//   - answers the conversation read from writerCache, which knows each
//     conversation it has seen: its org, patient tag and members;
//   - numbers the message from the conversation's highest sequence number
//     it knows, instead of a subquery;
//   - holds the message row back, and inserts the held rows as one
//     multi-row INSERT before the transaction's next other statement, or
//     at the end of the batch: usually one statement for the whole batch.
//
// The cache is valid while this connection is the only one that changes
// the database, which SQLite tells by PRAGMA data_version (it moves when
// another connection commits; a checkpoint that restarts the WAL does not
// move it): a batch that finds it moved clears the cache. Within this
// connection, the statements that change what the cache holds drop the
// conversation from it: AddMember (members), and InsertMessage outside a
// first run (the highest sequence number). What a transaction learns or
// numbers goes into the cache only once it commits.
//
// A held row that cannot be inserted (a client id used before: the first
// run inserts without ON CONFLICT) fails the whole first run, which then
// runs again one job at a time, in savepoints, without any of this.
type writerCache struct {
	version int64 // PRAGMA data_version when the cache was last checked
	convs   map[string]convFacts
	seqs    map[string]int64 // conversation id → highest sequence number
}

// maxCachedConversations bounds the cache; past it, it starts over.
const maxCachedConversations = 100_000

func newWriterCache() *writerCache {
	return &writerCache{version: -1, convs: make(map[string]convFacts), seqs: make(map[string]int64)}
}

// check clears the cache if another connection committed since the last
// check. It runs at the start of a group commit's first run.
func (c *writerCache) check(ctx context.Context, tx *Tx) error {
	var v int64
	if err := tx.queryRow(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return tx.d.wrap(err)
	}
	if v != c.version || len(c.convs) > maxCachedConversations || len(c.seqs) > maxCachedConversations {
		clear(c.convs)
		clear(c.seqs)
		c.version = v
	}
	return nil
}

// forget drops a conversation: its members or its highest sequence number
// are changing.
func (c *writerCache) forget(convID string) {
	delete(c.convs, convID)
	delete(c.seqs, convID)
}

// batchState is a first run's view over the writer cache: what it learnt
// and numbered, kept apart until it commits, and its held message rows.
type batchState struct {
	convs   map[string]convFacts
	seqs    map[string]int64
	pending []*Message
	// failed is the first error inserting held rows: the run must not
	// commit, whatever the job that met it did with the error.
	failed error
}

func newBatchState() *batchState {
	return &batchState{convs: make(map[string]convFacts), seqs: make(map[string]int64)}
}

// commit moves what the committed run learnt into the cache.
func (c *writerCache) commit(b *batchState) {
	for id, f := range b.convs {
		c.convs[id] = f
	}
	for id, seq := range b.seqs {
		c.seqs[id] = seq
	}
}

// conversation returns the facts of an org's conversation, reading them
// (readConversation) when neither the run nor the cache (SQLite's; none
// on PostgreSQL, whose batch locked and read its conversations first:
// pgbatch.go) knows them. A
// cached conversation of another org is refused by admit, as the read is.
func (tx *Tx) conversation(ctx context.Context, orgID, convID string) (convFacts, error) {
	if f, ok := tx.batch.convs[convID]; ok {
		return f, nil
	}
	if tx.wc != nil { // nil on PostgreSQL, which keeps nothing between transactions
		if f, ok := tx.wc.convs[convID]; ok {
			return f, nil
		}
	}
	f, err := tx.readConversation(ctx, orgID, convID)
	if err == nil && f.members != nil {
		tx.batch.convs[convID] = f
	}
	return f, err
}

// nextSeq numbers the next message of a conversation.
func (tx *Tx) nextSeq(ctx context.Context, convID string) (int64, error) {
	last, ok := tx.batch.seqs[convID]
	if !ok && tx.wc != nil {
		last, ok = tx.wc.seqs[convID]
	}
	if !ok {
		if err := tx.queryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = $1", convID).Scan(&last); err != nil {
			return 0, tx.d.wrap(err)
		}
	}
	tx.batch.seqs[convID] = last + 1
	return last + 1, nil
}

// insertHeld inserts the held message rows (insertRows: one INSERT on
// PostgreSQL). It runs before any other statement of the
// transaction and at the end of the batch; after a failure it only
// returns it again, so that the run does not commit.
func (tx *Tx) insertHeld(ctx context.Context) error {
	b := tx.batch
	if b == nil {
		return nil
	}
	if b.failed != nil || len(b.pending) == 0 {
		return b.failed
	}
	args := make([]any, 0, len(b.pending)*len(msgInsertTypes))
	for _, m := range b.pending {
		args = append(args, m.ID, m.OrgID, m.ConversationID, m.Seq, m.SenderID, m.ClientID, m.BodySealed,
			string(m.Priority), m.BackupUserID, micros(m.CreatedAt))
	}
	b.pending = nil
	if err := tx.insertRows(ctx, "messages", msgInsertCols, msgInsertTypes, args); err != nil {
		b.failed = fmt.Errorf("insert held messages: %w", err)
		return b.failed
	}
	return nil
}
