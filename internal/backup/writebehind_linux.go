package backup

import (
	"os"

	"golang.org/x/sys/unix"
)

// writeBehind keeps a backup file from piling up in the page cache as
// dirty data. A backup writes gigabytes in a minute; left to the kernel,
// they wait in memory and are flushed in bursts (at the dirty ratio, and at
// the final fsync) during which the disk serves little else: the server's
// own commits, each an fsync of its WAL, then wait behind gigabytes of
// backup (on ext4 a journal commit also waits for other files' data).
// So, as each chunk of the file is complete, its writeback is started, the
// chunk before it is waited for and dropped from the cache (it is not read
// again): the file's dirty data stays under two chunks, and the server's
// commits wait behind at most that.
type writeBehind struct {
	fd      int
	written int64 // bytes written to the file
	started int64 // bytes whose writeback was started: a multiple of behindChunk
}

// behindChunk is the write-behind's unit: large enough that the disk writes
// it in big requests, small enough that waiting for it is short.
const behindChunk = 8 << 20

func newWriteBehind(f *os.File) *writeBehind { return &writeBehind{fd: int(f.Fd())} }

// wrote notes n more bytes written at the end of the file. Errors are left
// to the file's final Sync, which reports them.
func (w *writeBehind) wrote(n int) {
	w.written += int64(n)
	for w.written-w.started >= behindChunk {
		unix.SyncFileRange(w.fd, w.started, behindChunk, unix.SYNC_FILE_RANGE_WRITE)
		if prev := w.started - behindChunk; prev >= 0 {
			unix.SyncFileRange(w.fd, prev, behindChunk,
				unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
			unix.Fadvise(w.fd, prev, behindChunk, unix.FADV_DONTNEED)
		}
		w.started += behindChunk
	}
}
