package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered, embedded SQL file. Shipped files are never
// edited; changes come as new files.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the dialect's migrations in order.
func (s *Store) Migrations() ([]Migration, error) { return loadMigrations(s.d.name) }

func loadMigrations(dialect string) ([]Migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// Migrate applies every migration not yet recorded, each in its own
// transaction together with its record in schema_migrations. It returns the
// names it applied. Several nodes may call it at once: on PostgreSQL an
// advisory lock lets one apply while the others wait.
func (s *Store) Migrate(ctx context.Context) ([]string, error) { return s.migrate(ctx, math.MaxInt) }

// migrate applies the migrations not yet recorded up to version upTo.
func (s *Store) migrate(ctx context.Context, upTo int) ([]string, error) {
	ms, err := s.Migrations()
	if err != nil {
		return nil, err
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`
	if _, err := s.execWriter(ctx, create); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	// The versions recorded already, read once: on a database that is up
	// to date (every start of ward) no migration takes a write transaction.
	// Each one not recorded is checked again inside its transaction, where
	// another node may have applied it meanwhile.
	recorded := map[int]bool{}
	if err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return err
			}
			recorded[v] = true
		}
		return rows.Err()
	}); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	var applied []string
	for _, m := range ms {
		if m.Version > upTo {
			break
		}
		if recorded[m.Version] {
			continue
		}
		done := false
		rebuild := s.d.name == "sqlite" && strings.HasPrefix(m.SQL, foreignKeysOff)
		if rebuild {
			if _, err := s.execWriter(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
				return applied, err
			}
		}
		err := s.Write(ctx, func(tx *Tx) error {
			if s.d.name == "postgres" {
				if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(7720417, hashtext(current_schema()))"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = $1", m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			// Several statements: run as they are, never as one prepared statement.
			if _, err := tx.q.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if rebuild {
				if err := tx.checkForeignKeys(ctx); err != nil {
					return fmt.Errorf("migration %s: %w", m.Name, err)
				}
			}
			_, err := tx.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, micros(tx.Now))
			return err
		})
		if rebuild {
			if _, ferr := s.execWriter(ctx, "PRAGMA foreign_keys = ON"); ferr != nil && err == nil {
				err = ferr
			}
		}
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

// foreignKeysOff opens a SQLite migration that rebuilds a table other
// tables refer to (SQLite cannot change a table's constraints in place):
// it runs with foreign keys off, as SQLite's documented procedure for
// such changes asks (a DROP TABLE would otherwise act on the rows that
// refer to it), and commits only if PRAGMA foreign_key_check then finds
// no broken reference.
const foreignKeysOff = "-- ward: foreign keys off\n"

// checkForeignKeys fails if any row refers to a row that does not exist.
func (tx *Tx) checkForeignKeys(ctx context.Context) error {
	rows, err := tx.query(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("a row of %s refers to a missing row of %s", table, parent)
	}
	return rows.Err()
}

// SchemaVersion is the highest applied migration, 0 for an empty database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.Read(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	})
	return v, err
}
