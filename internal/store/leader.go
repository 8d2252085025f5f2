package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// leaderLock is the PostgreSQL advisory lock key of the background-job
// leader. Like every advisory lock of ward's it is paired with a hash of
// the schema, so deployments (and test runs) in separate schemas of one
// database do not share locks.
const leaderLock = 7720419

// leadership holds the connection whose session owns the leader lock.
type leadership struct {
	mu   sync.Mutex
	conn *sql.Conn
}

// Leader reports whether this node runs the background jobs (urgent timers,
// lifespan purge): on PostgreSQL, one node of many holds a session advisory
// lock on a connection of its own, and keeps it until that connection or
// the store closes; another node takes over on its next call after that.
// On SQLite there is one node, always the leader.
func (s *Store) Leader(ctx context.Context) (bool, error) {
	if s.d.name != "postgres" {
		return true, nil
	}
	l := &s.leader
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		if err := l.conn.PingContext(ctx); err == nil {
			return true, nil
		}
		l.conn.Close() // the session, and with it the lock, is gone
		l.conn = nil
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return false, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))", leaderLock).Scan(&got); err != nil || !got {
		conn.Close()
		return false, err
	}
	// The server notices within about 20 s that a leader's host vanished
	// (not only that its process died, which closes the socket at once),
	// and frees the lock for another node; best effort.
	for _, set := range []string{"SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 3", "SET tcp_keepalives_count = 3"} {
		conn.ExecContext(ctx, set)
	}
	l.conn = conn
	return true, nil
}

// releaseLeader gives up the lead: the lock is released before the
// connection goes back to the pool, where its session lives on.
func (s *Store) releaseLeader() {
	s.leader.mu.Lock()
	defer s.leader.mu.Unlock()
	if s.leader.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.leader.conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, hashtext(current_schema()))", leaderLock)
		s.leader.conn.Close()
		s.leader.conn = nil
	}
}
