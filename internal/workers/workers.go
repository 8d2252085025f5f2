package workers

import "time"

// idleFor is how long a worker waits for its next job before it ends (a
// variable for the tests).
var idleFor = 10 * time.Second

// jobs hands a job to a worker waiting for one: unbuffered, so a send
// succeeds only when a worker is idle.
var jobs = make(chan func())

// Go runs fn on an idle worker, or on a new one when none is idle. It
// never waits, and jobs run concurrently, in no set order.
func Go(fn func()) {
	select {
	case jobs <- fn:
	default:
		go work(fn)
	}
}

// work runs fn, then the jobs handed to it, until it has been idle for
// idleFor.
// Run runs fn on a worker, as Go does, and returns when it has: a deep
// call (a send, a sign-in) so grows the worker's stack, which it keeps
// for the next job, and not the caller's, which an idle socket's reader
// would otherwise keep while it waits for its next frame.
func Run(fn func()) {
	done := make(chan struct{})
	Go(func() {
		defer close(done)
		fn()
	})
	<-done
}

func work(fn func()) {
	fn()
	idle := time.NewTimer(idleFor)
	defer idle.Stop()
	for {
		select {
		case fn := <-jobs:
			fn()
			idle.Reset(idleFor)
		case <-idle.C:
			return
		}
	}
}
