package store

import (
	"database/sql"
	"errors"
	"strings"

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
