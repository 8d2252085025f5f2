// Package storetest opens real, migrated, throw-away stores for tests: a
// SQLite file in a temp dir always, and a fresh PostgreSQL schema when
// WARD_TEST_POSTGRES names a database (e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
package storetest
