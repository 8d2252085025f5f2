package store

import (
	"database/sql"
	"errors"
	"math/bits"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wardhealth/ward"
)

// dialect is the little that differs between SQLite and PostgreSQL. Queries
// use $1-style placeholders, which both accept.
type dialect struct {
	name string
	// isUnique reports whether err is a unique-constraint violation.
	isUnique func(error) bool
	// forUpdate ends the SELECT of a send that must lock its conversation's
	// row (aliased c) until the transaction ends: empty on SQLite, whose
	// one writer already runs alone.
	forUpdate string
}

var sqlite = dialect{
	name: "sqlite",
	isUnique: func(err error) bool {
		return strings.Contains(err.Error(), "UNIQUE constraint failed") ||
			strings.Contains(err.Error(), "PRIMARY KEY constraint failed")
	},
}

var postgres = dialect{
	name: "postgres",
	isUnique: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505"
	},
	forUpdate: " FOR UPDATE OF c",
}

// wrap turns driver errors into ward errors where the meaning is clear.
func (d dialect) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ward.Wrap(ward.CodeNotFound, err, "not found")
	case d.isUnique(err):
		return ward.Wrap(ward.CodeConflict, err, "already exists")
	}
	return err
}

// maxRowsPerInsert bounds the rows of one multi-row INSERT on SQLite (at
// most 16 parameters each).
const maxRowsPerInsert = 512

// rowsPerInsert is how many of n rows the next multi-row INSERT takes on
// SQLite: the largest power of two up to n (31 rows: 16, 8, 4, 2 and 1),
// so each size is one statement text and the prepared-statement cache
// holds ten of them, not one per batch size it ever saw.
func rowsPerInsert(n int) int {
	return 1 << (bits.Len(uint(min(n, maxRowsPerInsert))) - 1)
}

// valueRows is the VALUES list of a multi-row INSERT on SQLite of n rows
// of width parameters: (?,?),(?,?), as SQLite looks $N names up one by one
// (quadratic in a long statement) where its plain ? is positional. The
// texts are kept: they are asked for at every group commit.
func valueRows(width, n int) string {
	key := [2]int{width, n}
	if s, ok := valueRowsTexts.Load(key); ok {
		return s.(string)
	}
	row := "(?" + strings.Repeat(",?", width-1) + ")"
	s := row + strings.Repeat(","+row, n-1)
	valueRowsTexts.Store(key, s)
	return s
}

var valueRowsTexts sync.Map // [width, n] → string
