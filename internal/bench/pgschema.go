package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// schemaPrefix begins the name of every schema a run makes (a test gives
// its runs a prefix of their own, so that a bench running beside it on the
// same database cannot confuse its count).
var schemaPrefix = "ward_bench_"

// freshSchema makes a new schema in the PostgreSQL database dbURL names and
// returns a URL whose search_path is that schema, and a func that drops it.
// Each run so starts from an empty database and leaves nothing behind
// (the org it creates is sealed under a master key that lives only in the
// run's temporary data dir).
func freshSchema(ctx context.Context, dbURL string) (string, func(), error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("--db: %w", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := schemaPrefix + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() {
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
