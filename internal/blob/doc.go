// Package blob keeps attachment ciphertexts: opaque, already-sealed byte
// streams under keys that internal/app chooses (ids, never file names). Dir,
// a folder in the data dir, is the default for one node; S3, an
// S3-compatible bucket (minio-go), is shared by the nodes of a cluster and
// also keeps named objects for backups. Open picks one from --blobs.
// Nothing here sees plaintext or decides who may read what.
package blob
