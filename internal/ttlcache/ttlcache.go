package ttlcache

import (
	"sync"
	"time"
)

// Cache is a small in-memory map whose entries live ttl from when they
// were put, bounded to max entries (when full, it starts over: the callers
// re-read what they miss).
type Cache[K comparable, V any] struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[K]entry[V]
}

type entry[V any] struct {
	v   V
	put time.Time
}

// New makes an empty cache whose entries live ttl, of at most max entries.
func New[K comparable, V any](ttl time.Duration, max int) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max, entries: make(map[K]entry[V])}
}

// Get returns k's value if it was put less than ttl before now.
func (c *Cache[K, V]) Get(k K, now time.Time) (V, bool) {
	v, fresh, _ := c.Lookup(k, now)
	if !fresh {
		var zero V
		return zero, false
	}
	return v, true
}

// Lookup returns k's value whatever its age; fresh says whether it was put
// less than ttl before now.
func (c *Cache[K, V]) Lookup(k K, now time.Time) (v V, fresh, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return e.v, ok && now.Sub(e.put) < c.ttl && !now.Before(e.put), ok
}

// Renew makes k's entry, if present, live ttl from now.
func (c *Cache[K, V]) Renew(k K, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		e.put = now
		c.entries[k] = e
	}
}

// Put puts v under k, as of now.
func (c *Cache[K, V]) Put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[k] = entry[V]{v: v, put: now}
}

// Update changes k's value in place, if present, without extending its life.
func (c *Cache[K, V]) Update(k K, fn func(*V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		fn(&e.v)
		c.entries[k] = e
	}
}

// Drop forgets k.
func (c *Cache[K, V]) Drop(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

// Forget clears the cache.
func (c *Cache[K, V]) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
