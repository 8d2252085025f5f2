package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"

	"github.com/wardhealth/ward"
)

// Recovery codes: RecoveryCodeCount one-time codes handed out at MFA
// enrolment, each 12 characters from a 32-letter alphabet (60 bits), shown
// as "xxxx-xxxx-xxxx". Only their SHA-256 hashes are stored: the codes are
// random and long enough that a fast hash is sound.
const (
	RecoveryCodeCount = 10
	recoveryCodeLen   = 12
	// recoveryAlphabet is Crockford's base32, lower case: no i, l, o or u,
	// so a code read aloud or copied by hand survives.
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	recoveryDomain   = "ward recovery code v1\x00"
)

// NewRecoveryCodes returns RecoveryCodeCount fresh codes to show the user
// once, and their hashes, in the same order, to store.
func NewRecoveryCodes() (codes, hashes []string) {
	codes = make([]string, RecoveryCodeCount)
	hashes = make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, recoveryCodeLen)
		rand.Read(b)
		for j := range b {
			b[j] = recoveryAlphabet[b[j]&31] // 256 is a multiple of 32: no bias
		}
		s := string(b)
		codes[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12]
		hashes[i] = hashRecovery(s)
	}
	return codes, hashes
}

// normalizeRecoveryCode accepts what a person types: any case, with or
// without dashes and spaces, and the letters Crockford maps to digits
// (i and l to 1, o to 0). ok is false when the result cannot be a code.
func normalizeRecoveryCode(code string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch r {
		case ' ', '-':
			continue
		case 'i', 'l':
			r = '1'
		case 'o':
			r = '0'
		}
		if !strings.ContainsRune(recoveryAlphabet, r) || b.Len() >= recoveryCodeLen {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), b.Len() == recoveryCodeLen
}

func hashRecovery(normalized string) string {
	sum := sha256.Sum256([]byte(recoveryDomain + normalized))
	return hex.EncodeToString(sum[:])
}

// HashRecoveryCode returns the stored form of a recovery code, or a
// CodeInvalid error if code is not shaped like one.
func HashRecoveryCode(code string) (string, error) {
	n, ok := normalizeRecoveryCode(code)
	if !ok {
		return "", ward.Errorf(ward.CodeInvalid, "a recovery code is 12 letters and digits, like 7k2m-qx9d-4hfw")
	}
	return hashRecovery(n), nil
}

// MatchRecoveryCode reports which of the stored hashes code matches, so the
// caller can delete that one (each code works once). Every hash is compared,
// in constant time, whatever matched. A malformed code matches nothing.
func MatchRecoveryCode(code string, hashes []string) (index int, ok bool) {
	h, err := HashRecoveryCode(code)
	if err != nil {
		return -1, false
	}
	index = -1
	for i, s := range hashes {
		if subtle.ConstantTimeCompare([]byte(h), []byte(s)) == 1 && index < 0 {
			index = i
		}
	}
	return index, index >= 0
}
