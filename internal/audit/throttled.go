package audit

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Throttled folds the sign-in attempts a throttle refused into one
// login.throttled event per bucket, org, account or address, and window:
// a flood of refusals leaves a count, not a row per attempt, and costs no
// database write on the refusal's path. The sign-in code calls Note on each
// refusal; a background job calls Flush every window (ward serve: with the
// sealer's tick), and once at shutdown with all set. Safe for concurrent
// use.
type Throttled struct {
	window time.Duration
	max    int

	mu     sync.Mutex
	counts map[ThrottleNote]*throttleCount
	other  throttleCount // attempts beyond max keys, folded into one event
}

// ThrottleNote is one refused attempt: which bucket refused it
// ("account" or "address"), the org (when the sign-in named or resolved
// one), the account's user id (empty when unknown: an email is never
// recorded) and the client's address.
type ThrottleNote struct {
	Bucket string
	OrgID  string
	UserID string
	IP     string
}

type throttleCount struct {
	n           int
	first, last time.Time
}

// DefaultThrottleWindow is how long Throttled counts before an event.
const DefaultThrottleWindow = time.Minute

// maxThrottleKeys bounds what Throttled holds between flushes; attempts
// from more distinct accounts and addresses are counted together.
const maxThrottleKeys = 10000

// NewThrottled returns a Throttled with the given window (0: the default).
func NewThrottled(window time.Duration) *Throttled {
	if window <= 0 {
		window = DefaultThrottleWindow
	}
	return &Throttled{window: window, max: maxThrottleKeys, counts: map[ThrottleNote]*throttleCount{}}
}

// Note counts one refused attempt at now. For an address refusal the user
// is not looked up (the refusal is cheap on purpose), so UserID is empty;
// an account refusal counts under the account and not the address.
func (t *Throttled) Note(now time.Time, n ThrottleNote) {
	if n.Bucket == "account" {
		n.IP = ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.counts[n]
	if c == nil {
		if len(t.counts) >= t.max {
			t.other.add(now)
			return
		}
		c = &throttleCount{first: now}
		t.counts[n] = c
	}
	c.add(now)
}

func (c *throttleCount) add(now time.Time) {
	if c.n == 0 {
		c.first = now
	}
	c.n++
	c.last = now
}

// Due returns the events of the counts whose window (from their first
// attempt) has ended by now, or of every count when all is set, and forgets
// them. Events are ordered by their first attempt.
func (t *Throttled) Due(now time.Time, all bool) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	var evs []Event
	for k, c := range t.counts {
		if all || now.Sub(c.first) >= t.window {
			evs = append(evs, throttledEvent(k, c))
			delete(t.counts, k)
		}
	}
	if t.other.n > 0 && (all || now.Sub(t.other.first) >= t.window) {
		evs = append(evs, throttledEvent(ThrottleNote{Bucket: "other"}, &t.other))
		t.other = throttleCount{}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	return evs
}

// Flush records the due events with record (a Recorder's Record).
func (t *Throttled) Flush(ctx context.Context, record func(context.Context, ...Event) error, now time.Time, all bool) error {
	evs := t.Due(now, all)
	if len(evs) == 0 {
		return nil
	}
	return record(ctx, evs...)
}

func throttledEvent(k ThrottleNote, c *throttleCount) Event {
	ev := Event{Time: c.first, OrgID: k.OrgID, Actor: Actor{UserID: k.UserID, IP: k.IP}, Action: LoginThrottled,
		Outcome: Denied, ResourceType: "user", ResourceID: k.UserID}
	what := "by the account throttle"
	switch k.Bucket {
	case "address":
		ev.ResourceType, ev.ResourceID, what = "address", k.IP, "from this address by the address throttle"
	case "other":
		ev.ResourceType, what = "", "from more accounts and addresses than are counted apart"
	}
	if k.Bucket == "account" && k.UserID == "" {
		what = "by the account throttle, for unknown accounts"
	}
	ev.Reason = fmt.Sprintf("%d sign-in attempts refused %s between %s and %s", c.n, what,
		c.first.UTC().Format(time.RFC3339), c.last.UTC().Format(time.RFC3339))
	return ev
}
