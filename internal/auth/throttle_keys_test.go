package auth

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":          "203.0.113.9",
		"::ffff:203.0.113.9":   "203.0.113.9",
		"2001:db8:1:2::1":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRefusalLogFolds(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewRefusalLog(time.Minute, 2, func() time.Time { return now })
	if r, ok := l.Refused("a", "org1", ""); !ok || r.Count != 1 {
		t.Fatalf("first refusal: %+v %v, want reported with count 1", r, ok)
	}
	for range 5 {
		now = now.Add(time.Second)
		if _, ok := l.Refused("a", "org1", ""); ok {
			t.Fatal("reported twice within the window")
		}
	}
	now = now.Add(time.Minute)
	if r, ok := l.Refused("a", "org1", ""); !ok || r.Count != 6 || r.Tag != "org1" {
		t.Fatalf("after the window: %+v %v, want count 6", r, ok)
	}
	l.Refused("b", "", "")
	l.Refused("c", "", "") // over maxKeys: folds into overflow
	l.Refused("d", "", "")
	due := l.Due(true)
	total := 0
	for _, r := range due {
		total += r.Count
	}
	if total != 1 { // d's refusal, folded into overflow after c's report
		t.Errorf("due %+v, want one folded refusal", due)
	}
	now = now.Add(2 * time.Minute)
	if due := l.Due(false); len(due) != 0 {
		t.Errorf("nothing folded, yet due %+v", due)
	}
	if len(l.m) != 0 {
		t.Errorf("%d keys kept after their windows passed with nothing folded", len(l.m))
	}
}

// A report names the addresses the folded attempts came from: the first
// MaxRefusalAddresses distinct ones, and how many others.
func TestRefusalLogNamesAddresses(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewRefusalLog(time.Minute, 10, func() time.Time { return now })
	if r, _ := l.Refused("user:u1", "org1", "203.0.113.1"); len(r.Addresses) != 1 || r.Addresses[0] != "203.0.113.1" {
		t.Fatalf("first report: %+v", r)
	}
	for i := range 9 {
		l.Refused("user:u1", "org1", fmt.Sprintf("198.51.100.%d", i%7))
	}
	l.Refused("user:u1", "org1", "")
	due := l.Due(true)
	if len(due) != 1 {
		t.Fatalf("due %+v", due)
	}
	r := due[0]
	want := []string{"198.51.100.0", "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"}
	if r.Count != 10 || !slices.Equal(r.Addresses, want) || r.MoreAddresses != 2 {
		t.Errorf("folded report %+v, want 10 attempts from %v and 2 more", r, want)
	}
	now = now.Add(2 * time.Minute)
	if r, _ := l.Refused("user:u1", "org1", "192.0.2.9"); len(r.Addresses) != 1 || r.Addresses[0] != "192.0.2.9" || r.MoreAddresses != 0 {
		t.Errorf("the next fold starts afresh: %+v", r)
	}
}
