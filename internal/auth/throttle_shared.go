package auth

import "time"

// SharedCounts keeps a Throttle's counts where every node of a cluster sees
// them, so that failures spread over the nodes add up to one budget. The
// counts follow the Throttle's leaky bucket: a key's level rises by one per
// failure and drains by one every drain. Implementations bound each call
// in time themselves; an error leaves the Throttle with its count in
// memory, which never exceeds the shared one.
type SharedCounts interface {
	// State returns key's level drained up to now, and when its block ends
	// (zero when it has none).
	State(key string, now time.Time, drain time.Duration) (level float64, blocked time.Time, err error)
	// Failure adds one failure to key's bucket at now, atomically across
	// the nodes, blocks the key for delay(the new level) from now unless a
	// later block stands, and returns when the block ends.
	Failure(key string, now time.Time, drain time.Duration, delay func(level float64) time.Duration) (blocked time.Time, err error)
	// Forget removes key's count (a successful sign-in).
	Forget(key string) error
}
