package audit

import (
	"context"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// RecorderOptions tunes a Recorder. The zero value is sensible.
type RecorderOptions struct {
	// MaxBatch bounds the events written in one transaction (default 2048).
	MaxBatch int
	// WriteTimeout bounds one batch's transaction (default 30s). A batch is
	// shared by many callers, so it does not use any one caller's context.
	WriteTimeout time.Duration
}

// Recorder records the audit events of reads durably before the read
// answers, with group commit: concurrent Record calls share one
// transaction, so one fsync covers many events. It is safe for concurrent
// use.
type Recorder struct {
	st      *store.Store
	max     int
	timeout time.Duration
	reqs    chan *recordReq
	exited  chan struct{}

	mu     sync.RWMutex // guards closed and sends on reqs
	closed bool
}

type recordReq struct {
	ctx    context.Context
	events []Event
	done   chan error // buffered: the writer never blocks on it
}

// NewRecorder starts a Recorder on st. Close it to stop it.
func NewRecorder(st *store.Store, opts RecorderOptions) *Recorder {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 2048
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	r := &Recorder{
		st: st, max: opts.MaxBatch, timeout: opts.WriteTimeout,
		reqs:   make(chan *recordReq, opts.MaxBatch),
		exited: make(chan struct{}),
	}
	go r.loop()
	return r
}

// errClosed is what Record returns after Close.
func errClosed() error { return ward.Errorf(ward.CodeUnavailable, "audit recorder is closed") }

// Record stores events durably and returns once they are committed, or
// with the error that kept them from being committed (the caller's read
// must then fail). If ctx ends first Record returns ctx.Err(); the events
// may still be committed, so an abandoned read can be over-recorded but a
// successful Record is never under-recorded.
func (r *Recorder) Record(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return err
		}
	}
	req := &recordReq{ctx: ctx, events: events, done: make(chan error, 1)}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return errClosed()
	}
	select {
	case r.reqs <- req:
		r.mu.RUnlock()
	case <-ctx.Done():
		r.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events, writes every event already accepted, and
// returns when the last batch is committed. It is safe to call twice.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.reqs)
	}
	r.mu.Unlock()
	<-r.exited
	return nil
}

func (r *Recorder) loop() {
	defer close(r.exited)
	batch := make([]*recordReq, 0, r.max)
	for req := range r.reqs {
		batch = append(batch[:0], req)
		n := len(req.events)
	drain:
		for n < r.max {
			select {
			case q, ok := <-r.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, q)
				n += len(q.events)
			default:
				break drain
			}
		}
		r.write(batch, n)
		clear(batch)
	}
}

// write commits one batch and answers each caller.
func (r *Recorder) write(batch []*recordReq, n int) {
	live := batch[:0]
	for _, q := range batch {
		if err := q.ctx.Err(); err != nil {
			q.done <- err // the caller gave up before its events were written
			continue
		}
		live = append(live, q)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	rows := make([]store.AuditRow, 0, n)
	err := r.st.Write(ctx, func(tx *store.Tx) error {
		rows = rows[:0]
		for _, q := range live {
			for i := range q.events {
				rows = append(rows, q.events[i].toRow(tx.Now))
				rows[len(rows)-1].Seq = 0
			}
		}
		return tx.InsertAuditRows(ctx, rows)
	})
	for _, q := range live {
		q.done <- err
	}
}
