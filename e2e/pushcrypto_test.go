package e2e

// The checks of the suite's push service (pushservice_test.go), ported from
// the main module's internal/notify/push/pushtest: RFC 8292 VAPID and the
// RFC 8291 decryption a phone's browser does.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// checkVAPID checks an Authorization header of RFC 8292 §3:
// "vapid t=<JWT>, k=<public key>": k is the expected key, the JWT is ES256
// signed by it, its aud is the push resource's origin, its exp is in the
// future and at most 24 hours away, and its sub is a mailto: or https: URL.
func checkVAPID(header, wantKey, origin string, now time.Time) error {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return errors.New("vapid: no vapid Authorization")
	}
	var token, key string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			token = v
		case "k":
			key = v
		}
	}
	if wantKey == "" || key != wantKey {
		return fmt.Errorf("vapid: k is not the server's VAPID key")
	}
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return fmt.Errorf("vapid: k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return fmt.Errorf("vapid: k: %w", err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("vapid: t is not a JWT")
	}
	var hdr struct{ Alg, Typ string }
	if err := decodeJSON(parts[0], &hdr); err != nil || hdr.Alg != "ES256" {
		return fmt.Errorf("vapid: JWT header: alg %q, %v", hdr.Alg, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errors.New("vapid: JWT signature is not 64 bytes (r || s)")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("vapid: JWT signature does not verify with k")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodeJSON(parts[1], &claims); err != nil {
		return fmt.Errorf("vapid: JWT claims: %w", err)
	}
	exp := time.Unix(claims.Exp, 0)
	switch {
	case claims.Aud != origin:
		return fmt.Errorf("vapid: aud %q, want %q", claims.Aud, origin)
	case !exp.After(now) || exp.After(now.Add(24*time.Hour)):
		return fmt.Errorf("vapid: exp %v is not within 24 hours", exp)
	case !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:"):
		return fmt.Errorf("vapid: sub %q is not a mailto: or https: URL", claims.Sub)
	}
	return nil
}

func decodeJSON(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// decryptPush decrypts an aes128gcm body (RFC 8188) with the keys of RFC 8291
// §3.4: the sender's public key is the header's keyid.
func decryptPush(r *http.Request, sub *pushSub) ([]byte, error) {
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return nil, fmt.Errorf("encryption: Content-Encoding %q", ce)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8192))
	if err != nil {
		return nil, err
	}
	if len(body) > 4096 {
		return nil, errors.New("encryption: body over 4096 bytes (RFC 8291 §4)")
	}
	if len(body) < 21 || len(body) < 21+int(body[20]) {
		return nil, errors.New("encryption: short header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	asPub, records := body[21:21+idlen], body[21+idlen:]
	if uint32(len(records)) > rs {
		return nil, errors.New("encryption: more than one record")
	}
	as, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		return nil, fmt.Errorf("encryption: keyid is not a P-256 key: %w", err)
	}
	secret, err := sub.key.ECDH(as)
	if err != nil {
		return nil, err
	}
	// IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0 || ua_public || as_public, 32)
	info := append(append([]byte("WebPush: info\x00"), sub.key.PublicKey().Bytes()...), asPub...)
	prkKey, err := hkdf.Extract(sha256.New, secret, sub.auth)
	if err != nil {
		return nil, err
	}
	ikm, err := hkdf.Expand(sha256.New, prkKey, string(info), 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, records, nil)
	if err != nil {
		return nil, fmt.Errorf("encryption: %w", err)
	}
	// The last record: data || 0x02 || zero padding.
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 0x02 {
		return nil, errors.New("encryption: no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
