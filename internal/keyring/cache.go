package keyring

import (
	"container/list"
	"crypto/cipher"
	"sync"
	"time"
)

// dekEntry is an unwrapped data key, ready to use.
type dekEntry struct {
	id     keyID
	org    string
	scope  string
	aead   cipher.AEAD
	loaded time.Time
}

type scopeKey struct{ org, scope string }

// dekCache is a bounded LRU of unwrapped data keys, found by key id (to
// open) or by org and scope (to seal). Entries older than ttl are dropped,
// so a key shredded on another node stops opening here within ttl.
type dekCache struct {
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	now     func() time.Time
	ll      *list.List // of *dekEntry, most recent first
	byID    map[keyID]*list.Element
	byScope map[scopeKey]*list.Element
}

func newDEKCache(max int, ttl time.Duration, now func() time.Time) *dekCache {
	return &dekCache{max: max, ttl: ttl, now: now, ll: list.New(),
		byID: map[keyID]*list.Element{}, byScope: map[scopeKey]*list.Element{}}
}

func (c *dekCache) getID(id keyID) *dekEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hit(c.byID[id])
}

func (c *dekCache) getScope(org, scope string) *dekEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hit(c.byScope[scopeKey{org, scope}])
}

func (c *dekCache) hit(el *list.Element) *dekEntry {
	if el == nil {
		return nil
	}
	e := el.Value.(*dekEntry)
	if c.now().Sub(e.loaded) > c.ttl {
		c.removeElement(el)
		return nil
	}
	c.ll.MoveToFront(el)
	return e
}

func (c *dekCache) put(e *dekEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[e.id]; ok {
		c.removeElement(el)
	}
	if el, ok := c.byScope[scopeKey{e.org, e.scope}]; ok {
		c.removeElement(el)
	}
	el := c.ll.PushFront(e)
	c.byID[e.id] = el
	c.byScope[scopeKey{e.org, e.scope}] = el
	for c.ll.Len() > c.max {
		c.removeElement(c.ll.Back())
	}
}

func (c *dekCache) remove(id keyID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[id]; ok {
		c.removeElement(el)
	}
}

func (c *dekCache) removeElement(el *list.Element) {
	e := el.Value.(*dekEntry)
	c.ll.Remove(el)
	if c.byID[e.id] == el {
		delete(c.byID, e.id)
	}
	if k := (scopeKey{e.org, e.scope}); c.byScope[k] == el {
		delete(c.byScope, k)
	}
}

func (c *dekCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
