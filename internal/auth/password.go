package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/wardhealth/ward"
)

// Params are the argon2id cost parameters. They are written into every
// encoded hash, so they can be raised later without breaking stored hashes:
// NeedsRehash tells when a hash was made with weaker ones.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's first argon2id recommendation: 19 MiB, two passes,
// one lane, a 16-byte salt and a 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Limits on parameters read back from a stored hash, so that a corrupt or
// hostile row cannot make a login allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB, in KiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

const phcPrefix = "$argon2id$v=19$"

// kdf is the key derivation function the Hasher calls; tests swap it to count
// concurrent calls.
type kdf func(password, salt []byte, p Params) []byte

func argon2idKDF(password, salt []byte, p Params) []byte {
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// normalizePassword applies Unicode NFKC, as SP 800-63B §5.1.1.2 recommends,
// so that the same passphrase typed on two keyboards hashes the same.
// Invalid UTF-8 passes through unchanged (the policy rejects it when a
// password is set, so it never matches a stored hash).
func normalizePassword(password string) []byte {
	return []byte(norm.NFKC.String(password))
}

// HashPassword returns the argon2id hash of password in PHC string form:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// It does not bound concurrency; servers hash through a Hasher.
func HashPassword(password string, p Params) (string, error) {
	return hashWith(argon2idKDF, password, p)
}

func hashWith(f kdf, password string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails (crypto/rand, Go ≥ 1.24)
	key := f(normalizePassword(password), salt, p)
	return encodePHC(p, salt, key), nil
}

// VerifyPassword reports whether password matches the encoded hash. The
// comparison is in constant time. An error means the stored hash is
// malformed (CodeIntegrity), not that the password is wrong.
func VerifyPassword(password, encoded string) (bool, error) {
	return verifyWith(argon2idKDF, password, encoded)
}

func verifyWith(f kdf, password, encoded string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, err
	}
	// A password over the limit can never have been set: it does the same
	// work on nothing and fails, rather than normalising megabytes.
	tooLong := len(password) > MaxPasswordBytes
	if tooLong {
		password = ""
	}
	got := f(normalizePassword(password), salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1 && !tooLong, nil
}

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be read), so that the caller, having just verified the
// password, should store a fresh hash.
func NeedsRehash(encoded string, p Params) bool {
	got, salt, key, err := decodePHC(encoded)
	if err != nil {
		return true
	}
	return got.Memory != p.Memory || got.Time != p.Time || got.Threads != p.Threads ||
		uint32(len(salt)) != p.SaltLen || uint32(len(key)) != p.KeyLen
}

func (p Params) check() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory,
		p.Time < 1 || p.Time > maxTime,
		p.Threads < 1,
		p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen,
		p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return ward.Errorf(ward.CodeInternal, "argon2id parameters out of range: %+v", p)
	}
	return nil
}

// encodePHC writes the PHC string; its base64 is the standard alphabet
// without padding.
func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func decodePHC(encoded string) (Params, []byte, []byte, error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, ward.Errorf(ward.CodeIntegrity, "stored password hash is malformed: %s", why)
	}
	rest, ok := strings.CutPrefix(encoded, phcPrefix)
	if !ok {
		return bad("not argon2id v19")
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return bad("wrong number of fields")
	}
	var p Params
	for i, kv := range strings.Split(parts[0], ",") {
		name, val, ok := strings.Cut(kv, "=")
		want := [...]string{"m", "t", "p"}
		if !ok || i >= len(want) || name != want[i] {
			return bad("parameters")
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return bad("parameter " + name)
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return bad("parameter p")
			}
			p.Threads = uint8(n)
		}
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[1])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil {
		return bad("base64")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return bad("parameters out of range")
	}
	return p, salt, key, nil
}
