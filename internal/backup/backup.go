package backup

import (
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
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/sealedtar"
	"github.com/wardhealth/ward/internal/store"
)

// Options is what Run needs.
type Options struct {
	Store *store.Store
	// Blobs are the attachment blobs; nil backs up the database alone.
	Blobs Blobs
	Dest  Destination
	Key   Key
	// Signer signs the manifest: the keyring's audit signing key.
	Signer ed25519.PrivateKey
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Progress, when not nil, hears the bytes done out of total.
	Progress func(done, total int64)
	// MaxRate, when above 0, holds the backup's writes to this many bytes
	// a second, leaving the rest of the disk to the server (pace.go).
	MaxRate int64
	// TempDir stages the database copy before it is encrypted (it needs
	// room for one compact copy of the database); "" is the system's
	// temporary folder. The stage holds sealed data only, briefly (0700),
	// in a hidden folder removed at the end.
	TempDir string
}

// Result is a backup written.
type Result struct {
	Name     string // the file name at the destination
	Where    string // its path or URL
	Manifest Manifest
	Elapsed  time.Duration
}

// Run writes one backup of a running ward: the database as one consistent
// snapshot, then the blobs (a blob deleted meanwhile is skipped; one added
// after the snapshot is harmless), encrypted to opts.Key, with the signed
// manifest last. Nothing appears at the destination unless it all worked.
func Run(ctx context.Context, opts Options) (Result, error) {
	start := time.Now()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Store == nil || opts.Dest == nil || opts.Signer == nil {
		return Result{}, errors.New("backup: Options needs a Store, a Dest and a Signer")
	}
	rcpt, err := opts.Key.recipient()
	if err != nil {
		return Result{}, ward.Wrap(ward.CodeInvalid, err, err.Error())
	}
	now := opts.Now().UTC()
	m := Manifest{CreatedAt: now, Dialect: opts.Store.Dialect()}
	if m.SchemaVersion, err = opts.Store.SchemaVersion(ctx); err != nil {
		return Result{}, err
	}
	if m.MasterKeyIDs, err = masterKeyIDs(ctx, opts.Store); err != nil {
		return Result{}, err
	}
	stage, err := os.MkdirTemp(opts.TempDir, ".ward-backup-")
	if err != nil {
		return Result{}, fmt.Errorf("backup: staging folder: %w", err)
	}
	db, err := snapshotDatabase(ctx, opts.Store, stage, &m.Counts)
	defer func() {
		if db != nil {
			db.wait() // the compression must end before its folder goes
		}
		os.RemoveAll(stage)
	}()
	if err != nil {
		return Result{}, err
	}
	type blobRef struct {
		key  string
		size int64
	}
	var blobs []blobRef
	if opts.Blobs != nil {
		err := opts.Blobs.Walk(ctx, func(key string, size int64) error {
			blobs = append(blobs, blobRef{key, size})
			return nil
		})
		if err != nil {
			return Result{}, fmt.Errorf("backup: list blobs: %w", err)
		}
	}
	var done int64
	total := db.estimate
	for _, b := range blobs {
		total += b.size
	}
	progress := func(n int64) {
		done += n
		if opts.Progress != nil {
			opts.Progress(done, total)
		}
	}
	name := "ward-" + now.Format("20060102T150405.000Z") + FileSuffix
	name = strings.Replace(name, ".", "-", 1) // ward-20261206T220000-123Z.wardbackup
	out, err := opts.Dest.Create(ctx, name)
	if err != nil {
		return Result{}, err
	}
	ok := false
	defer func() {
		if !ok {
			out.Abort()
		}
	}()
	w, err := sealedtar.NewWriter(newPacedWriter(ctx, out, opts.MaxRate), rcpt, now, kind)
	if err != nil {
		return Result{}, err
	}
	for _, b := range blobs {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		r, err := opts.Blobs.Open(ctx, b.key)
		if ward.ErrorCode(err) == ward.CodeNotFound { // purged since the listing
			progress(b.size)
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("backup: blob %s: %w", b.key, err)
		}
		err = w.Add(BlobPrefix+b.key, b.size, r, progress)
		r.Close()
		if err != nil {
			return Result{}, err
		}
		m.Counts.Blobs++
		m.Counts.BlobBytes += b.size
	}
	// The database last: on SQLite it was compressed meanwhile.
	dbFiles, err := db.wait()
	if err != nil {
		return Result{}, err
	}
	var stored int64
	for _, f := range dbFiles {
		stored += f.size
	}
	dbDone := done
	for _, f := range dbFiles {
		err := addFile(w, f.entry, f.path, f.size, func(n int64) {
			progress(n * db.estimate / max(stored, 1))
		})
		if err != nil {
			return Result{}, err
		}
	}
	progress(dbDone + db.estimate - done)
	if err := seal(w, &m, opts.Signer); err != nil {
		return Result{}, err
	}
	if err := out.Commit(); err != nil {
		return Result{}, err
	}
	ok = true
	return Result{Name: name, Where: opts.Dest.Where(name), Manifest: m, Elapsed: time.Since(start)}, nil
}

type stagedFile struct {
	entry, path string
	size        int64
}

func addFile(w *sealedtar.Writer, entry, path string, size int64, progress func(int64)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return w.Add(entry, size, f, progress)
}

// dbStage is the database's snapshot being readied for the backup.
type dbStage struct {
	estimate int64                        // its bytes before compression: its share of the progress
	wait     func() ([]stagedFile, error) // the compressed entries, once ready
}

// snapshotDatabase takes the database's snapshot into stage. On SQLite the
// copy is compressed in the background (wait returns it), while the blobs
// are written; on PostgreSQL the tables are written compressed at once.
func snapshotDatabase(ctx context.Context, st *store.Store, stage string, c *Counts) (*dbStage, error) {
	if st.Dialect() == "sqlite" {
		raw := filepath.Join(stage, "ward.db")
		if err := st.CopySQLite(ctx, raw); err != nil {
			return nil, err
		}
		fi, err := os.Stat(raw)
		if err != nil {
			return nil, err
		}
		c.DBBytes = fi.Size()
		type result struct {
			files []stagedFile
			err   error
		}
		ch := make(chan result, 1)
		go func() {
			gz := raw + ".gz"
			_, size, err := gzipFile(raw, gz)
			os.Remove(raw)
			ch <- result{[]stagedFile{{SQLiteEntry, gz, size}}, err}
		}()
		return &dbStage{estimate: fi.Size(), wait: sync.OnceValues(func() ([]stagedFile, error) {
			r := <-ch
			return r.files, r.err
		})}, nil
	}
	var files []stagedFile
	err := st.DumpPostgres(ctx, func(t *store.TableDump) error {
		path := filepath.Join(stage, fmt.Sprintf("%03d-%s.jsonl.gz", len(files), t.Name))
		n, rows, size, err := writeTable(path, t)
		if err != nil {
			return fmt.Errorf("backup: table %s: %w", t.Name, err)
		}
		c.Tables++
		c.Rows += rows
		c.DBBytes += n
		files = append(files, stagedFile{TablePrefix + filepath.Base(path), path, size})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dbStage{estimate: c.DBBytes, wait: func() ([]stagedFile, error) { return files, nil }}, nil
}

// gzipFile compresses src into dst; it returns the bytes read and written.
func gzipFile(src, dst string) (in, out int64, err error) {
	r, err := os.Open(src)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if in, err = io.Copy(zw, r); err != nil {
		return 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	return in, fi.Size(), nil
}

// tableHeader is the first line of a table entry.
type tableHeader struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
}

// writeTable writes a table as gzipped JSON lines: the header, then one
// array of tagged values per row (value.go).
func writeTable(path string, t *store.TableDump) (in, rows, out int64, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	cw := &countWriter{w: zw}
	enc := json.NewEncoder(cw)
	if err := enc.Encode(tableHeader{t.Name, t.Columns}); err != nil {
		return 0, 0, 0, err
	}
	for t.Next() {
		row, err := t.Row()
		if err != nil {
			return 0, 0, 0, err
		}
		vals := make([]value, len(row))
		for i, v := range row {
			if vals[i], err = encodeValue(v); err != nil {
				return 0, 0, 0, fmt.Errorf("column %s: %w", t.Columns[i], err)
			}
		}
		if err := enc.Encode(vals); err != nil {
			return 0, 0, 0, err
		}
		rows++
	}
	if err := t.Err(); err != nil {
		return 0, 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0, err
	}
	return cw.n, rows, fi.Size(), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// masterKeyIDs lists the master key versions the database's org keys and
// secrets are wrapped by.
func masterKeyIDs(ctx context.Context, st *store.Store) ([]string, error) {
	seen := map[string]bool{}
	err := st.Read(ctx, func(tx *store.Tx) error {
		keks, err := tx.ListKEKs(ctx)
		if err != nil {
			return err
		}
		for _, k := range keks {
			seen[k.MasterKeyID] = true
		}
		secrets, err := tx.ListSecrets(ctx)
		for _, s := range secrets {
			seen[s.MasterKeyID] = true
		}
		return err
	})
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, err
}
