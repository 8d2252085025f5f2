package onetime

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// TestInvitationHashes: Purpose "ward-invitation" hashes tokens and codes
// as patient invitations store them (internal/app/invitations.go), so they
// can move here without breaking links already mailed.
func TestInvitationHashes(t *testing.T) {
	p := Purpose("ward-invitation")
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	if got, want := p.HashToken("tok"), sum("ward-invitation\x00tok"); got != want {
		t.Errorf("HashToken %s, want %s", got, want)
	}
	if got, want := p.HashCode("th", "123456"), sum("ward-invitation-code\x00th\x00123456"); got != want {
		t.Errorf("HashCode %s, want %s", got, want)
	}
	if Purpose("ward-outside").HashToken("tok") == p.HashToken("tok") {
		t.Error("two purposes hash a token alike")
	}
}

func TestTokenAndCode(t *testing.T) {
	p := Purpose("test")
	tok, hash := p.NewToken()
	tok2, _ := p.NewToken()
	if len(tok) != 43 || tok == tok2 || p.HashToken(tok) != hash || !ValidToken(tok) || ValidToken("") || ValidToken(string(make([]byte, 101))) {
		t.Fatalf("tokens %q %q", tok, tok2)
	}
	code, err := NewCode()
	if err != nil || len(code) != 6 {
		t.Fatalf("code %q %v", code, err)
	}
	now := time.Unix(1000, 0)
	c := Code{Hash: p.HashCode(hash, code), ExpiresAt: now.Add(CodeTTL)}
	for _, tc := range []struct {
		name      string
		c         Code
		code      string
		at        time.Time
		ok, count bool
	}{
		{"right", c, " " + code + " ", now, true, false},
		{"wrong", c, "x" + code[1:], now, false, true},
		{"expired", c, code, now.Add(CodeTTL), false, false},
		{"none sent", Code{}, code, now, false, false},
		{"tried too often", Code{Hash: c.Hash, ExpiresAt: c.ExpiresAt, Tries: MaxCodeTries}, code, now, false, false},
		{"another link's", c, code, now, false, true},
	} {
		th := hash
		if tc.name == "another link's" {
			th = p.HashToken(tok2)
		}
		if ok, count := p.Check(tc.c, th, tc.code, tc.at); ok != tc.ok || count != tc.count {
			t.Errorf("%s: ok %v count %v, want %v %v", tc.name, ok, count, tc.ok, tc.count)
		}
	}
	if ward.ErrorCode(Refused()) != ward.CodeCodeRequired {
		t.Error(Refused())
	}
}

// TestGate: failures from one address, or on one token, end in
// rate_limited; a token that has not failed from a fresh address passes.
func TestGate(t *testing.T) {
	now := time.Unix(1000, 0)
	g := NewGate("test", func() time.Time { return now })
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		var fail func()
		if fail, err = g.Enter("192.0.2.1", "tok"); err == nil {
			fail()
		}
	}
	if ward.ErrorCode(err) != ward.CodeRateLimited {
		t.Fatalf("after 100 failures: %v", err)
	}
	if _, err := g.Enter("192.0.2.9", "tok"); ward.ErrorCode(err) != ward.CodeRateLimited {
		t.Errorf("the failed token from another address: %v", err)
	}
	if _, err := g.Enter("198.51.100.7", "other"); err != nil {
		t.Errorf("another token from another address: %v", err)
	}
}

// TestGuard: a refusal that counts is counted on the gate, one that does
// not count is not, and over budget fn is not run at all.
func TestGuard(t *testing.T) {
	now := time.Unix(1000, 0)
	g := NewGate("test", func() time.Time { return now })
	notFound := ward.Errorf(ward.CodeNotFound, "no such link")
	counts := func(err error) bool { return ward.ErrorCode(err) == ward.CodeNotFound }
	for i := 0; i < 100; i++ {
		if err := g.Guard("192.0.2.1", "ok", counts, func() error { return ward.Errorf(ward.CodeInvalid, "not counted") }); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Fatalf("an uncounted refusal, try %d: %v", i, err)
		}
	}
	ran := 0
	var err error
	for i := 0; i < 100 && ward.ErrorCode(err) != ward.CodeRateLimited; i++ {
		err = g.Guard("192.0.2.2", "bad", counts, func() error { ran++; return notFound })
	}
	if ward.ErrorCode(err) != ward.CodeRateLimited || ran == 0 || ran >= 100 {
		t.Fatalf("counted refusals: ran %d, last %v", ran, err)
	}
}
