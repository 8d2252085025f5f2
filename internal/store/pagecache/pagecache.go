package pagecache

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wardhealth/ward/internal/store/cfunc"
)

// pendingByte is SQLite's PENDING_BYTE: the lock-byte page holds it.
const pendingByte = 0x40000000

var (
	once       sync.Once
	installErr error
	installed  atomic.Bool

	inner sqlite3.Tsqlite3_pcache_methods2 // pcache1's methods
	ours  sqlite3.Tsqlite3_pcache_methods2

	passed, skipped atomic.Int64 // truncations passed on and skipped: for tests
)

// cache is one wrapped cache, in C memory: pcache1's handle and what the
// wrapper knows of the page numbers in it.
type cache struct {
	inner    uintptr
	maxKey   uint32 // no page number other than tempKey exceeds it
	tempKey  uint32 // the lock-byte page's number, balance_nonroot's temporary
	tempHeld uint32 // 1: a page may sit at tempKey
}

// Install puts the wrapper in place of SQLite's default page cache, once;
// later calls return the first call's result. It fails, leaving the
// default in place, if SQLite was already initialised.
func Install() error {
	once.Do(func() {
		installErr = install()
		installed.Store(installErr == nil)
	})
	return installErr
}

func install() error {
	tls := libc.NewTLS()
	defer tls.Close()
	va := libc.Xmalloc(tls, 8)
	if va == 0 {
		return fmt.Errorf("pagecache: out of memory")
	}
	defer libc.Xfree(tls, va)
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_GETPCACHE2, libc.VaList(va, uintptr(unsafe.Pointer(&inner)))); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("pagecache: reading the default page cache: SQLite error %d", rc)
	}
	ours = inner // xInit, xShutdown and pArg are pcache1's own
	cfunc.Set(&ours.FxCreate, xCreate)
	cfunc.Set(&ours.FxCachesize, xCachesize)
	cfunc.Set(&ours.FxPagecount, xPagecount)
	cfunc.Set(&ours.FxFetch, xFetch)
	cfunc.Set(&ours.FxUnpin, xUnpin)
	cfunc.Set(&ours.FxRekey, xRekey)
	cfunc.Set(&ours.FxTruncate, xTruncate)
	cfunc.Set(&ours.FxDestroy, xDestroy)
	cfunc.Set(&ours.FxShrink, xShrink)
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PCACHE2, libc.VaList(va, uintptr(unsafe.Pointer(&ours)))); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("pagecache: SQLite refused the page cache (error %d): a connection was opened before Install", rc)
	}
	return nil
}

// Installed reports whether Install has put the wrapper in place.
func Installed() bool { return installed.Load() }

func wrapped(p uintptr) *cache { return (*cache)(cfunc.Mem(p)) }

func xCreate(tls *libc.TLS, szPage, szExtra, bPurgeable int32) uintptr {
	p := libc.Xmalloc(tls, types.Size_t(unsafe.Sizeof(cache{})))
	if p == 0 {
		return 0
	}
	h := cfunc.Get[func(*libc.TLS, int32, int32, int32) uintptr](inner.FxCreate)(tls, szPage, szExtra, bPurgeable)
	if h == 0 {
		libc.Xfree(tls, p)
		return 0
	}
	*wrapped(p) = cache{inner: h, tempKey: uint32(pendingByte/szPage) + 1}
	return p
}

func xDestroy(tls *libc.TLS, p uintptr) {
	cfunc.Get[func(*libc.TLS, uintptr)](inner.FxDestroy)(tls, wrapped(p).inner)
	libc.Xfree(tls, p)
}

func xCachesize(tls *libc.TLS, p uintptr, nCachesize int32) {
	cfunc.Get[func(*libc.TLS, uintptr, int32)](inner.FxCachesize)(tls, wrapped(p).inner, nCachesize)
}

func xPagecount(tls *libc.TLS, p uintptr) int32 {
	return cfunc.Get[func(*libc.TLS, uintptr) int32](inner.FxPagecount)(tls, wrapped(p).inner)
}

func xShrink(tls *libc.TLS, p uintptr) {
	cfunc.Get[func(*libc.TLS, uintptr)](inner.FxShrink)(tls, wrapped(p).inner)
}

func xUnpin(tls *libc.TLS, p, pPg uintptr, reuseUnlikely int32) {
	cfunc.Get[func(*libc.TLS, uintptr, uintptr, int32)](inner.FxUnpin)(tls, wrapped(p).inner, pPg, reuseUnlikely)
}

// xFetch notes the key of a fetch that may create a page.
func xFetch(tls *libc.TLS, p uintptr, key uint32, createFlag int32) uintptr {
	c := wrapped(p)
	pg := cfunc.Get[func(*libc.TLS, uintptr, uint32, int32) uintptr](inner.FxFetch)(tls, c.inner, key, createFlag)
	if createFlag != 0 {
		c.note(key)
	}
	return pg
}

// xRekey notes the new number of a renumbered page, and whether the
// temporary number is taken or given back.
func xRekey(tls *libc.TLS, p, pPg uintptr, oldKey, newKey uint32) {
	c := wrapped(p)
	cfunc.Get[func(*libc.TLS, uintptr, uintptr, uint32, uint32)](inner.FxRekey)(tls, c.inner, pPg, oldKey, newKey)
	if oldKey == c.tempKey {
		c.tempHeld = 0
	}
	c.note(newKey)
}

func (c *cache) note(key uint32) {
	switch {
	case key == c.tempKey:
		c.tempHeld = 1
	case key > c.maxKey:
		c.maxKey = key
	}
}

// xTruncate passes a truncation on unless no page can be at or past iLimit.
func xTruncate(tls *libc.TLS, p uintptr, iLimit uint32) {
	c := wrapped(p)
	if c.maxKey < iLimit && (c.tempHeld == 0 || c.tempKey < iLimit) {
		skipped.Add(1)
		return
	}
	passed.Add(1)
	cfunc.Get[func(*libc.TLS, uintptr, uint32)](inner.FxTruncate)(tls, c.inner, iLimit)
	if iLimit == 0 {
		c.maxKey = 0
	} else {
		c.maxKey = min(c.maxKey, iLimit-1)
	}
	if c.tempKey >= iLimit {
		c.tempHeld = 0
	}
}
