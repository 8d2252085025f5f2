//go:build race

package httpapi_test

// raceEnabled: the race detector's instrumentation about doubles goroutine
// stacks, and grows the heap (TestIdleSocketMemory).
const raceEnabled = true
