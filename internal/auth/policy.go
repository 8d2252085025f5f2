package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/wardhealth/ward"
)

// The password length limits. SP 800-63B asks for at least 8 characters and
// for allowing at least 64; ward asks for 12 (runes, after NFKC) and allows
// long passphrases up to MaxPasswordBytes.
const (
	MinPasswordRunes = 12
	MaxPasswordBytes = 1024
)

// CheckPassword applies ward's password policy (NIST SP 800-63B §5.1.1.2) to
// a password being set. personal lists what the password must not be: the
// user's email, name, org name and the like. There are no composition rules
// (no "one digit, one symbol"): spaces, any Unicode and pasting are all fine.
// A password is refused when it is
//
//   - not valid UTF-8, or contains control characters;
//   - shorter than MinPasswordRunes characters or longer than MaxPasswordBytes bytes;
//   - on the shipped list of common passwords, alone or followed by digits
//     or symbols ("password2024!");
//   - one character or a short group repeated ("abcabcabcabc"), or a run of
//     consecutive letters or digits ("abcdefghijkl", "123456789012");
//   - one of personal, alone or followed by digits or symbols.
//
// The error is a *ward.Error with CodeInvalid and a message for the user; it
// never contains the password.
func CheckPassword(password string, personal ...string) error {
	if !utf8.ValidString(password) {
		return invalidPassword("the password contains bytes that are not text (invalid UTF-8)")
	}
	if len(password) > MaxPasswordBytes {
		return invalidPassword("the password is too long: at most %d bytes", MaxPasswordBytes)
	}
	if strings.ContainsFunc(password, unicode.IsControl) {
		return invalidPassword("the password must not contain control characters such as tabs or line breaks")
	}
	pw := norm.NFKC.String(password)
	if n := utf8.RuneCountInString(pw); n < MinPasswordRunes {
		return invalidPassword("the password is too short: use at least %d characters (a few words make a good one)", MinPasswordRunes)
	}
	lower := strings.ToLower(pw)
	if isCommonPassword(lower) || isCommonPassword(stripTrailingNonLetters(lower)) {
		return invalidPassword("this password is too common and easy to guess; choose another")
	}
	if isRepetitive(lower) || isSequential(lower) {
		return invalidPassword("the password is too predictable (repeated or consecutive characters); choose another")
	}
	if matchesPersonal(lower, personal) {
		return invalidPassword("the password must not be your email address or your name")
	}
	return nil
}

func invalidPassword(format string, args ...any) error {
	return ward.Errorf(ward.CodeInvalid, format, args...)
}

// stripTrailingNonLetters removes the digits, symbols and spaces at the end
// of s: "summer2024!" becomes "summer".
func stripTrailingNonLetters(s string) string {
	return strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// isRepetitive reports whether s is one group of at most 4 runes repeated.
func isRepetitive(s string) bool {
	rs := []rune(s)
	for unit := 1; unit <= 4 && unit < len(rs); unit++ {
		if len(rs)%unit != 0 {
			continue
		}
		same := true
		for i := unit; i < len(rs) && same; i++ {
			same = rs[i] == rs[i-unit]
		}
		if same {
			return true
		}
	}
	return false
}

// isSequential reports whether s is a run of consecutive digits or letters,
// up or down ("0123456789", "9876543210", "abcdefghijkl"), where digits wrap
// from 9 to 0.
func isSequential(s string) bool {
	rs := []rune(s)
	if len(rs) < 2 {
		return false
	}
	// step is +1 or -1 for neighbours (digits wrap 9→0), else 0.
	step := func(a, b rune) int {
		switch {
		case isDigit(a) && isDigit(b):
			switch (b - a + 10) % 10 {
			case 1:
				return 1
			case 9:
				return -1
			}
		case a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z' && (b-a == 1 || a-b == 1):
			return int(b - a)
		}
		return 0
	}
	first := step(rs[0], rs[1])
	if first == 0 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if step(rs[i-1], rs[i]) != first {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// matchesPersonal reports whether lower is one of personal (or an email's
// local part), compared without spaces, dots, dashes and underscores, and
// alone or followed by digits or symbols.
func matchesPersonal(lower string, personal []string) bool {
	pw := squash(lower)
	bare := squash(stripTrailingNonLetters(lower))
	for _, p := range personal {
		p = strings.ToLower(norm.NFKC.String(strings.TrimSpace(p)))
		if p == "" {
			continue
		}
		cands := []string{p}
		if local, _, ok := strings.Cut(p, "@"); ok {
			cands = append(cands, local)
		}
		for _, c := range cands {
			if c = squash(c); len(c) >= 3 && (c == pw || c == bare) {
				return true
			}
		}
	}
	return false
}

// squash drops spaces and the punctuation that joins names and emails.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune(".-_'", r) {
			return -1
		}
		return r
	}, s)
}
