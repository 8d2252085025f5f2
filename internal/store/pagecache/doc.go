// Package pagecache wraps SQLite's own page cache, for modernc.org/sqlite,
// to spare every commit a walk over the whole cache.
//
// At the end of every transaction SQLite truncates its page cache to the
// database's size (pager_end_transaction). The default cache, pcache1,
// drops the pages past the end by visiting only the slots they can be in,
// unless the largest page number it has ever held since the last
// truncation is far past the end: then it walks its whole hash table. And
// it always is, for any database under 1 GiB: when a b-tree balance
// renumbers sibling pages into ascending order (balance_nonroot) it swaps
// two through a temporary number, that of the lock-byte page (262,145 with
// 4 KiB pages), which the cache remembers as its largest key. With the
// writer's 64 MiB cache, the walk cost 7-9 % of the server's CPU at 10,000
// users (docs/BENCHMARKS.md).
//
// The wrapper changes nothing in how pages are kept. It passes every call
// through to pcache1 and tracks, per cache, the largest page number put in
// since the last truncation (by a fetch that may create, or a renumbering)
// leaving out the lock-byte page's number, and whether a page sits at that
// number now. A truncation that provably has nothing to drop (no page at or
// past the limit and none at the temporary number) is not passed on; any
// other is, and behaves exactly as before.
//
// [Install] must run before SQLite is initialised, that is before the first
// connection of the process opens; after that SQLite refuses a page cache,
// [Install] says so, and the default one stays.
package pagecache
