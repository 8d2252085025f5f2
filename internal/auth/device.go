package auth

// Device secrets bind a device to what the server issued it at its first
// sign-in: an opaque secret (opaque.go), shown once, kept by the client (the
// web client in IndexedDB), stored as its SHA-256 hash. A later sign-in that
// names the device's id without its secret is a new device.
const DeviceSecretPrefix = "ward_d_"

// DeviceSecretLen is the length of a device secret.
const DeviceSecretLen = len(DeviceSecretPrefix) + 43 // 32 bytes in unpadded base64url

// NewDeviceSecret returns a new device secret and its stored hash.
func NewDeviceSecret() (secret, hash string) { return newOpaque(DeviceSecretPrefix) }

// HashDeviceSecret returns the stored form of a device secret, or "" for
// anything not shaped like one, which then matches no device.
func HashDeviceSecret(secret string) string {
	if !validOpaque(DeviceSecretPrefix, secret) {
		return ""
	}
	return hashOpaque(secret)
}
