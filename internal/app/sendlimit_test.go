package app

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// BenchmarkSendLimiter is the send limiter's cost per send, from many
// goroutines at once over 400 users (the one-to-one benchmark's shape).
func BenchmarkSendLimiter(b *testing.B) {
	l := newSendLimiter(SendLimit{Rate: 1e9, Burst: 1 << 30}, SendLimit{})
	ids := make([]string, 400)
	for i := range ids {
		ids[i] = "user-" + strconv.Itoa(i)
	}
	var n atomic.Int64
	now := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := int(n.Add(1))
		for pb.Next() {
			i++
			if err := l.allow(ids[i%len(ids)], ward.RoleClinician, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSendLimiterForgetsFullBuckets: past maxSendLimiters users the limiter
// forgets the buckets that are full again, and keeps a bucket being drained.
func TestSendLimiterForgetsFullBuckets(t *testing.T) {
	l := newSendLimiter(SendLimit{Rate: 1, Burst: 2}, SendLimit{})
	now := time.Unix(1_800_000_000, 0)
	l.allow("busy", ward.RoleStaff, now)
	l.allow("busy", ward.RoleStaff, now)
	for i := range maxSendLimiters - 1 { // with busy, the limiter is full
		l.allow("u"+strconv.Itoa(i), ward.RoleStaff, now.Add(-time.Hour))
	}
	l.allow("one-more", ward.RoleStaff, now)
	if _, ok := l.users["busy"]; !ok || len(l.users) > 3 {
		t.Fatalf("%d buckets kept (busy kept: %v), want the busy one and the new ones", len(l.users), ok)
	}
	if err := l.allow("busy", ward.RoleStaff, now); ward.ErrorCode(err) != ward.CodeRateLimited {
		t.Fatalf("the busy user's third send at once: %v, want rate_limited", err)
	}
}
