//go:build !unix

package keyring

// lockFile is a no-op where advisory file locks are not available: run one
// 'ward keys rotate --master' at a time.
func lockFile(string) (func(), error) { return func() {}, nil }
