// Package cfunc is what ward's extensions of SQLite (walvfs, pagecache)
// need to work through modernc.org/sqlite's C interface from Go: storing
// and reading C function pointers, and turning addresses in C memory into
// pointers.
package cfunc
