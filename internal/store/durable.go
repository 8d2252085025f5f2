package store

import (
	"sync"
	"sync/atomic"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store/walvfs"
)

// Durability off the writer's path (SQLite). With synchronous=FULL SQLite
// fsyncs the WAL inside every COMMIT, and the single writer waited for the
// disk there: 40 to 50 % of its time under a send load, while the next
// batch's sends queued behind it. The writer's VFS (walvfs) leaves that
// fsync to the store: the writer commits and goes on to the next batch, and
// a goroutine of its own (walSync.run) fsyncs the WAL, then answers the
// batches the fsync covers. One fsync covers every commit written before it
// began, so while one is under way the commits made meanwhile wait for the
// next, together.
//
// What callers see is as before: a write returns, and a send is answered
// and published, only once its commit is on disk. A commit is visible to
// other connections as soon as SQLite publishes it, before its fsync, so
// Store.Read returns only once every commit its snapshot could hold is on
// disk: a reader never acts on a write that a power cut could still undo.
// (Another process reading the live file, such as sqlite3, sees it at
// once.) A failed fsync is sticky: the kernel may have dropped the pages it
// could not write, and a later fsync that succeeds would say nothing of
// them. Every write and read then fails as unavailable until ward restarts
// and SQLite recovers the WAL from what is on disk.

// syncWAL makes the WAL of the database at path durable (a variable for
// the tests).
var syncWAL = walvfs.SyncWAL

// walSync counts the writer's commits and makes them durable. Every method
// is a no-op on a nil *walSync (PostgreSQL, whose commits are durable when
// they return).
type walSync struct {
	path string // the database file

	started   atomic.Uint64 // commits begun: counted before COMMIT, so before SQLite publishes one
	committed atomic.Uint64 // commits ended (made or failed): counted after COMMIT
	synced    atomic.Uint64 // commits on disk: committed as it was when the last fsync began

	kick chan struct{} // cap 1: there is something to sync
	done chan struct{} // closed when run has returned

	mu      sync.Mutex
	cond    sync.Cond   // on mu: synced moved, err was set, or run returned
	err     error       // the first fsync that failed
	waiting []afterSync // batches to answer once their commit is on disk
	stopped bool        // run has returned: waitFor syncs itself
}

type afterSync struct {
	commit uint64
	answer func(error)
}

func newWALSync(path string) *walSync {
	w := &walSync{path: path, kick: make(chan struct{}, 1), done: make(chan struct{})}
	w.cond.L = &w.mu
	return w
}

// begin counts a commit about to be made on the writer, and returns its
// number; end, called after COMMIT whatever it returned, counts it done.
func (w *walSync) begin() uint64 {
	if w == nil {
		return 0
	}
	return w.started.Add(1)
}

func (w *walSync) end() {
	if w == nil {
		return
	}
	w.committed.Add(1)
	w.wake()
}

func (w *walSync) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// latest is the number of the last commit begun: a read that has taken its
// snapshot waits for it (waitFor) before its result counts.
func (w *walSync) latest() uint64 {
	if w == nil {
		return 0
	}
	return w.started.Load()
}

// waitFor returns once commit n (and every one before it) is on disk, or
// the error of the fsync that failed.
func (w *walSync) waitFor(n uint64) error {
	if w == nil {
		return nil
	}
	if w.synced.Load() >= n {
		return w.failed()
	}
	w.wake()
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.synced.Load() < n && w.err == nil && !w.stopped {
		w.cond.Wait()
	}
	if w.synced.Load() < n && w.err == nil { // run has returned (the store is closing)
		w.syncLocked()
	}
	return w.errLocked()
}

// holdBehind returns once at most k ended commits are not yet on disk. The
// group-commit writer calls it before it takes a batch: committing again
// while two fsyncs are owed would only make batches smaller (every commit
// costs its locks and rewrites its pages), never sooner on disk; the sends
// that queue meanwhile join the batch instead.
func (w *walSync) holdBehind(k uint64) {
	if w == nil || w.committed.Load() <= w.synced.Load()+k {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.committed.Load() > w.synced.Load()+k && w.err == nil && !w.stopped {
		w.cond.Wait()
	}
}

// after calls answer once commit n is on disk, with nil, or with the
// error of the fsync that failed; on the syncing goroutine, so answer must
// not block.
func (w *walSync) after(n uint64, answer func(error)) {
	w.mu.Lock()
	if w.synced.Load() >= n || w.err != nil || w.stopped {
		w.mu.Unlock()
		answer(w.waitFor(n))
		return
	}
	w.waiting = append(w.waiting, afterSync{n, answer})
	w.mu.Unlock()
	w.wake()
}

func (w *walSync) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.errLocked()
}

func (w *walSync) errLocked() error {
	if w.err == nil {
		return nil
	}
	return ward.Wrap(ward.CodeUnavailable, w.err, "the database could not make writes durable; restart ward")
}

// run syncs whenever a commit is waiting, until stop is closed; then it
// syncs what is left and returns.
func (w *walSync) run(stop <-chan struct{}) {
	defer close(w.done)
	for {
		select {
		case <-w.kick:
		case <-stop:
			w.mu.Lock()
			w.syncLocked()
			w.stopped = true
			w.cond.Broadcast()
			w.mu.Unlock()
			return
		}
		w.mu.Lock()
		w.syncLocked()
		w.mu.Unlock()
	}
}

// syncLocked fsyncs the WAL if a commit ended since the last fsync, and
// answers the batches now on disk. Called with mu held, which it lets go
// while the fsync runs.
func (w *walSync) syncLocked() {
	target := w.committed.Load()
	if target > w.synced.Load() && w.err == nil {
		w.mu.Unlock()
		err := syncWAL(w.path)
		w.mu.Lock()
		if err != nil {
			if w.err == nil {
				w.err = err
			}
		} else if target > w.synced.Load() {
			w.synced.Store(target)
		}
		w.cond.Broadcast()
	}
	var ready []afterSync
	kept := w.waiting[:0]
	for _, a := range w.waiting {
		if a.commit <= w.synced.Load() || w.err != nil {
			ready = append(ready, a)
		} else {
			kept = append(kept, a)
		}
	}
	w.waiting = kept
	err := w.errLocked()
	for _, a := range ready {
		a.answer(err)
	}
}
