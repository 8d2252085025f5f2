package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"
)

// ThrottleCount is one key's row of the shared sign-in throttle.
type ThrottleCount struct {
	Level   float64   // failures not yet drained, as of At
	At      time.Time // when Level was last brought up to date
	Blocked time.Time // no attempt before this; zero when never blocked
}

// Drained returns the count's level at now, draining by one every drain.
func (c ThrottleCount) Drained(now time.Time, drain time.Duration) float64 {
	if el := now.Sub(c.At); el > 0 && drain > 0 {
		return math.Max(0, c.Level-float64(el)/float64(drain))
	}
	return c.Level
}

// ThrottleCount returns key's row of the shared sign-in throttle, the zero
// count when it has none.
func (s *Store) ThrottleCount(ctx context.Context, key string) (ThrottleCount, error) {
	var c ThrottleCount
	err := s.Read(ctx, func(tx *Tx) error {
		var at, blocked int64
		err := tx.q.QueryRowContext(ctx, "SELECT level, at, blocked_until FROM signin_throttle WHERE key = $1", key).
			Scan(&c.Level, &at, &blocked)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		c.At, c.Blocked = fromMicros(at), optMicros(blocked)
		return err
	})
	return c, err
}

// ThrottleFailure adds one failure to key's count at now, in one statement
// so that nodes failing the same key at once each add theirs, after
// draining what drain has forgotten since the count's last change. It then
// blocks the key for delay(the new level) from now, unless a later block
// stands, and returns the count. A clock behind the count's drains nothing.
func (s *Store) ThrottleFailure(ctx context.Context, key string, now time.Time, drain time.Duration,
	delay func(level float64) time.Duration) (ThrottleCount, error) {
	var c ThrottleCount
	err := s.Write(ctx, func(tx *Tx) error {
		const elapsed = "(CASE WHEN $2 > signin_throttle.at THEN $2 - signin_throttle.at ELSE 0 END) / CAST($3 AS DOUBLE PRECISION)"
		var at, blocked int64
		if err := tx.q.QueryRowContext(ctx, `INSERT INTO signin_throttle (key, level, at, blocked_until, expires)
			VALUES ($1, 1, $2, 0, 0) ON CONFLICT (key) DO UPDATE SET
			level = 1 + CASE WHEN signin_throttle.level - `+elapsed+` > 0 THEN signin_throttle.level - `+elapsed+` ELSE 0 END,
			at = CASE WHEN $2 > signin_throttle.at THEN $2 ELSE signin_throttle.at END
			RETURNING level, at, blocked_until`, key, micros(now), float64(drain.Microseconds())).Scan(&c.Level, &at, &blocked); err != nil {
			return tx.d.wrap(err)
		}
		c.At, c.Blocked = fromMicros(at), optMicros(blocked)
		if d := delay(c.Level); d > 0 && now.Add(d).After(c.Blocked) {
			c.Blocked = now.Add(d)
		}
		expires := c.At.Add(time.Duration(c.Level * float64(drain)))
		if c.Blocked.After(expires) {
			expires = c.Blocked
		}
		_, err := tx.q.ExecContext(ctx, `UPDATE signin_throttle SET
			blocked_until = CASE WHEN blocked_until < $2 THEN $2 ELSE blocked_until END, expires = $3 WHERE key = $1`,
			key, microsOrZero(c.Blocked), micros(expires))
		return tx.d.wrap(err)
	})
	return c, err
}

// ForgetThrottle removes key's count (a successful sign-in).
func (s *Store) ForgetThrottle(ctx context.Context, key string) error {
	_, err := s.execWriter(ctx, "DELETE FROM signin_throttle WHERE key = $1", key)
	return s.d.wrap(err)
}

// PurgeThrottle removes the counts that have drained and whose block has
// passed by now, and returns how many.
func (s *Store) PurgeThrottle(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.execWriter(ctx, "DELETE FROM signin_throttle WHERE expires < $1", micros(now))
	if err != nil {
		return 0, s.d.wrap(err)
	}
	return res.RowsAffected()
}
