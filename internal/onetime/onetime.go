package onetime

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/auth"
)

// Purpose names what a token is for; it prefixes every hash.
type Purpose string

// MaxTokenLen bounds a token a caller may present: longer is no token.
const MaxTokenLen = 100

// CodeTTL is how long a mailed code works; MaxCodeTries is how many wrong
// tries it takes before it stops working.
const (
	CodeTTL      = 10 * time.Minute
	MaxCodeTries = 5
)

// NewToken returns a new random link token (256 bits, base64url) and the
// hash to store for it.
func (p Purpose) NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, p.HashToken(token)
}

// HashToken is the stored form of token: hex SHA-256 under p.
func (p Purpose) HashToken(token string) string {
	h := sha256.Sum256([]byte(string(p) + "\x00" + token))
	return hex.EncodeToString(h[:])
}

// ValidToken reports whether token could be one of ours (not empty, not
// too long), so that junk is refused before any look-up.
func ValidToken(token string) bool { return token != "" && len(token) <= MaxTokenLen }

// Link is the link of token under base (the public origin) and path
// ("/invite/", "/outside/").
func Link(base, path, token string) string {
	return strings.TrimRight(base, "/") + path + token
}

// NewCode returns a new six-digit code.
func NewCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// HashCode is the stored form of a code mailed for the token that hashes to
// tokenHash: the code is only good with its own link.
func (p Purpose) HashCode(tokenHash, code string) string {
	h := sha256.Sum256([]byte(string(p) + "-code\x00" + tokenHash + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// Code is a code as stored: its hash ("" none sent), expiry and wrong tries.
type Code struct {
	Hash      string
	ExpiresAt time.Time
	Tries     int
}

// Check compares code, as typed, with c, the code stored for the token
// hashing to tokenHash. It answers ok, or whether the try was wrong and is
// to be counted (a code that is missing, expired or tried too often is
// refused without counting). Either refusal is CodeCodeRequired for the
// caller (Refused).
func (p Purpose) Check(c Code, tokenHash, code string, now time.Time) (ok, count bool) {
	code = strings.TrimSpace(code)
	if c.Hash == "" || !now.Before(c.ExpiresAt) || c.Tries >= MaxCodeTries {
		return false, false
	}
	if subtle.ConstantTimeCompare([]byte(p.HashCode(tokenHash, code)), []byte(c.Hash)) != 1 {
		return false, true
	}
	return true, false
}

// Refused is the one answer to a missing, wrong, expired or exhausted code.
func Refused() error {
	return ward.Errorf(ward.CodeCodeRequired, "enter the code we emailed you, or ask for a new one")
}

// Gate throttles the public routes of one purpose per source address and
// per token: every failure counts on both, and either over its budget
// refuses the next attempt with CodeRateLimited.
type Gate struct {
	p          Purpose
	addr, toks *auth.Throttle
}

// NewGate builds a gate with ward's sign-in budgets (auth.AddressThrottle
// per address, auth.AccountThrottle per token) on the clock now.
func NewGate(p Purpose, now func() time.Time) *Gate {
	ac, tc := auth.AddressThrottle(), auth.AccountThrottle()
	ac.Now, tc.Now = now, now
	return &Gate{p: p, addr: auth.NewThrottle(ac), toks: auth.NewThrottle(tc)}
}

// Enter lets an attempt with token from ip through, or refuses it; fail
// counts a failure of the attempt let through.
func (g *Gate) Enter(ip, token string) (fail func(), err error) {
	addrKey, tokKey := string(g.p)+"-addr:"+auth.AddressKey(ip), string(g.p)+"-tok:"+g.p.HashToken(token)
	for _, t := range []struct {
		th  *auth.Throttle
		key string
	}{{g.addr, addrKey}, {g.toks, tokKey}} {
		if wait, ok := t.th.Check(t.key); !ok {
			return nil, rateLimited(wait)
		}
	}
	return func() { g.addr.Failure(addrKey); g.toks.Failure(tokKey) }, nil
}

// Guard runs fn behind the gate for an attempt with token from ip: refused
// when over budget, and a failure counted when counts(fn's error).
func (g *Gate) Guard(ip, token string, counts func(error) bool, fn func() error) error {
	fail, err := g.Enter(ip, token)
	if err != nil {
		return err
	}
	err = fn()
	if counts(err) {
		fail()
	}
	return err
}

func rateLimited(wait time.Duration) error {
	return &ward.Error{Code: ward.CodeRateLimited, Message: "too many attempts; try again later", RetryAfter: max(wait, time.Second)}
}
