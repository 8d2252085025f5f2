package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Device secrets bind a device to what the server issued it at its first
// sign-in: 32 random bytes, shown once, kept by the client (the web client
// in IndexedDB), stored as a SHA-256 hash. A later sign-in that names the
// device's id without its secret is a new device.
const (
	DeviceSecretPrefix = "ward_d_"
	deviceSecretBytes  = 32
	// DeviceSecretLen is the length of a device secret.
	DeviceSecretLen = len(DeviceSecretPrefix) + 43
)

// NewDeviceSecret returns a new device secret and its stored hash.
func NewDeviceSecret() (secret, hash string) {
	b := make([]byte, deviceSecretBytes)
	rand.Read(b)
	secret = DeviceSecretPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashDeviceSecret(secret)
}

// HashDeviceSecret returns the stored form of a device secret (hex
// SHA-256; a fast hash suits a 256-bit random secret), or "" for anything
// not shaped like one, which then matches no device.
func HashDeviceSecret(secret string) string {
	rest, ok := strings.CutPrefix(secret, DeviceSecretPrefix)
	if !ok || len(secret) != DeviceSecretLen {
		return ""
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(rest); err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
