package app

import (
	"sync"
	"time"
)

// memberCache remembers which users this node recently found to be members
// of which conversations, so a send does not read the conversation before
// sealing its body. It is a hint, never the check: the send's own
// transaction checks membership again (store.InsertMessage), so a member
// removed a moment ago, on this node or another, is refused all the same.
// Only positive answers are kept: a refusal always reads the store.
type memberCache struct {
	mu      sync.Mutex
	entries map[memberKey]time.Time // when it was seen
}

type memberKey struct{ conv, user string }

const (
	memberCacheTTL  = 30 * time.Second
	memberCacheSize = 100_000
)

func newMemberCache() *memberCache { return &memberCache{entries: make(map[memberKey]time.Time)} }

// has reports whether user was seen to be a member of conv within the TTL.
func (c *memberCache) has(conv, user string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.entries[memberKey{conv, user}]
	return ok && now.Sub(at) < memberCacheTTL && !now.Before(at)
}

// saw records that user is a member of conv.
func (c *memberCache) saw(conv, user string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= memberCacheSize {
		clear(c.entries)
	}
	c.entries[memberKey{conv, user}] = now
}
