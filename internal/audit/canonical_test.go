package audit_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward/internal/audit"
)

func FuzzCanonical(f *testing.F) {
	f.Add(int64(1), t0.UnixMicro(), "org", "user", "role", "dev", "10.0.0.1", "message.read", "message", "m1", "p1", "success", "why")
	f.Add(int64(0), int64(-1), "", "", "", "", "", "", "", "", "", "", "")
	f.Add(int64(-5), int64(1)<<62, "a\x00b", "", "ab", "", "", "", "", "", "", "", "\xff")
	f.Fuzz(func(t *testing.T, seq, us int64, org, user, role, dev, ip, action, rtype, rid, patient, outcome, reason string) {
		e := audit.Event{Seq: seq, Time: time.UnixMicro(us).UTC(), OrgID: org,
			Actor:  audit.Actor{UserID: user, Role: role, DeviceID: dev, IP: ip},
			Action: audit.Action(action), ResourceType: rtype, ResourceID: rid, PatientID: patient,
			Outcome: audit.Outcome(outcome), Reason: reason}
		enc := audit.AppendCanonical(nil, &e)
		got, err := audit.DecodeCanonical(enc)
		if err != nil {
			t.Fatalf("decode(encode(e)): %v", err)
		}
		if !cmp.Equal(e, got) {
			t.Fatalf("round trip:\n%+v\n%+v", e, got)
		}
		// Moving one byte between neighbouring fields changes the encoding.
		if len(org) > 0 {
			e2 := e
			e2.OrgID, e2.Actor.UserID = org[:len(org)-1], org[len(org)-1:]+user
			if bytes.Equal(enc, audit.AppendCanonical(nil, &e2)) {
				t.Fatal("two different events encode alike")
			}
		}
		// Arbitrary bytes never panic, and what decodes re-encodes exactly.
		raw := []byte(org + reason)
		if d, err := audit.DecodeCanonical(raw); err == nil && !bytes.Equal(raw, audit.AppendCanonical(nil, &d)) {
			t.Fatalf("non-canonical bytes %x decoded", raw)
		}
		for i := range len(enc) {
			if _, err := audit.DecodeCanonical(enc[:i]); err == nil {
				t.Fatalf("a truncated encoding (%d of %d bytes) decoded", i, len(enc))
			}
		}
	})
}

func TestCanonicalIsStable(t *testing.T) {
	e := event(1)
	e.Seq, e.Time = 7, t0
	got := audit.ChainHash(make([]byte, audit.HashSize), &e)
	// A change to the encoding is a new version, never an edit: this golden pins it.
	const want = "4a0f2f85c0c118ebc0aa9dd0d73f372db397216d74598e18e46d3efc5eb50246"
	if h := hex.EncodeToString(got); h != want {
		t.Fatalf("chain hash %s, want %s", h, want)
	}
}

func TestActionsAreClosedAndDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/audit.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[audit.Action]bool{}
	for _, a := range audit.Actions() {
		if !a.Valid() || seen[a] {
			t.Errorf("action %q: valid %v, listed twice %v", a, a.Valid(), seen[a])
		}
		seen[a] = true
		if !strings.Contains(string(doc), "`"+string(a)+"`") {
			t.Errorf("docs/audit.md does not list `%s`", a)
		}
	}
	for _, a := range []audit.Action{"", "message.Read", "device.wiped", "login.succeeded "} {
		if a.Valid() {
			t.Errorf("%q is valid", a)
		}
	}
}
