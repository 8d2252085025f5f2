package workers

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	idleFor = 300 * time.Millisecond
	os.Exit(m.Run())
}

// TestGoRunsEveryJobConcurrently: every job runs, jobs that wait on each
// other do not deadlock (Go never waits for a free worker), and workers
// are reused once idle.
func TestGoRunsEveryJobConcurrently(t *testing.T) {
	const n = 200
	var ran atomic.Int32
	var wg sync.WaitGroup
	release := make(chan struct{})
	wg.Add(n)
	for range n {
		Go(func() {
			defer wg.Done()
			<-release // every job waits until all were handed out
			ran.Add(1)
		})
	}
	close(release)
	wg.Wait()
	if ran.Load() != n {
		t.Fatalf("%d jobs ran, want %d", ran.Load(), n)
	}
	// Now n workers are idle: the next jobs start no goroutine.
	before := runtime.NumGoroutine()
	var wg2 sync.WaitGroup
	wg2.Add(n / 2)
	for range n / 2 {
		Go(wg2.Done)
	}
	wg2.Wait()
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines %d -> %d: idle workers were not reused", before, after)
	}
}

// TestIdleWorkersEnd: workers without a job for idleFor end.
func TestIdleWorkersEnd(t *testing.T) {
	time.Sleep(2 * idleFor) // the workers of the test before end
	base := runtime.NumGoroutine()
	const n = 20
	var wg sync.WaitGroup
	release := make(chan struct{})
	wg.Add(n)
	for range n {
		Go(func() { defer wg.Done(); <-release })
	}
	close(release)
	wg.Wait()
	if got := runtime.NumGoroutine(); got < base+n {
		t.Fatalf("%d goroutines with %d workers done, %d before: want the workers kept for their next job", got, n, base)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > base {
		t.Errorf("%d goroutines 5 s after the jobs, %d before: the idle workers did not end", got, base)
	}
}

func TestRunWaitsForItsJob(t *testing.T) {
	var ran atomic.Bool
	Run(func() {
		time.Sleep(20 * time.Millisecond)
		ran.Store(true)
	})
	if !ran.Load() {
		t.Fatal("Run returned before its job ended")
	}
}
