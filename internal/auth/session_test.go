package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNewSessionToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, hash := NewSessionToken()
		if !strings.HasPrefix(tok, "ward_s_") || len(tok) != 50 || SessionTokenLen != 50 {
			t.Fatalf("token %q: want ward_s_ and 43 base64url characters", tok)
		}
		if !ValidSessionTokenFormat(tok) {
			t.Fatalf("ValidSessionTokenFormat(%q) = false", tok)
		}
		sum := sha256.Sum256([]byte(tok))
		if hash != hex.EncodeToString(sum[:]) || HashSessionToken(tok) != hash {
			t.Fatalf("hash %q is not the hex SHA-256 of the token", hash)
		}
		if seen[tok] {
			t.Fatal("token repeats")
		}
		seen[tok] = true
	}
}

func TestValidSessionTokenFormat(t *testing.T) {
	good, _ := NewSessionToken()
	for _, tt := range []struct {
		name, tok string
		want      bool
	}{
		{"good", good, true},
		{"empty", "", false},
		{"prefix only", "ward_s_", false},
		{"wrong prefix", "ward_x_" + good[7:], false},
		{"one short", good[:len(good)-1], false},
		{"one long", good + "A", false},
		{"padding", good[:len(good)-1] + "=", false},
		{"standard base64", good[:len(good)-1] + "+", false},
		{"space", good[:len(good)-1] + " ", false},
		// 43 characters carry 258 bits for 256: the last one's low 2 bits must be 0.
		{"non-canonical last character", good[:len(good)-1] + "B", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidSessionTokenFormat(tt.tok); got != tt.want {
				t.Fatalf("ValidSessionTokenFormat(%q) = %v, want %v", tt.tok, got, tt.want)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	a, _ := NewSessionToken()
	b, _ := NewSessionToken()
	ca := CSRFToken(a)
	if len(ca) != 43 || ca == CSRFToken(b) || ca != CSRFToken(a) {
		t.Fatalf("CSRFToken: %q", ca)
	}
	if strings.Contains(a, ca) || ca == HashSessionToken(a) {
		t.Fatal("CSRF token reveals the session token or its stored hash")
	}
	for _, tt := range []struct {
		name, session, got string
		want               bool
	}{
		{"right", a, ca, true},
		{"other session", b, ca, false},
		{"empty token", a, "", false},
		{"empty session", "", CSRFToken(""), false},
		{"truncated", a, ca[:42], false},
		{"the session token itself", a, a, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckCSRF(tt.session, tt.got); got != tt.want {
				t.Fatalf("CheckCSRF = %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkSessionTokenHash(b *testing.B) {
	tok, _ := NewSessionToken()
	for b.Loop() {
		_ = HashSessionToken(tok)
	}
}

func BenchmarkNewSessionToken(b *testing.B) {
	for b.Loop() {
		_, _ = NewSessionToken()
	}
}
