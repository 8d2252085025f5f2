// Package walvfs registers a SQLite VFS, for modernc.org/sqlite, that hands
// a transaction's WAL frames to the kernel in one write instead of two a
// frame.
//
// SQLite writes every WAL frame as two pwrite calls, its 24-byte header and
// its page, one after the other: a group commit of a hundred sends that
// changes three hundred pages makes six hundred syscalls before its fsync.
// On a virtual machine where each syscall is dear that was a third of the
// single writer's time. The VFS named [Name] wraps the platform's default VFS
// and changes one thing: writes to a -wal file that continue the previous
// one are gathered in memory and written with one call before anything can
// depend on them being in the file:
//
//   - before xSync, so a commit is on disk exactly as before (synchronous=FULL
//     syncs the WAL at every commit, and that sync is what makes it visible
//     to other connections and durable);
//   - before any read, truncate, size query, file control or close of the
//     file, so the connection that wrote the frames reads them back;
//   - before a write that does not continue the gathered run, so writes reach
//     the file in the order SQLite made them;
//   - when the run reaches [maxRun] bytes.
//
// The database file, the shared-memory index and every other file are opened
// by the default VFS itself, with no layer in between; so are locks.
//
// A connection that opens a database through this VFS must use
// synchronous=FULL (or EXTRA): with NORMAL or OFF SQLite publishes a commit
// in the shared-memory index without syncing the WAL, and another connection
// could then look for frames still gathered here. ward's writer connection is
// the only one that uses it.
package walvfs
