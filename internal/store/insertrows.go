package store

import (
	"context"
	"strconv"
	"strings"
	"sync"
)

// insertRows inserts rows into table, in order. args holds the rows one
// after the other, len(types) values each, in the order of cols; types
// names each column's PostgreSQL type, and each value is a string, an int64
// or a []byte (nil for NULL).
//
// On PostgreSQL that is one statement whatever the number of rows: each
// column is one array parameter, which the INSERT unnests, so a group
// commit of any size costs one round trip a table and one prepared
// statement. (As multi-row VALUES lists of a power of two rows each, a
// batch of 7 sends took three INSERTs a table, 1.5 on average under ward
// bench at 2,000 msgs/s.) SQLite has no arrays, and its writer runs
// in-process, so there the rows go in VALUES lists of a power of two rows
// each (rowsPerInsert), each size one statement text.
func (tx *Tx) insertRows(ctx context.Context, table, cols string, types []string, args []any) error {
	width := len(types)
	if len(args) == 0 {
		return nil
	}
	if tx.d.name == "postgres" {
		st := pipeStmt{sql: unnestInsert(table, cols, types), args: columns(args, types)}
		if tx.conn != nil { // a group commit's: it goes with the next statement (pgpipeline.go)
			tx.queued = append(tx.queued, st)
			return nil
		}
		return tx.runStmt(ctx, st)
	}
	for len(args) > 0 {
		n := rowsPerInsert(len(args) / width)
		if _, err := tx.exec(ctx, "INSERT INTO "+table+" ("+cols+") VALUES "+valueRows(width, n), args[:n*width]...); err != nil {
			return err
		}
		args = args[n*width:]
	}
	return nil
}

// columns turns rows of len(types) values each into one slice a column,
// typed for pgx to send as an array. A value of another type than its
// column's is a programming error: it panics.
func columns(args []any, types []string) []any {
	width := len(types)
	n := len(args) / width
	out := make([]any, width)
	for j := range width {
		switch types[j] {
		case "text":
			out[j] = column[string](args, j, width, n)
		case "bigint":
			out[j] = column[int64](args, j, width, n)
		case "bytea":
			out[j] = column[[]byte](args, j, width, n)
		default:
			panic("store: insertRows has no column type " + types[j])
		}
	}
	return out
}

func column[T any](args []any, j, width, n int) []T {
	out := make([]T, n)
	for i := range out {
		if v := args[i*width+j]; v != nil { // nil stays the zero value: a NULL []byte
			out[i] = v.(T)
		}
	}
	return out
}

// unnestInsert is the text of insertRows' PostgreSQL statement; the texts
// are kept, as they are asked for at every group commit.
func unnestInsert(table, cols string, types []string) string {
	key := table + "(" + cols
	if s, ok := unnestInserts.Load(key); ok {
		return s.(string)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + cols + ") SELECT * FROM unnest(")
	for j, t := range types {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("$" + strconv.Itoa(j+1) + "::" + t + "[]")
	}
	b.WriteByte(')')
	unnestInserts.Store(key, b.String())
	return b.String()
}

var unnestInserts sync.Map // table(cols → statement text
