// Package blob keeps attachment ciphertexts: opaque, already-sealed byte
// streams under keys that internal/app chooses (ids, never file names). Dir,
// a folder in the data dir, is the default; the Store interface lets an
// S3-compatible store follow for multi-node deployments. Nothing here sees
// plaintext or decides who may read what.
package blob
