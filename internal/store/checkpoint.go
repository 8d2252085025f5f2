package store

import (
	"context"
	"database/sql"
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

// checkpointEvery is how often the checkpointer looks for new commits. A
// checkpoint reads every frame written since the last one and writes each
// page it holds once, so a page changed by many commits in between is
// copied once: at 1 s instead of 100 ms, a one-to-one send load (ward
// bench) went from 2.5 to 0.8 preads a message, the WAL growing by about a
// second of writes between checkpoints.
const checkpointEvery = 1 * time.Second

// walSizeLimit caps the WAL file left on disk after a checkpoint reset.
const walSizeLimit = 64 << 20

type checkpointer struct {
	db      *sql.DB
	commits atomic.Int64 // write commits so far
	done    chan struct{}
}

func newCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	return &checkpointer{db: db, done: make(chan struct{})}, nil
}

// run checkpoints after commits until closed is closed. A checkpoint that
// fails (the disk is full, say) is tried again at the next tick; the WAL
// meanwhile grows, and every commit stays durable.
func (c *checkpointer) run(closed <-chan struct{}) {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	var seen int64
	for {
		select {
		case <-closed:
			return
		case <-tick.C:
		}
		n := c.commits.Load()
		if n == seen {
			continue
		}
		if _, err := c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
			seen = n
		}
	}
}

// close stops the checkpointer once closed is closed.
func (c *checkpointer) close() error {
	<-c.done
	return c.db.Close()
}
