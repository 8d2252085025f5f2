package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// WAL checkpoints on SQLite. By default SQLite checkpoints inside the
// commit that takes the WAL past 1,000 pages: the writer then copies pages
// into the database file and fsyncs it while every queued write waits
// (about an eighth of the writer's time under a send load). ward turns
// that off on the writer connection and checkpoints from a connection of
// its own, on the other core, a moment after writes: PASSIVE, so it never
// waits for (or blocks) the writer or readers. Durability is unchanged: a
// commit is on disk once its WAL frames are (synchronous=FULL).
//
// A PASSIVE checkpoint copies the frames that were in the WAL when it
// began. Under writes that never pause the writer has always added more by
// the time it ends, so the WAL is never wholly copied, SQLite never starts
// it over from its beginning, and it grows for as long as the load lasts
// (a gigabyte in 20 s of ward bench, every commit appending to a longer
// file). So the checkpointer copies in rounds without stopping the writer
// until little is left, then holds the writer between two transactions
// while a RESTART checkpoint copies the rest. The writer's next commit then
// writes the WAL from its beginning again, over blocks the file already
// has. A RESTART also needs every reader of an old snapshot gone: it does
// not wait for them holding the writer, it lets the writer go and tries
// again shortly after, for at most restartWait. A reader that takes longer
// (an audit export) only puts the restart off to a later round.
//
// The WAL file keeps its size while writes go on (about a second of them):
// truncating it at each restart, as SQLite's journal_size_limit does in
// the writer's next commit, cost that commit 12 to 20 ms a second at 5,000
// sends/s (the file shrank by tens of megabytes, which the commits after it
// then allocated again), the 99th percentile of a send's latency. Once
// writes pause for a tick, the checkpointer empties the file (TRUNCATE),
// so an idle server keeps no WAL on disk.

// checkpointEvery is how often the checkpointer looks for new commits. A
// checkpoint reads every frame written since the last one and writes each
// page it holds once, so a page changed by many commits in between is
// copied once: at 1 s instead of 100 ms, a one-to-one send load (ward
// bench) went from 2.5 to 0.8 preads a message, the WAL growing by about a
// second of writes between checkpoints.
const checkpointEvery = 1 * time.Second

// Catching up: checkpoints beside the writer, at most catchUpRounds, until
// one had at most catchUpFrames frames to copy: the writes made while it
// ran are then few, and so is what the checkpoint that holds the writer
// copies. Deciding by what a round left instead (nothing, mostly) held the
// writer while it copied every frame written during the round before: 15 to
// 35 ms each second at 5,000 sends/s, the 95th to 99th percentile of a
// send's latency.
const (
	catchUpRounds = 8
	catchUpFrames = 64
)

// restartWait bounds how long the checkpointer tries to restart the WAL
// while readers of old snapshots remain, trying every restartRetry with
// the writer let go in between. SQLite's own busy handler would wait
// holding the writer, in steps of 1, 2 and 5 ms: 8 ms of every send's
// time for a reader that was done after a fraction of one.
const (
	restartWait  = 10 * time.Millisecond
	restartRetry = 250 * time.Microsecond
)

type checkpointer struct {
	db      *sql.DB
	writer  sync.Locker  // held by the writer for each transaction
	commits atomic.Int64 // write commits so far
	done    chan struct{}
}

// newCheckpointer opens the checkpointer's connection on dsn, which must
// not set busy_timeout: the checkpointer's is 0. A RESTART or TRUNCATE that
// meets a reader of an old snapshot (a backup's VACUUM INTO, an export)
// then fails at once and lets the writer go; under a busy timeout SQLite's
// handler slept while the checkpointer held the writer, and every write of
// the server waited up to 10 s for that reader.
func newCheckpointer(dsn string, writer sync.Locker) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn+"&_pragma=busy_timeout(0)") // checkpoint retries on its own
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	return &checkpointer{db: db, writer: writer, done: make(chan struct{})}, nil
}

// run checkpoints after commits until closed is closed, and empties the
// WAL at the first tick without commits. A checkpoint that fails (the disk
// is full, say) is tried again at the next tick; the WAL meanwhile grows,
// and every commit stays durable.
func (c *checkpointer) run(closed <-chan struct{}) {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	var seen int64
	emptied := false
	for {
		select {
		case <-closed:
			return
		case <-tick.C:
		}
		n := c.commits.Load()
		if n != seen {
			if c.checkpoint() == nil {
				seen, emptied = n, false
			}
			continue
		}
		if !emptied {
			busy, err := c.holdingWriter("TRUNCATE")
			emptied = err == nil && !busy
		}
	}
}

// checkpoint copies the WAL into the database file, all of it unless a
// reader still uses an old snapshot.
func (c *checkpointer) checkpoint() error {
	var done int64 = -1 // frames copied by the round before; -1: none yet
	for range catchUpRounds {
		_, frames, copied, err := c.checkpointMode("PASSIVE")
		if err != nil {
			return err
		}
		if done >= 0 && frames-done <= catchUpFrames {
			break
		}
		done = copied
	}
	giveUp := time.Now().Add(restartWait)
	for {
		busy, err := c.holdingWriter("RESTART")
		if err != nil || !busy || time.Now().After(giveUp) {
			return err
		}
		time.Sleep(restartRetry)
	}
}

// holdingWriter runs a checkpoint of the given mode between two of the
// writer's transactions; busy reports that readers kept it from finishing.
func (c *checkpointer) holdingWriter(mode string) (busy bool, err error) {
	c.writer.Lock()
	defer c.writer.Unlock()
	busy, _, _, err = c.checkpointMode(mode)
	return busy, err
}

// checkpointMode runs one checkpoint of the given mode and returns whether
// it was kept from finishing, the WAL's length in frames and how many of
// them are copied.
func (c *checkpointer) checkpointMode(mode string) (busy bool, frames, copied int64, err error) {
	var b int64
	err = c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint("+mode+")").Scan(&b, &frames, &copied)
	return b != 0, frames, copied, err
}

// close stops the checkpointer once closed is closed.
func (c *checkpointer) close() error {
	<-c.done
	return c.db.Close()
}
