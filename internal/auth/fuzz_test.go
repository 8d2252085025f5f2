package auth

import (
	"testing"
	"time"
)

// FuzzUntrustedInputs runs the parsers of what a client sends — session
// tokens, TOTP codes, recovery codes — and of stored password hashes over
// arbitrary strings: none may panic, and none may accept garbage.
func FuzzUntrustedInputs(f *testing.F) {
	token, _ := NewSessionToken()
	codes, _ := NewRecoveryCodes()
	for _, s := range []string{token, codes[0], "123456", " 123 456 ", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$$", "", "ward_s_", "\xff\xfe", "0000-0000-0000"} {
		f.Add(s)
	}
	secret := "JBSWY3DPEHPK3PXP"
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if ValidSessionTokenFormat(s) && len(s) != SessionTokenLen {
			t.Fatalf("accepted a token of length %d", len(s))
		}
		_ = HashSessionToken(s)
		if _, err := ValidateTOTP(secret, s, now, 0); err == nil && len(s) < TOTPDigits {
			t.Fatalf("accepted TOTP code %q", s)
		}
		if _, ok := MatchRecoveryCode(s, nil); ok {
			t.Fatal("matched a recovery code against no hashes")
		}
		if p, _, _, err := decodePHC(s); err == nil {
			if err := p.check(); err != nil {
				t.Fatalf("decodePHC accepted unusable parameters %+v from %q", p, s)
			}
		}
		_ = CheckCSRF(s, s)
	})
}
