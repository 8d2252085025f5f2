package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements of one SQLite pool, so a hot query is
// parsed once per connection instead of on every call (parsing was a third
// of the CPU of a send). PostgreSQL needs none: pgx caches statements
// itself.
//
// The readers' statements are prepared on their pool, which needs a free
// connection: preparing inside a transaction could wait on itself. So a
// miss runs unprepared and is noted, and the statement is prepared when the
// transaction has ended (prepareNoted). The writer's are prepared on its
// one connection, the same way.
type stmtCache struct {
	prepare func(ctx context.Context, query string) (*sql.Stmt, error)
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	noted   map[string]bool
}

// maxCachedStmts bounds the cache; queries past it are prepared each time
// (statements built with a varying number of rows, say).
const maxCachedStmts = 512

func newStmtCache(prepare func(ctx context.Context, query string) (*sql.Stmt, error)) *stmtCache {
	return &stmtCache{prepare: prepare, m: make(map[string]*sql.Stmt), noted: make(map[string]bool)}
}

// get returns the cached statement for query, or nil after noting the
// query for prepareNoted.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m)+len(c.noted) < maxCachedStmts {
		c.noted[query] = true
	}
	return nil
}

// prepareNoted prepares the queries that missed. It runs outside any
// transaction. A query that fails to prepare is not retried.
func (c *stmtCache) prepareNoted(ctx context.Context) {
	c.mu.Lock()
	if len(c.noted) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.noted))
	for q := range c.noted {
		queries = append(queries, q)
	}
	clear(c.noted)
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.prepare(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.m[q]; dup {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	clear(c.m)
}

// stmt returns query as a statement of this transaction when it is cached,
// or nil to run the query as it is. The writer's statements are its
// connection's own and need no binding to the transaction.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	st := tx.stmts.get(query)
	if st != nil && tx.tx != nil {
		return tx.tx.StmtContext(ctx, st)
	}
	return st
}
