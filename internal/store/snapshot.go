package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
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
				writeRow(&b, vals)
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

// writeRow renders one row's values, each on its own, without fmt's
// reflection (a test snapshots every table hundreds of times).
func writeRow(b *strings.Builder, vals []any) {
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('|')
		}
		switch v := v.(type) {
		case nil:
			b.WriteString("NULL")
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		case string: // length-prefixed: a value's own "|" or newline cannot blur two rows
			b.WriteString(strconv.Itoa(len(v)))
			b.WriteByte(':')
			b.WriteString(v)
		case []byte:
			b.WriteByte('x')
			b.WriteString(hex.EncodeToString(v))
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case time.Time:
			b.WriteString(v.UTC().Format(time.RFC3339Nano))
		default:
			fmt.Fprint(b, v)
		}
	}
	b.WriteByte('\n')
}
