package auth

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// ThrottleConfig shapes a Throttle. Failures fill a leaky bucket that drains
// by one every Drain. While the bucket holds at most Free failures, attempts
// go through at once; each failure beyond that blocks the key for a delay
// that starts at Base and doubles with every further failure, up to Lock.
type ThrottleConfig struct {
	Free    int           // failures allowed without delay
	Base    time.Duration // delay after the first failure beyond Free
	Lock    time.Duration // the longest delay: a temporary lock
	Drain   time.Duration // one failure is forgotten every Drain
	MaxKeys int           // keys tracked at most; the least recently failed go first
	Now     func() time.Time
	// Shared, when set, keeps the counts where every node of a cluster sees
	// them (a table of the PostgreSQL database): see SharedCounts.
	Shared SharedCounts
}

// AccountThrottle is the default for keys that name an account: 5 free
// failures, then 1 s, 2 s, 4 s … up to a 15-minute lock after about 15
// failures; one failure is forgotten per hour, and a success forgets all.
func AccountThrottle() ThrottleConfig {
	return ThrottleConfig{Free: 5, Base: time.Second, Lock: 15 * time.Minute,
		Drain: time.Hour, MaxKeys: 100_000, Now: time.Now}
}

// AddressThrottle is the default for keys that name a source address. A
// hospital puts hundreds of people behind one address, so it allows more:
// 30 free failures draining at one a minute (a steady typo a minute never
// slows anyone), then the same doubling up to a 15-minute lock.
func AddressThrottle() ThrottleConfig {
	return ThrottleConfig{Free: 30, Base: time.Second, Lock: 15 * time.Minute,
		Drain: time.Minute, MaxKeys: 100_000, Now: time.Now}
}

// Throttle slows down and then temporarily locks keys (an account, a source
// address) after repeated failures. It counts in memory, bounded by
// MaxKeys; with ThrottleConfig.Shared it also counts where every node sees
// the counts, so that failures spread over the nodes of a cluster add up
// (the shared count decides; the node's own is the floor when the shared
// one cannot be reached). It is safe for concurrent use.
//
// The caller checks before the attempt and reports its outcome:
//
//	if wait, ok := t.Check(key); !ok { answer 429 with Retry-After: wait }
//	… verify …
//	if failed { t.Failure(key) } else { t.Success(key) }
//
// For address keys, callers should not call Success: one address that knows
// one valid password could otherwise wipe its count between guesses.
type Throttle struct {
	cfg     ThrottleConfig
	mu      sync.Mutex
	entries map[string]*list.Element // of *throttleEntry
	lru     *list.List               // least recently failed at the front
}

type throttleEntry struct {
	key     string
	level   float64   // failures not yet drained, as of at
	at      time.Time // when level was last brought up to date
	blocked time.Time // no attempt before this
}

// NewThrottle returns a Throttle; zero fields of cfg take AccountThrottle's
// values.
func NewThrottle(cfg ThrottleConfig) *Throttle {
	def := AccountThrottle()
	if cfg.Free < 0 {
		cfg.Free = 0
	}
	if cfg.Base <= 0 {
		cfg.Base = def.Base
	}
	if cfg.Lock <= 0 {
		cfg.Lock = def.Lock
	}
	if cfg.Drain <= 0 {
		cfg.Drain = def.Drain
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = def.MaxKeys
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Throttle{cfg: cfg, entries: make(map[string]*list.Element), lru: list.New()}
}

// Check reports whether an attempt for key may go ahead now, and if not, how
// long to wait. It records nothing.
func (t *Throttle) Check(key string) (retryAfter time.Duration, allowed bool) {
	now := t.cfg.Now()
	blocked := t.localBlock(key)
	if t.cfg.Shared != nil && !blocked.After(now) {
		if _, until, err := t.cfg.Shared.State(key, now, t.cfg.Drain); err == nil {
			blocked = until
		}
	}
	if wait := blocked.Sub(now); wait > 0 {
		return wait, false
	}
	return 0, true
}

// localBlock is when the key's block in memory ends.
func (t *Throttle) localBlock(key string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.entries[key]; ok {
		return el.Value.(*throttleEntry).blocked
	}
	return time.Time{}
}

// Failure records a failed attempt for key and returns how long the key is
// now blocked (0 while still within the free failures).
func (t *Throttle) Failure(key string) (retryAfter time.Duration) {
	now := t.cfg.Now()
	blocked := t.localFailure(key, now)
	if t.cfg.Shared != nil {
		if until, err := t.cfg.Shared.Failure(key, now, t.cfg.Drain, t.delay); err == nil && until.After(blocked) {
			blocked = until
		}
	}
	return blocked.Sub(now)
}

// localFailure counts a failure in memory and returns when the key's block
// ends.
func (t *Throttle) localFailure(key string, now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	var e *throttleEntry
	if el, ok := t.entries[key]; ok {
		e = el.Value.(*throttleEntry)
		t.lru.MoveToBack(el)
		t.drain(e, now)
	} else {
		t.evict(now)
		e = &throttleEntry{key: key, at: now}
		t.entries[key] = t.lru.PushBack(e)
	}
	e.level++
	delay := t.delay(e.level)
	if until := now.Add(delay); until.After(e.blocked) {
		e.blocked = until
	}
	return e.blocked
}

// Success forgets key's failures.
func (t *Throttle) Success(key string) {
	t.mu.Lock()
	if el, ok := t.entries[key]; ok {
		t.lru.Remove(el)
		delete(t.entries, key)
	}
	t.mu.Unlock()
	if t.cfg.Shared != nil {
		t.cfg.Shared.Forget(key)
	}
}

// Len returns how many keys are tracked.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// drain brings e's level up to date at now.
func (t *Throttle) drain(e *throttleEntry, now time.Time) {
	if el := now.Sub(e.at); el > 0 {
		e.level = math.Max(0, e.level-float64(el)/float64(t.cfg.Drain))
		e.at = now
	}
}

// delay is the block after a failure that brings the bucket to level.
func (t *Throttle) delay(level float64) time.Duration {
	over := int(math.Ceil(level-1e-9)) - t.cfg.Free // failures beyond the free ones
	if over <= 0 {
		return 0
	}
	d := t.cfg.Base
	for i := 1; i < over && d < t.cfg.Lock; i++ {
		d *= 2
	}
	return min(d, t.cfg.Lock)
}

// evict makes room for one more key: entries whose failures have drained and
// whose block has passed go first, then the least recently failed.
func (t *Throttle) evict(now time.Time) {
	// Drop expired entries from the front; they are the oldest.
	for el := t.lru.Front(); el != nil && len(t.entries) > 0; el = t.lru.Front() {
		e := el.Value.(*throttleEntry)
		t.drain(e, now)
		if e.level > 0 || now.Before(e.blocked) {
			break
		}
		t.lru.Remove(el)
		delete(t.entries, e.key)
	}
	for len(t.entries) >= t.cfg.MaxKeys {
		el := t.lru.Front()
		t.lru.Remove(el)
		delete(t.entries, el.Value.(*throttleEntry).key)
	}
}

// Suspect reports whether key has failures that have not drained yet: its
// next attempt is served after everyone else's (see LowPriority).
func (t *Throttle) Suspect(key string) bool {
	now := t.cfg.Now()
	if t.localSuspect(key, now) {
		return true
	}
	if t.cfg.Shared == nil {
		return false
	}
	level, _, err := t.cfg.Shared.State(key, now, t.cfg.Drain)
	return err == nil && level > 0
}

func (t *Throttle) localSuspect(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	el, ok := t.entries[key]
	if !ok {
		return false
	}
	e := el.Value.(*throttleEntry)
	t.drain(e, now)
	return e.level > 0
}

// InFlight counts attempts under way per key (a source address), so that a
// second concurrent sign-in from one address can be served after everyone
// else's: a spray's first burst, before any of it has failed, must not
// queue in front of real users. It is safe for concurrent use.
type InFlight struct {
	mu sync.Mutex
	m  map[string]int
}

// Enter records an attempt for key and returns how many are now under way,
// this one included. Call Leave when it ends.
func (f *InFlight) Enter(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = make(map[string]int)
	}
	f.m[key]++
	return f.m[key]
}

// Leave ends an attempt Enter recorded.
func (f *InFlight) Leave(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m[key]--; f.m[key] <= 0 {
		delete(f.m, key)
	}
}
