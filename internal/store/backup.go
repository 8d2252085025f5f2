package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	"github.com/wardhealth/ward"
)

// Backups (internal/backup decides what goes into a backup; these methods
// read and write the database for it).

// CopySQLite writes a consistent copy of the SQLite database to dst (which
// must not exist) with VACUUM INTO, on a connection of its own: it reads
// one snapshot (WAL), so the server goes on writing meanwhile, and the copy
// is a standalone, compact database file.
func (s *Store) CopySQLite(ctx context.Context, dst string) error {
	if s.d.name != "sqlite" {
		return ward.Errorf(ward.CodeInvalid, "CopySQLite: the database is %s", s.d.name)
	}
	// synchronous=OFF: VACUUM INTO syncs its copy as the connection's
	// setting says, and the copy is a stage, read once and deleted; an
	// fsync of hundreds of megabytes would only hold up the server's own
	// commits behind it. (The source is only read.)
	db, err := sql.Open("sqlite", "file:"+s.file+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("copy the database: %w", err)
	}
	return os.Chmod(dst, 0o600)
}

// TableDump is one table of a PostgreSQL dump: its columns, and its rows
// through Next (false at the end; then Err).
type TableDump struct {
	Name    string
	Columns []string
	rows    *sql.Rows
	vals    []any
}

// Next reads the next row; Row then holds it (valid until the next call).
func (t *TableDump) Next() bool { return t.rows.Next() }

// Row scans the current row: int64, float64, bool, string, []byte or nil.
func (t *TableDump) Row() ([]any, error) {
	ptrs := make([]any, len(t.vals))
	for i := range t.vals {
		ptrs[i] = &t.vals[i]
	}
	if err := t.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return t.vals, nil
}

// Err is the error that ended Next, if any.
func (t *TableDump) Err() error { return t.rows.Err() }

// DumpPostgres reads every table of ward's schema (the connection's
// current schema) in one REPEATABLE READ, read-only transaction, so the
// tables are one consistent snapshot while the server goes on writing, and
// calls fn for each, in the order a restore can insert them (a table after
// the tables its foreign keys name).
func (s *Store) DumpPostgres(ctx context.Context, fn func(*TableDump) error) error {
	if s.d.name != "postgres" {
		return ward.Errorf(ward.CodeInvalid, "DumpPostgres: the database is %s", s.d.name)
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return s.d.wrap(err)
	}
	defer tx.Rollback()
	tables, err := pgTablesInOrder(ctx, tx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		rows, err := tx.QueryContext(ctx, "SELECT * FROM "+quoteIdent(t)+" ORDER BY 1")
		if err != nil {
			return fmt.Errorf("dump %s: %w", t, err)
		}
		cols, err := rows.Columns()
		if err == nil {
			d := &TableDump{Name: t, Columns: cols, rows: rows, vals: make([]any, len(cols))}
			err = fn(d)
		}
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// pgTablesInOrder lists the base tables of the current schema, each after
// the tables its foreign keys reference.
func pgTablesInOrder(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]string, error) {
	names, err := queryStrings(ctx, q, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		from, to = unquoteRel(from), unquoteRel(to)
		if from != to {
			deps[from] = append(deps[from], to)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string)
	visit = func(t string) {
		if state[t] != 0 {
			return
		}
		state[t] = 1
		for _, d := range deps[t] {
			visit(d)
		}
		state[t] = 2
		out = append(out, t)
	}
	for _, n := range names {
		visit(n)
	}
	return out, nil
}

// unquoteRel strips a schema prefix and quotes from a regclass name.
func unquoteRel(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Trim(s, `"`)
}

func queryStrings(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// TableRows is one table to restore: its name, columns and rows (Next
// returns nil, nil at the end).
type TableRows struct {
	Name    string
	Columns []string
	Next    func() ([]any, error)
}

// EmptyDatabase reports whether ward's tables hold no data: no table but
// schema_migrations has a row (a fresh database, or one that only ward
// migrate has run on; the rows migrations seed do not count).
func (s *Store) EmptyDatabase(ctx context.Context) (bool, error) {
	var n int
	err := s.Read(ctx, func(tx *Tx) error {
		for _, t := range []string{"orgs", "users", "audit_events", "keyring_keks"} {
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
		}
		return nil
	})
	return n == 0, err
}

// RestorePostgres fills a freshly migrated PostgreSQL schema with tables
// (in the order given: referenced tables first), in one transaction: every
// table but schema_migrations is emptied first (the rows migrations seed),
// identity columns take the restored values, and their sequences move past
// them. Either everything is restored or nothing.
func (s *Store) RestorePostgres(ctx context.Context, next func() (*TableRows, error)) error {
	if s.d.name != "postgres" {
		return ward.Errorf(ward.CodeInvalid, "RestorePostgres: the database is %s", s.d.name)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.d.wrap(err)
	}
	defer tx.Rollback()
	tables, err := queryStrings(ctx, tx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
	if err != nil {
		return err
	}
	var quoted []string // the tables that hold rows: TRUNCATE is slow on many empty ones
	for _, t := range tables {
		var any bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+quoteIdent(t)+")").Scan(&any); err != nil {
			return err
		}
		if any {
			quoted = append(quoted, quoteIdent(t))
		}
	}
	if len(quoted) > 0 {
		if _, err := tx.ExecContext(ctx, "TRUNCATE "+strings.Join(quoted, ", ")+" CASCADE"); err != nil {
			return fmt.Errorf("empty the tables: %w", err)
		}
	}
	for {
		t, err := next()
		if err != nil {
			return err
		}
		if t == nil {
			break
		}
		if t.Name == "schema_migrations" {
			for { // the schema is migrated to the backup's version already
				row, err := t.Next()
				if err != nil {
					return err
				}
				if row == nil {
					break
				}
			}
			continue
		}
		cols := make([]string, len(t.Columns))
		ph := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i], ph[i] = quoteIdent(c), fmt.Sprintf("$%d", i+1)
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+quoteIdent(t.Name)+" ("+strings.Join(cols, ", ")+
			") OVERRIDING SYSTEM VALUE VALUES ("+strings.Join(ph, ", ")+")")
		if err != nil {
			return fmt.Errorf("restore %s: %w", t.Name, err)
		}
		for {
			row, err := t.Next()
			if err == nil && row == nil {
				break
			}
			if err == nil {
				_, err = stmt.ExecContext(ctx, row...)
			}
			if err != nil {
				stmt.Close()
				return fmt.Errorf("restore %s: %w", t.Name, err)
			}
		}
		stmt.Close()
	}
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return err
	}
	var idents [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return err
		}
		idents = append(idents, [2]string{t, c})
	}
	rows.Close()
	for _, ic := range idents {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)",
			quoteIdent(ic[1]), quoteIdent(ic[0]))
		if _, err := tx.ExecContext(ctx, q, quoteIdent(ic[0]), ic[1]); err != nil {
			return fmt.Errorf("move the sequence of %s.%s: %w", ic[0], ic[1], err)
		}
	}
	return s.d.wrap(tx.Commit())
}

// MigrateTo applies the migrations up to version (a restore brings a new
// database to the backup's version before filling it).
func (s *Store) MigrateTo(ctx context.Context, version int) ([]string, error) {
	return s.migrate(ctx, version)
}
