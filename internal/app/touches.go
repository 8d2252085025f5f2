package app

import (
	"context"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Session activity is written in the background. A request or socket send
// refreshes its session (and device) when the last recorded activity is
// older than touchEvery; the refresh used to be a write in the request's
// path, so one request in every few dozen waited for a group commit of its
// own before its real work, which waited for another. At 10,000 signed-in
// users that was 333 refreshes a second, each two statements that also cut
// the group commit's multi-row message INSERT in two: 9 % of the server's
// CPU (docs/BENCHMARKS.md, session 10).
//
// Now a refresh is recorded here, in memory, and a flusher writes what was
// recorded in one job of the group commit, at once when it starts and then
// at most once per touchFlushEvery while refreshes keep coming. This node
// sees its own refreshes at once: loadPrincipal takes a recorded time over
// the stored one. Other nodes see them within touchFlushEvery more than
// before. A refresh not yet written when the process dies is lost: the
// session then looks idle up to touchEvery + touchFlushEvery sooner than
// it is, never later, so the idle timeout can only end a session early by
// that much, not keep one alive.
const touchFlushEvery = time.Second

// touch is recorded activity on a session.
type touch struct {
	deviceID, ip string
	at           time.Time
}

// touches holds the refreshes not yet written.
type touches struct {
	mu       sync.Mutex
	pending  map[string]touch // by session id
	writing  map[string]touch // taken by a write (flusher or FlushTouches), not yet committed
	flushing bool             // a flusher runs
}

func newTouches() *touches {
	return &touches{pending: make(map[string]touch)}
}

// touch records activity on a session and starts the flusher if none runs.
func (a *App) touch(sessionID string, t touch) {
	ts := a.touches
	ts.mu.Lock()
	ts.pending[sessionID] = t
	start := !ts.flushing
	ts.flushing = true
	ts.mu.Unlock()
	if start {
		go a.flushTouches()
	}
}

// lastTouch is the latest activity recorded on a session and not yet
// written, if any.
func (ts *touches) lastTouch(sessionID string) (time.Time, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.pending[sessionID]
	if w, wok := ts.writing[sessionID]; wok && (!ok || w.at.After(t.at)) {
		t, ok = w, true
	}
	return t.at, ok
}

// take moves the pending refreshes to writing, unless a write is under
// way (busy). With none pending, the flusher (flusher true) ends, under
// the same lock as touch, so that no refresh is left without one.
func (ts *touches) take(flusher bool) (batch map[string]touch, busy bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	switch {
	case ts.writing != nil:
		return nil, true
	case len(ts.pending) == 0:
		if flusher {
			ts.flushing = false
		}
		return nil, false
	}
	ts.writing, ts.pending = ts.pending, make(map[string]touch)
	return ts.writing, false
}

// done ends a write. After a failure the refreshes go back to pending,
// unless a later one was recorded meanwhile, and the flusher (flusher
// true) ends: the next refresh starts it again, so a closed store does not
// make it spin.
func (ts *touches) done(flusher bool, err error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err != nil {
		for id, t := range ts.writing {
			if p, ok := ts.pending[id]; !ok || t.at.After(p.at) {
				ts.pending[id] = t
			}
		}
		if flusher {
			ts.flushing = false
		}
	}
	ts.writing = nil
}

// flushTouches is the flusher: it writes the recorded refreshes, then
// again every touchFlushEvery while there are more.
func (a *App) flushTouches() {
	for {
		batch, busy := a.touches.take(true)
		if batch == nil && !busy {
			return
		}
		if batch != nil {
			err := a.writeTouches(context.Background(), batch)
			a.touches.done(true, err)
			if err != nil {
				a.log.Warn("recording session activity failed", "sessions", len(batch), "err", err.Error())
				return
			}
		}
		time.Sleep(touchFlushEvery)
	}
}

// FlushTouches writes the recorded refreshes now (before a clean
// shutdown, and in tests), after any write the flusher has under way.
func (a *App) FlushTouches(ctx context.Context) error {
	for {
		batch, busy := a.touches.take(false)
		if !busy {
			err := a.writeTouches(ctx, batch)
			if batch != nil {
				a.touches.done(false, err)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// writeTouches writes refreshes in one job of the group commit. A session
// or device gone meanwhile is skipped.
func (a *App) writeTouches(ctx context.Context, batch map[string]touch) error {
	if len(batch) == 0 {
		return nil
	}
	return a.store.WriteBatched(ctx, func(tx *store.Tx) error {
		for id, t := range batch {
			if err := tx.TouchSession(ctx, id, t.at); err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
				return err
			}
			if err := tx.TouchDevice(ctx, t.deviceID, t.ip, t.at); err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
				return err
			}
		}
		return nil
	})
}
