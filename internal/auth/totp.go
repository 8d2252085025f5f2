package auth

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/wardhealth/ward"
)

// TOTP parameters (RFC 6238): what every authenticator app understands.
const (
	TOTPIssuer     = "ward"
	TOTPPeriod     = 30 * time.Second
	TOTPDigits     = 6
	TOTPSkew       = 1  // steps accepted either side of now, for clock drift
	totpSecretSize = 20 // bytes: 160 bits, as RFC 4226 recommends
)

// TOTPKey is what enrolment hands out: the secret, which the caller seals
// before storing it (it is as sensitive as a password), and the otpauth://
// URL that an authenticator app reads from a QR code.
type TOTPKey struct {
	Secret string // base32, no padding
	URL    string // otpauth://totp/ward:<account>?secret=…&issuer=ward&…
}

// NewTOTPKey makes a fresh TOTP secret for account (the user's email).
func NewTOTPKey(account string) (TOTPKey, error) {
	if strings.TrimSpace(account) == "" {
		return TOTPKey{}, ward.Errorf(ward.CodeInvalid, "a TOTP key needs an account name")
	}
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer:      TOTPIssuer,
		AccountName: account,
		Period:      uint(TOTPPeriod / time.Second),
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return TOTPKey{}, ward.Wrap(ward.CodeInternal, err, "could not make a TOTP key")
	}
	return TOTPKey{Secret: k.Secret(), URL: k.URL()}, nil
}

// TOTPStep returns the RFC 6238 time step that t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// ValidateTOTP checks code against secret at time now, accepting the steps
// within TOTPSkew of now. lastStep is the step of the last code this user
// had accepted (0 if none): a code for that step or an earlier one is
// refused, so an observed code cannot be replayed. On success it returns the
// matched step, which the caller must store as the new lastStep in the same
// transaction that completes the sign-in.
//
// Errors are *ward.Error: CodeInvalid for a code that is not 6 digits,
// CodeUnauth for a wrong, expired or reused code, CodeIntegrity for a
// secret that is not base32.
func ValidateTOTP(secret, code string, now time.Time, lastStep int64) (int64, error) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != TOTPDigits || strings.ContainsFunc(code, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, ward.Errorf(ward.CodeInvalid, "the authentication code must be %d digits", TOTPDigits)
	}
	opts := hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	now0 := TOTPStep(now)
	var matched int64 = -1
	replayed := false
	// Every candidate step is computed and compared, whatever matched first.
	for s := now0 - TOTPSkew; s <= now0+TOTPSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), opts)
		if err != nil {
			return 0, ward.Wrap(ward.CodeIntegrity, err, "stored TOTP secret is malformed")
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			if s > lastStep && matched < 0 {
				matched = s
			} else if s <= lastStep {
				replayed = true
			}
		}
	}
	switch {
	case matched >= 0:
		return matched, nil
	case replayed:
		return 0, ward.Errorf(ward.CodeUnauth, "this authentication code was already used; wait for the next one")
	}
	return 0, ward.Errorf(ward.CodeUnauth, "the authentication code is wrong or has expired")
}
