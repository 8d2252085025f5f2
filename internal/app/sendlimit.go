package app

import (
	"sync"
	"time"

	"github.com/wardhealth/ward"
)

// SendLimit bounds how fast one user may send messages: Rate a second
// sustained, and Burst at once. A negative Rate sets no limit.
type SendLimit struct {
	Rate  float64
	Burst int
}

// The default send limits. Staff's is far above what a person sends and
// above what `ward bench` asks of one user (10,000 msgs/s over 400 users
// is 25 a second a user; --sequential with 20 users, about 100), so that
// only a runaway client or script meets it: one account cannot take the
// database's writer from everyone else. A patient's is a person's pace.
var (
	DefaultStaffSendLimit   = SendLimit{Rate: 200, Burst: 400}
	DefaultPatientSendLimit = SendLimit{Rate: 1, Burst: 20}
)

// maxSendLimiters is how many users' buckets the limiter keeps before it
// forgets the full ones (users who have not sent lately).
const maxSendLimiters = 50_000

// sendLimiter holds a token bucket per user, in memory: a send costs one
// map look-up under a mutex, no database read. Each node limits on its
// own (a user's sends spread over n nodes may go n times as fast).
type sendLimiter struct {
	staff, patient SendLimit

	mu    sync.Mutex
	users map[string]*bucket
}

// bucket is one user's token bucket: tokens as of at, under limit.
type bucket struct {
	limit  SendLimit
	tokens float64
	at     time.Time
}

// refill brings b to now: tokens grow at the limit's rate up to its burst
// (a clock that steps back adds nothing).
func (b *bucket) refill(now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(b.limit.Burst), b.tokens+d.Seconds()*b.limit.Rate)
		b.at = now
	}
}

func newSendLimiter(staff, patient SendLimit) *sendLimiter {
	if staff == (SendLimit{}) {
		staff = DefaultStaffSendLimit
	}
	if patient == (SendLimit{}) {
		patient = DefaultPatientSendLimit
	}
	return &sendLimiter{staff: staff, patient: patient, users: map[string]*bucket{}}
}

// allow takes a send from userID's bucket at now, or returns rate_limited
// with the time until the next send may go.
func (l *sendLimiter) allow(userID string, role ward.Role, now time.Time) error {
	lim := l.staff
	if role.External() { // patients and guests
		lim = l.patient
	}
	if lim.Rate < 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.users[userID]
	if b == nil || b.limit != lim { // new, or a new role
		if len(l.users) >= maxSendLimiters {
			l.forgetFull(now)
		}
		b = &bucket{limit: lim, tokens: float64(lim.Burst), at: now}
		l.users[userID] = b
	}
	b.refill(now)
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	wait := time.Second
	if lim.Rate > 0 {
		wait = time.Duration((1 - b.tokens) / lim.Rate * float64(time.Second))
	}
	return &ward.Error{Code: ward.CodeRateLimited, Message: "you are sending too fast; try again in a moment", RetryAfter: max(wait, time.Millisecond)}
}

// forgetFull drops the buckets that are full again: forgetting them changes
// nothing. If every user is sending, it starts over.
func (l *sendLimiter) forgetFull(now time.Time) {
	for id, b := range l.users {
		if b.refill(now); b.tokens >= float64(b.limit.Burst) {
			delete(l.users, id)
		}
	}
	if len(l.users) >= maxSendLimiters {
		clear(l.users)
	}
}
