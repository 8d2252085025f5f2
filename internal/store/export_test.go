package store

import (
	"context"
	"database/sql"
)

// MigrateUpTo applies the migrations up to version v: for tests of a
// migration over data written by the schema before it.
func (s *Store) MigrateUpTo(ctx context.Context, v int) ([]string, error) { return s.migrate(ctx, v) }

// ExecForTest runs one statement in tx: for tests that write rows no
// method of this version writes any more.
func (tx *Tx) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return err
}

// QueryRowForTest runs one query in tx: for tests that look at rows no
// method reads as they need.
func (tx *Tx) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.queryRow(ctx, q, args...)
}
