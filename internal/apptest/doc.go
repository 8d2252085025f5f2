// Package apptest builds a real App for tests: a SQLite store in a temp
// dir, a keyring with a file master key, an audit recorder, a fake clock
// and an org with its owner. Tests in app, httpapi and e2e share it.
package apptest
