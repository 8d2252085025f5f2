// Package sealedtar is the file layout that compliance archives (package
// archive) and backups (package backup) share: a tar stream inside an age
// stream (X25519 to a recipient, or scrypt to a passphrase), whose entries
// end in manifest.json (each entry's size and SHA-256) and manifest.sig
// (an Ed25519 signature of the manifest, under a domain of the kind's
// own). Writer writes one; Read decrypts one, hashes every entry as it
// passes and checks the manifest's signature and every entry against it.
// What the entries and the rest of the manifest hold is the caller's.
package sealedtar
