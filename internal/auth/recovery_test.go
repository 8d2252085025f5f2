package auth

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

func TestNewRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes()
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes and %d hashes, want 10 each", len(codes), len(hashes))
	}
	re := regexp.MustCompile(`^[0-9abcdefghjkmnpqrstvwxyz]{4}-[0-9abcdefghjkmnpqrstvwxyz]{4}-[0-9abcdefghjkmnpqrstvwxyz]{4}$`)
	seen := map[string]bool{}
	for i, c := range codes {
		if !re.MatchString(c) {
			t.Errorf("code %q is not xxxx-xxxx-xxxx", c)
		}
		if seen[c] {
			t.Errorf("code %q repeats", c)
		}
		seen[c] = true
		if h, err := HashRecoveryCode(c); err != nil || h != hashes[i] {
			t.Errorf("hash of code %d = %q, %v; want %q", i, h, err, hashes[i])
		}
		if strings.Contains(hashes[i], strings.ReplaceAll(c, "-", "")) || len(hashes[i]) != 64 {
			t.Errorf("hash %q is not a SHA-256 hex digest hiding the code", hashes[i])
		}
	}
}

func TestMatchRecoveryCode(t *testing.T) {
	const code = "7k2m-qx9d-4hf0"
	hashes := []string{"", "ff", mustHashRecovery(t, "aaaa-bbbb-cccc"), mustHashRecovery(t, code)}
	for _, tt := range []struct {
		name, typed string
		want        int
	}{
		{"as shown", code, 3},
		{"upper case", "7K2M-QX9D-4HF0", 3},
		{"no dashes", "7k2mqx9d4hf0", 3},
		{"spaces", "7k2m qx9d 4hf0", 3},
		{"o for zero", "7k2m-qx9d-4hfo", 3},
		{"the other code", "AAAA BBBB CCCC", 2},
		{"wrong", "7k2m-qx9d-4hf1", -1},
		{"too short", "7k2m-qx9d-4hf", -1},
		{"too long", "7k2m-qx9d-4hf00", -1},
		{"u is not in the alphabet", "7k2m-qx9d-4hfu", -1},
		{"empty", "", -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MatchRecoveryCode(tt.typed, hashes)
			if got != tt.want || ok != (tt.want >= 0) {
				t.Fatalf("MatchRecoveryCode(%q) = %d, %v; want %d", tt.typed, got, ok, tt.want)
			}
		})
	}
	if _, ok := MatchRecoveryCode(code, nil); ok {
		t.Error("matched against no hashes")
	}
	if _, err := HashRecoveryCode("nope"); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Errorf("HashRecoveryCode(nope) err = %v, want invalid", err)
	}
}

func mustHashRecovery(t *testing.T, code string) string {
	t.Helper()
	h, err := HashRecoveryCode(code)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
