package store

import (
	"context"
	"fmt"
	"strings"
)

// Snapshot renders every row of the named tables as text, in primary-key
// order. Tests compare snapshots taken before and after a request that must
// change nothing; it is not for production paths.
func (s *Store) Snapshot(ctx context.Context, tables ...string) (string, error) {
	var b strings.Builder
	err := s.Read(ctx, func(tx *Tx) error {
		for _, t := range tables {
			rows, err := tx.query(ctx, "SELECT * FROM "+t+" ORDER BY 1")
			if err != nil {
				return fmt.Errorf("snapshot %s: %w", t, err)
			}
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return err
			}
			fmt.Fprintf(&b, "== %s %v\n", t, cols)
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				fmt.Fprintf(&b, "%v\n", vals)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
	return b.String(), err
}
