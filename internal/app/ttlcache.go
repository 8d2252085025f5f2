package app

import (
	"sync"
	"time"
)

// ttlCache is a small in-memory map whose entries live ttl from when they
// were put, bounded to max entries (when full, it starts over: the callers
// re-read what they miss). The session cache and the member cache are two.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v   V
	put time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, max int) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: max, entries: make(map[K]ttlEntry[V])}
}

// get returns k's value if it was put less than ttl before now.
func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	v, fresh, _ := c.lookup(k, now)
	if !fresh {
		var zero V
		return zero, false
	}
	return v, true
}

// lookup returns k's value whatever its age; fresh says whether it was put
// less than ttl before now.
func (c *ttlCache[K, V]) lookup(k K, now time.Time) (v V, fresh, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return e.v, ok && now.Sub(e.put) < c.ttl && !now.Before(e.put), ok
}

// renew makes k's entry, if present, live ttl from now.
func (c *ttlCache[K, V]) renew(k K, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		e.put = now
		c.entries[k] = e
	}
}

func (c *ttlCache[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[k] = ttlEntry[V]{v: v, put: now}
}

// update changes k's value in place, if present, without extending its life.
func (c *ttlCache[K, V]) update(k K, fn func(*V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		fn(&e.v)
		c.entries[k] = e
	}
}

// drop forgets k.
func (c *ttlCache[K, V]) drop(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

// forget clears the cache.
func (c *ttlCache[K, V]) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
