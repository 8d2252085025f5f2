// Package ttlcache is a small generic in-memory cache whose entries live
// a fixed time from when they were put, bounded in size (when full, it
// starts over). internal/app keeps its session cache and its member cache
// in it. It reads the time it is given, never the clock.
package ttlcache
