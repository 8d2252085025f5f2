// Package store keeps ward's data with database/sql: embedded SQLite
// (modernc.org/sqlite, the default) or PostgreSQL (pgx). It owns the SQL, the
// migrations and one transaction per use case; it makes no policy decisions
// and never sees plaintext PHI: internal/app seals fields before they get here.
//
// Every write runs inside Store.Write, every read inside Store.Read; both hand
// the callback a *Tx that carries the transaction's clock (Tx.Now). The same
// conformance tests run against SQLite always and against PostgreSQL when
// WARD_TEST_POSTGRES names a database.
package store
