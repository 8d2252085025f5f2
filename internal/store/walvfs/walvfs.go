package walvfs

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wardhealth/ward/internal/store/cfunc"
)

// Name is the VFS's name, for the vfs parameter of a database URI.
const Name = "ward-wal"

// maxRun caps the bytes gathered before they are written. SQLite's unix VFS
// writes at most 128 KiB - 1 bytes a call (seekAndWriteFd masks the length
// with 0x1ffff), so a run holds up to 31 frames of a 4 KiB page and a
// longer commit is written in runs of that size.
const maxRun = 1<<17 - 1

// walFile is the start of the memory SQLite gives a wrapped -wal file: the
// wrapper's sqlite3_file, whose methods are walMethods, and the bytes
// gathered so far: buf (C memory, maxRun bytes, allocated at the first
// write) holds n bytes that belong at off. The default VFS's own file
// object follows at innerOffset.
type walFile struct {
	base sqlite3.Tsqlite3_file
	buf  uintptr
	off  int64
	n    int32
}

// innerOffset keeps the default VFS's file object 8-byte aligned.
const innerOffset = (unsafe.Sizeof(walFile{}) + 7) &^ 7

// wal returns the wrapper at pFile.
func wal(pFile uintptr) *walFile { return (*walFile)(cfunc.Mem(pFile)) }

var (
	registerOnce sync.Once
	registerErr  error

	inner uintptr              // the default VFS, which opens every file
	ours  sqlite3.Tsqlite3_vfs // a copy of it with xOpen and szOsFile changed

	walMethods sqlite3.Tsqlite3_io_methods

	writes, asked atomic.Int64 // writes made to the default VFS, and asked of this one: for tests
)

// Register registers the VFS under [Name] (once; later calls return the first
// call's result). It must run before a database is opened with vfs=ward-wal.
func Register() error {
	registerOnce.Do(func() { registerErr = register() })
	return registerErr
}

func register() error {
	tls := libc.NewTLS()
	defer tls.Close()
	inner = sqlite3.Xsqlite3_vfs_find(tls, 0)
	if inner == 0 {
		return fmt.Errorf("walvfs: SQLite has no default VFS")
	}
	ours = *(*sqlite3.Tsqlite3_vfs)(cfunc.Mem(inner))
	ours.FpNext = 0
	ours.FszOsFile += int32(innerOffset)
	name, err := libc.CString(Name)
	if err != nil {
		return fmt.Errorf("walvfs: %w", err)
	}
	ours.FzName = name
	cfunc.Set(&ours.FxOpen, xOpen)

	walMethods.FiVersion = 3
	cfunc.Set(&walMethods.FxClose, xClose)
	cfunc.Set(&walMethods.FxRead, xRead)
	cfunc.Set(&walMethods.FxWrite, xWrite)
	cfunc.Set(&walMethods.FxTruncate, xTruncate)
	cfunc.Set(&walMethods.FxSync, xSync)
	cfunc.Set(&walMethods.FxFileSize, xFileSize)
	cfunc.Set(&walMethods.FxLock, xLock)
	cfunc.Set(&walMethods.FxUnlock, xUnlock)
	cfunc.Set(&walMethods.FxCheckReservedLock, xCheckReservedLock)
	cfunc.Set(&walMethods.FxFileControl, xFileControl)
	cfunc.Set(&walMethods.FxSectorSize, xSectorSize)
	cfunc.Set(&walMethods.FxDeviceCharacteristics, xDeviceCharacteristics)
	cfunc.Set(&walMethods.FxShmMap, xShmMap)
	cfunc.Set(&walMethods.FxShmLock, xShmLock)
	cfunc.Set(&walMethods.FxShmBarrier, xShmBarrier)
	cfunc.Set(&walMethods.FxShmUnmap, xShmUnmap)
	cfunc.Set(&walMethods.FxFetch, xFetch)
	cfunc.Set(&walMethods.FxUnfetch, xUnfetch)

	if rc := sqlite3.Xsqlite3_vfs_register(tls, uintptr(unsafe.Pointer(&ours)), 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("walvfs: registering the VFS: SQLite error %d", rc)
	}
	return nil
}

// The C signatures of the methods used here.
type (
	openFn     = func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32
	fileFn     = func(*libc.TLS, uintptr) int32
	ioFn       = func(*libc.TLS, uintptr, uintptr, int32, int64) int32
	truncateFn = func(*libc.TLS, uintptr, int64) int32
	intFn      = func(*libc.TLS, uintptr, int32) int32
	ptrFn      = func(*libc.TLS, uintptr, uintptr) int32
	controlFn  = func(*libc.TLS, uintptr, int32, uintptr) int32
	shmMapFn   = func(*libc.TLS, uintptr, int32, int32, int32, uintptr) int32
	shmLockFn  = func(*libc.TLS, uintptr, int32, int32, int32) int32
	barrierFn  = func(*libc.TLS, uintptr)
)

// xOpen opens every file with the default VFS. A -wal file is opened at
// innerOffset behind a wrapper whose methods gather writes; any other file
// is opened in place, so SQLite calls the default VFS's methods directly.
func xOpen(tls *libc.TLS, _ uintptr, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	open := cfunc.Get[openFn]((*sqlite3.Tsqlite3_vfs)(cfunc.Mem(inner)).FxOpen)
	if flags&sqlite3.SQLITE_OPEN_WAL == 0 {
		return open(tls, inner, zName, pFile, flags, pOutFlags)
	}
	w := wal(pFile)
	*w = walFile{}
	if rc := open(tls, inner, zName, pFile+innerOffset, flags, pOutFlags); rc != sqlite3.SQLITE_OK {
		return rc
	}
	w.base.FpMethods = uintptr(unsafe.Pointer(&walMethods))
	return sqlite3.SQLITE_OK
}

// methods returns the default VFS's file object inside a wrapped -wal file
// and its methods.
func methods(pFile uintptr) (uintptr, *sqlite3.Tsqlite3_io_methods) {
	f := pFile + innerOffset
	return f, (*sqlite3.Tsqlite3_io_methods)(cfunc.Mem((*sqlite3.Tsqlite3_file)(cfunc.Mem(f)).FpMethods))
}

// flush writes what is gathered for pFile, if anything, with one write.
func flush(tls *libc.TLS, pFile uintptr) int32 {
	r := wal(pFile)
	if r.n == 0 {
		return sqlite3.SQLITE_OK
	}
	f, m := methods(pFile)
	n := r.n
	r.n = 0
	writes.Add(1)
	return cfunc.Get[ioFn](m.FxWrite)(tls, f, r.buf, n, r.off)
}

// xWrite gathers a write that continues the gathered run (or starts one);
// any other write first flushes the run, so writes keep their order.
func xWrite(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	asked.Add(1)
	r := wal(pFile)
	if r.n > 0 && (iOfst != r.off+int64(r.n) || r.n+iAmt > maxRun) {
		if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if iAmt > maxRun {
		f, m := methods(pFile)
		writes.Add(1)
		return cfunc.Get[ioFn](m.FxWrite)(tls, f, zBuf, iAmt, iOfst)
	}
	if r.buf == 0 {
		if r.buf = libc.Xmalloc(tls, maxRun); r.buf == 0 {
			return sqlite3.SQLITE_NOMEM
		}
	}
	if r.n == 0 {
		r.off = iOfst
	}
	dst := unsafe.Slice((*byte)(cfunc.Mem(r.buf+uintptr(r.n))), iAmt)
	copy(dst, unsafe.Slice((*byte)(cfunc.Mem(zBuf)), iAmt))
	r.n += iAmt
	return sqlite3.SQLITE_OK
}

func xClose(tls *libc.TLS, pFile uintptr) int32 {
	rc := flush(tls, pFile)
	f, m := methods(pFile)
	if rc2 := cfunc.Get[fileFn](m.FxClose)(tls, f); rc == sqlite3.SQLITE_OK {
		rc = rc2
	}
	if w := wal(pFile); w.buf != 0 {
		libc.Xfree(tls, w.buf)
		w.buf = 0
	}
	return rc
}

func xRead(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	f, m := methods(pFile)
	return cfunc.Get[ioFn](m.FxRead)(tls, f, zBuf, iAmt, iOfst)
}

func xTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	f, m := methods(pFile)
	return cfunc.Get[truncateFn](m.FxTruncate)(tls, f, size)
}

func xSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	f, m := methods(pFile)
	return cfunc.Get[intFn](m.FxSync)(tls, f, flags)
}

func xFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	f, m := methods(pFile)
	return cfunc.Get[ptrFn](m.FxFileSize)(tls, f, pSize)
}

func xFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	f, m := methods(pFile)
	return cfunc.Get[controlFn](m.FxFileControl)(tls, f, op, pArg)
}

// The remaining methods pass straight through.

func xLock(tls *libc.TLS, pFile uintptr, level int32) int32 {
	f, m := methods(pFile)
	return cfunc.Get[intFn](m.FxLock)(tls, f, level)
}

func xUnlock(tls *libc.TLS, pFile uintptr, level int32) int32 {
	f, m := methods(pFile)
	return cfunc.Get[intFn](m.FxUnlock)(tls, f, level)
}

func xCheckReservedLock(tls *libc.TLS, pFile, pResOut uintptr) int32 {
	f, m := methods(pFile)
	return cfunc.Get[ptrFn](m.FxCheckReservedLock)(tls, f, pResOut)
}

func xSectorSize(tls *libc.TLS, pFile uintptr) int32 {
	f, m := methods(pFile)
	return cfunc.Get[fileFn](m.FxSectorSize)(tls, f)
}

func xDeviceCharacteristics(tls *libc.TLS, pFile uintptr) int32 {
	f, m := methods(pFile)
	return cfunc.Get[fileFn](m.FxDeviceCharacteristics)(tls, f)
}

func xShmMap(tls *libc.TLS, pFile uintptr, iPg, pgsz, extend int32, pp uintptr) int32 {
	f, m := methods(pFile)
	return cfunc.Get[shmMapFn](m.FxShmMap)(tls, f, iPg, pgsz, extend, pp)
}

func xShmLock(tls *libc.TLS, pFile uintptr, offset, n, flags int32) int32 {
	f, m := methods(pFile)
	return cfunc.Get[shmLockFn](m.FxShmLock)(tls, f, offset, n, flags)
}

func xShmBarrier(tls *libc.TLS, pFile uintptr) {
	f, m := methods(pFile)
	cfunc.Get[barrierFn](m.FxShmBarrier)(tls, f)
}

func xShmUnmap(tls *libc.TLS, pFile uintptr, deleteFlag int32) int32 {
	f, m := methods(pFile)
	return cfunc.Get[intFn](m.FxShmUnmap)(tls, f, deleteFlag)
}

// SQLite memory-maps database files only, never a WAL; should it ask, it
// is told to read instead, as from a VFS without xFetch.
func xFetch(tls *libc.TLS, pFile uintptr, iOfst int64, iAmt int32, pp uintptr) int32 {
	*(*uintptr)(cfunc.Mem(pp)) = 0
	return sqlite3.SQLITE_OK
}

func xUnfetch(tls *libc.TLS, pFile uintptr, iOfst int64, p uintptr) int32 {
	return sqlite3.SQLITE_OK
}
