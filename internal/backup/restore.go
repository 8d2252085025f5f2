package backup

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/store"
)

// RestoreOptions is what Restore needs.
type RestoreOptions struct {
	Identities []age.Identity
	// Trusted, when not nil, is the only key the manifest may be signed by.
	Trusted ed25519.PublicKey
	// DataDir receives the database (SQLite) and the blobs. It must hold
	// nothing but key files (KeepFiles) and tls/.
	DataDir string
	// DBURL, for a PostgreSQL backup, names the database to restore into:
	// its schema must hold no data.
	DBURL string
	// Blobs, when not nil, receives the blobs instead of DataDir/blobs:
	// an S3 bucket (--blobs s3://…), which must be empty below its prefix.
	// The blobs go up as they are read; a restore that fails deletes them.
	Blobs    blob.Store
	Progress func(int64)
}

// KeepFiles may be in a data dir that a restore fills: the key material
// that never goes into a backup, and the TLS folder.
var KeepFiles = map[string]bool{"master.key": true, "master.key.lock": true, "shred.keys": true, "shred.keys.lock": true, "tls": true}

// ErrNotEmpty is the refusal to restore over data.
var ErrNotEmpty = errors.New("not empty")

// Restore reads, checks and installs a backup. Every entry is staged inside
// the data dir and checked against the signed manifest before anything is
// installed: a bad backup leaves the data dir and database as they were.
func Restore(ctx context.Context, src io.Reader, opts RestoreOptions) (Manifest, error) {
	if err := checkEmptyDataDir(opts.DataDir); err != nil {
		return Manifest{}, err
	}
	if opts.DBURL != "" {
		if err := checkEmptyDatabase(ctx, opts.DBURL, opts.DataDir); err != nil {
			return Manifest{}, err
		}
	}
	var up *blobUploader
	if opts.Blobs != nil {
		if err := checkEmptyBlobs(ctx, opts.Blobs); err != nil {
			return Manifest{}, err
		}
		up = newBlobUploader(ctx, opts.Blobs)
	}
	installed := false
	defer func() {
		if up != nil && !installed {
			up.undo()
		}
	}()
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return Manifest{}, err
	}
	stage, err := os.MkdirTemp(opts.DataDir, ".restore-")
	if err != nil {
		return Manifest{}, err
	}
	defer os.RemoveAll(stage)
	blobRoot := filepath.Join(stage, "blobs")
	if err := os.Mkdir(blobRoot, 0o700); err != nil {
		return Manifest{}, err
	}
	var tables []string
	handle := func(name string, r io.Reader) error {
		switch {
		case name == SQLiteEntry:
			return gunzipTo(r, filepath.Join(stage, "ward.db"))
		case strings.HasPrefix(name, TablePrefix):
			base := strings.TrimPrefix(name, TablePrefix)
			if base == "" || strings.ContainsAny(base, `/\`) || strings.HasPrefix(base, ".") {
				return &Problem{Entry: name, What: "is not a valid table entry name"}
			}
			tables = append(tables, base)
			return copyTo(r, filepath.Join(stage, base))
		case strings.HasPrefix(name, BlobPrefix):
			key := strings.TrimPrefix(name, BlobPrefix)
			if !validBlobKey(key) {
				return &Problem{Entry: name, What: "is not a valid blob name"}
			}
			if up != nil {
				return up.put(key, r)
			}
			dir := filepath.Join(blobRoot, key[len(key)-2:])
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			return writeUnsynced(r, filepath.Join(dir, key))
		}
		return &Problem{Entry: name, What: "is not an entry a ward backup holds"}
	}
	m, err := read(src, opts.Identities, opts.Trusted, handle, opts.Progress)
	if err == nil && up != nil {
		err = up.wait()
	}
	if err != nil {
		return Manifest{}, err
	}
	// The blobs were written without a sync each (one each made restores
	// of many attachments crawl); everything is flushed once, here, before
	// anything is installed.
	if err := syncTree(stage); err != nil {
		return Manifest{}, fmt.Errorf("restore: flush to disk: %w", err)
	}
	switch {
	case m.Dialect == "sqlite" && opts.DBURL != "":
		return m, ward.Errorf(ward.CodeInvalid, "this is a backup of a SQLite ward: restore it without --db")
	case m.Dialect == "postgres" && opts.DBURL == "":
		return m, ward.Errorf(ward.CodeInvalid, "this is a backup of a PostgreSQL ward: restore it with --db URL (an empty database)")
	case m.Dialect == "sqlite":
		if err := os.Rename(filepath.Join(stage, "ward.db"), filepath.Join(opts.DataDir, store.SQLiteFile)); err != nil {
			return m, fmt.Errorf("restore: the database entry is missing or cannot be installed: %w", err)
		}
	case m.Dialect == "postgres":
		sort.Strings(tables) // their names begin with their order
		if err := restorePostgres(ctx, opts.DBURL, m.SchemaVersion, stage, tables); err != nil {
			return m, err
		}
	default:
		return m, &Problem{Entry: ManifestName, What: fmt.Sprintf("names an unknown database %q", m.Dialect)}
	}
	installed = true // the database is in: the blobs stay, as they are
	if up != nil {
		return m, nil
	}
	if err := os.Rename(filepath.Join(stage, "blobs"), filepath.Join(opts.DataDir, "blobs")); err != nil {
		return m, fmt.Errorf("restore: install the blobs: %w", err)
	}
	return m, nil
}

// checkEmptyDataDir refuses a data dir that holds anything but key files.
func checkEmptyDataDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !KeepFiles[e.Name()] {
			return ward.Wrap(ward.CodeConflict, ErrNotEmpty,
				fmt.Sprintf("data dir %s is not empty (it holds %s): a restore goes into an empty data dir only", dir, e.Name()))
		}
	}
	return nil
}

func checkEmptyDatabase(ctx context.Context, url, dataDir string) error {
	st, err := store.Open(ctx, store.Options{URL: url, DataDir: dataDir})
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil { // no schema_migrations yet: a fresh database
		return nil
	}
	if v == 0 {
		return nil
	}
	empty, err := st.EmptyDatabase(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return ward.Wrap(ward.CodeConflict, ErrNotEmpty, "the database is not empty: a restore goes into an empty database (or schema) only")
	}
	return nil
}

func restorePostgres(ctx context.Context, url string, version int, stage string, tables []string) error {
	st, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.MigrateTo(ctx, version); err != nil {
		return fmt.Errorf("restore: migrate the new database to version %d: %w", version, err)
	}
	if empty, err := st.EmptyDatabase(ctx); err != nil || !empty { // someone wrote meanwhile
		if err == nil {
			err = ward.Wrap(ward.CodeConflict, ErrNotEmpty, "the database is not empty")
		}
		return err
	}
	i := 0
	var cur *os.File
	defer func() {
		if cur != nil {
			cur.Close()
		}
	}()
	return st.RestorePostgres(ctx, func() (*store.TableRows, error) {
		if cur != nil {
			cur.Close()
			cur = nil
		}
		if i == len(tables) {
			return nil, nil
		}
		name := tables[i]
		i++
		f, err := os.Open(filepath.Join(stage, name))
		if err != nil {
			return nil, err
		}
		cur = f
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, &Problem{Entry: TablePrefix + name, What: "does not decompress: " + err.Error()}
		}
		dec := json.NewDecoder(bufio.NewReaderSize(zr, 1<<16))
		var h tableHeader
		if err := dec.Decode(&h); err != nil {
			return nil, &Problem{Entry: TablePrefix + name, What: "has no header: " + err.Error()}
		}
		return &store.TableRows{Name: h.Table, Columns: h.Columns, Next: func() ([]any, error) {
			var vals []value
			if err := dec.Decode(&vals); err == io.EOF {
				return nil, nil
			} else if err != nil {
				return nil, &Problem{Entry: TablePrefix + name, What: "a row does not decode: " + err.Error()}
			}
			if len(vals) != len(h.Columns) {
				return nil, &Problem{Entry: TablePrefix + name, What: "a row has the wrong number of columns"}
			}
			row := make([]any, len(vals))
			for j, v := range vals {
				var err error
				if row[j], err = v.decode(); err != nil {
					return nil, &Problem{Entry: TablePrefix + name, What: "a value does not decode: " + err.Error()}
				}
			}
			return row, nil
		}}, nil
	})
}

func gunzipTo(r io.Reader, path string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return &Problem{Entry: SQLiteEntry, What: "does not decompress: " + err.Error()}
	}
	return copyTo(zr, path)
}

func writeUnsynced(r io.Reader, path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func copyTo(r io.Reader, path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// validBlobKey admits what blob.Dir names blobs by: letters, digits and
// dashes, 8 to 128 of them (so a name never leaves the blob folder).
func validBlobKey(key string) bool {
	if len(key) < 8 || len(key) > 128 {
		return false
	}
	for _, c := range key {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
