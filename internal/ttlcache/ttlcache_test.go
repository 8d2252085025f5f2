package ttlcache_test

import (
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/ttlcache"
)

// TestCacheLifeAndBound: an entry lives ttl from when it was put (or
// renewed), not before it was put; Update keeps its age; a full cache
// starts over.
func TestCacheLifeAndBound(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	c := ttlcache.New[string, int](time.Minute, 2)
	c.Put("a", 1, t0)
	if v, ok := c.Get("a", t0.Add(59*time.Second)); !ok || v != 1 {
		t.Fatalf("Get within ttl = %d %v", v, ok)
	}
	if _, ok := c.Get("a", t0.Add(-time.Second)); ok {
		t.Fatal("an entry is fresh before it was put")
	}
	c.Update("a", func(v *int) { *v = 2 })
	if v, fresh, ok := c.Lookup("a", t0.Add(time.Minute)); !ok || fresh || v != 2 {
		t.Fatalf("Lookup at ttl = %d fresh %v ok %v, want 2, stale, present", v, fresh, ok)
	}
	c.Renew("a", t0.Add(time.Minute))
	if _, ok := c.Get("a", t0.Add(90*time.Second)); !ok {
		t.Fatal("a renewed entry expired")
	}
	c.Put("b", 3, t0)
	c.Put("c", 4, t0) // full: starts over
	if _, ok := c.Get("a", t0); ok {
		t.Fatal("a full cache kept its old entries")
	}
	if v, ok := c.Get("c", t0); !ok || v != 4 {
		t.Fatalf("Get after starting over = %d %v", v, ok)
	}
	c.Drop("c")
	c.Put("d", 5, t0)
	c.Forget()
	if _, ok := c.Get("d", t0); ok {
		t.Fatal("Forget kept an entry")
	}
}
