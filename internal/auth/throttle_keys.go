package auth

import (
	"net/netip"
	"sync"
	"time"
)

// AddressKey is the throttle key of a source address: the address itself
// for IPv4, and its /64 for IPv6, where one subscriber (one attacker)
// usually holds a whole /64 and could otherwise take a fresh budget per
// address. Something that is not an address is its own key.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// Refusal is a count of attempts a throttle refused for one key since a
// time; Tag is what the caller gave with the key (e.g. an org id).
// Addresses are the first distinct source addresses of those attempts (at
// most MaxRefusalAddresses), MoreAddresses how many others there were.
type Refusal struct {
	Key           string
	Tag           string
	Count         int
	Since         time.Time
	Addresses     []string
	MoreAddresses int
}

// MaxRefusalAddresses bounds the addresses a Refusal names.
const MaxRefusalAddresses = 5

// RefusalLog folds refused attempts per key so that they can be reported
// (audited) at most once per window per key, each report carrying the count
// folded since the last one. Its memory is bounded: past maxKeys keys, new
// keys fold into the key "overflow". It is safe for concurrent use.
type RefusalLog struct {
	window  time.Duration
	maxKeys int
	now     func() time.Time

	mu sync.Mutex
	m  map[string]*refusals
}

type refusals struct {
	tag      string
	count    int       // refused since reported
	since    time.Time // the first of those
	reported time.Time // when the key was last reported
	addrs    []string  // their first distinct addresses
	more     int       // and how many others
}

// note counts addr among the refusals' addresses.
func (e *refusals) note(addr string) {
	if addr == "" {
		return
	}
	for _, a := range e.addrs {
		if a == addr {
			return
		}
	}
	if len(e.addrs) < MaxRefusalAddresses {
		e.addrs = append(e.addrs, addr)
	} else {
		e.more++ // an address seen twice past the first five counts twice: a bound, not a set
	}
}

// take returns the folded refusals of key and starts a new fold.
func (e *refusals) take(key string, now time.Time) Refusal {
	r := Refusal{Key: key, Tag: e.tag, Count: e.count, Since: e.since, Addresses: e.addrs, MoreAddresses: e.more}
	e.count, e.reported, e.addrs, e.more = 0, now, nil, 0
	return r
}

// NewRefusalLog returns a log that reports each key at most once per
// window; now nil means time.Now.
func NewRefusalLog(window time.Duration, maxKeys int, now func() time.Time) *RefusalLog {
	if now == nil {
		now = time.Now
	}
	return &RefusalLog{window: window, maxKeys: maxKeys, now: now, m: make(map[string]*refusals)}
}

// Refused counts one refused attempt for key, from the source address addr
// ("" when unknown). It returns a report when one is due: the first
// refusal of a key is reported at once, later ones once the window since
// the last report has passed.
func (l *RefusalLog) Refused(key, tag, addr string) (Refusal, bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	if !ok {
		if len(l.m) >= l.maxKeys {
			key, tag = "overflow", ""
			e, ok = l.m[key]
		}
		if !ok {
			e = &refusals{}
			l.m[key] = e
		}
	}
	if e.count == 0 {
		e.since = now
	}
	e.count++
	e.tag = tag
	e.note(addr)
	if !e.reported.IsZero() && now.Sub(e.reported) < l.window {
		return Refusal{}, false
	}
	return e.take(key, now), true
}

// Due returns the folded counts whose window has passed (all of them when
// all is set) and forgets keys with nothing folded and a window passed.
func (l *RefusalLog) Due(all bool) []Refusal {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Refusal
	for k, e := range l.m {
		passed := now.Sub(e.reported) >= l.window
		switch {
		case e.count > 0 && (all || passed):
			out = append(out, e.take(k, now))
		case e.count == 0 && passed:
			delete(l.m, k)
		}
	}
	return out
}
