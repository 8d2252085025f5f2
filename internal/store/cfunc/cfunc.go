package cfunc

import "unsafe"

// A C function pointer in modernc.org/sqlite is a Go func value of the C
// signature, kept in a uintptr: Set stores one, Get reads one back. Store
// only top-level functions, so the garbage collector has nothing to track.
func Set[F any](field *uintptr, f F) { *(*F)(unsafe.Pointer(field)) = f }

// Get reads back a C function pointer of signature F.
func Get[F any](p uintptr) F { return *(*F)(unsafe.Pointer(&p)) }

// Mem turns an address in modernc.org/libc's C memory, which the Go
// garbage collector neither moves nor frees, into a pointer. (A plain
// unsafe.Pointer(u) would do the same; go vet cannot tell that u is not a
// Go pointer and flags it.)
func Mem(u uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&u)) }
