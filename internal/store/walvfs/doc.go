// Package walvfs registers a SQLite VFS, for modernc.org/sqlite, that hands
// a transaction's WAL frames to the kernel in one write instead of two a
// frame, and leaves the fsync of a commit to its caller.
//
// SQLite writes every WAL frame as two pwrite calls, its 24-byte header and
// its page, one after the other: a group commit of a hundred sends that
// changes three hundred pages makes six hundred syscalls before its fsync.
// On a virtual machine where each syscall is dear that was a third of the
// single writer's time. The VFS named [Name] wraps the platform's default VFS
// and changes two things for -wal files.
//
// Writes that continue the previous one are gathered in memory and written
// with one call before anything can depend on them being in the file:
//
//   - before xSync, so a commit's frames are in the file before SQLite
//     publishes it in the shared-memory index, where other connections
//     look;
//   - before any read, truncate, size query, file control or close of the
//     file, so the connection that wrote the frames reads them back;
//   - before a write that does not continue the gathered run, so writes reach
//     the file in the order SQLite made them;
//   - when the run reaches [maxRun] bytes.
//
// And the fsync that synchronous=FULL makes at every commit is left to the
// caller, who calls [SyncWAL] once the commit has returned and counts the
// commit as made only after that: the writer so goes on to its next
// transaction while the disk syncs the last one (about half of its time
// under a send load was that wait). Two syncs are still made here: a
// commit's that starts the WAL over (its new header), and a checkpoint's,
// which must find on disk every frame it copies into the database. A crash
// of the process loses nothing either way (written frames are the kernel's);
// a power cut before SyncWAL returned loses commits nobody was told of, and
// the WAL stays valid up to its last whole commit, as SQLite's
// synchronous=NORMAL promises. Other connections see a commit as soon as it
// is published, before SyncWAL: internal/store makes its reads wait for it.
//
// The database file, the shared-memory index and every other file are opened
// by the default VFS itself, with no layer in between; so are locks.
//
// A connection that opens a database through this VFS must use
// synchronous=FULL (or EXTRA): with NORMAL or OFF SQLite publishes a commit
// without calling xSync, and another connection could then look for frames
// still gathered here. ward's writer connection is the only one that uses
// it.
package walvfs
