// Package sealedblob stores files sealed in the blob store, as attachments
// (internal/attachments) and BAA documents (internal/baa) are: the file
// streams through the keyring's encryption (keyring.NewEncryptWriter) into
// the blob store under a random key that says nothing about it, and
// nothing is left behind when that fails.
package sealedblob
