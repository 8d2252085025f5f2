package backup

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Destination is where backups go: a folder (Folder) or an S3 bucket (S3Dest).
// Names are plain file names (no slashes) ending in FileSuffix.
type Destination interface {
	// Create starts a backup file; nothing is visible under name until
	// Commit, and Abort leaves nothing behind.
	Create(ctx context.Context, name string) (Pending, error)
	// List names the backups there, oldest first (names sort by time).
	List(ctx context.Context) ([]string, error)
	// Remove deletes a backup.
	Remove(ctx context.Context, name string) error
	// Where is the backup's location to print (a path or a URL).
	Where(name string) string
}

// Pending is a backup file being written.
type Pending interface {
	io.Writer
	Commit() error
	Abort()
}

// Folder is a Destination in a local folder (or a mounted one).
type Folder struct{ Dir string }

// NewFolder returns the folder dir as a Destination, creating it (0700).
func NewFolder(dir string) (*Folder, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup folder: %w", err)
	}
	return &Folder{Dir: dir}, nil
}

// Create writes to a hidden temporary file in the folder.
func (f *Folder) Create(_ context.Context, name string) (Pending, error) {
	tmp, err := os.CreateTemp(f.Dir, ".partial-*")
	if err != nil {
		return nil, fmt.Errorf("backup folder: %w", err)
	}
	return &folderFile{File: tmp, dst: filepath.Join(f.Dir, name), behind: newWriteBehind(tmp)}, nil
}

type folderFile struct {
	*os.File
	dst    string
	behind *writeBehind
}

// Write writes at the end of the file, its older chunks flushed behind it.
func (p *folderFile) Write(b []byte) (int, error) {
	n, err := p.File.Write(b)
	p.behind.wrote(n)
	return n, err
}

// Commit syncs the file and renames it into place.
func (p *folderFile) Commit() error {
	err := p.Sync()
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.Name(), p.dst)
	}
	if err != nil {
		os.Remove(p.Name())
		return fmt.Errorf("backup folder: %w", err)
	}
	if d, err := os.Open(filepath.Dir(p.dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (p *folderFile) Abort() {
	p.Close()
	os.Remove(p.Name())
}

// List names the folder's backups, oldest first.
func (f *Folder) List(context.Context) ([]string, error) {
	ents, err := os.ReadDir(f.Dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), "ward-") && strings.HasSuffix(e.Name(), FileSuffix) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// Remove deletes a backup file.
func (f *Folder) Remove(_ context.Context, name string) error {
	if strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("backup folder: bad name %q", name)
	}
	return os.Remove(filepath.Join(f.Dir, name))
}

// Where is the backup's path.
func (f *Folder) Where(name string) string { return filepath.Join(f.Dir, name) }

// Prune removes all but the newest keep backups; it returns the names removed.
func Prune(ctx context.Context, d Destination, keep int) ([]string, error) {
	names, err := d.List(ctx)
	if err != nil || keep <= 0 || len(names) <= keep {
		return nil, err
	}
	old := names[:len(names)-keep]
	for _, n := range old {
		if err := d.Remove(ctx, n); err != nil {
			return nil, err
		}
	}
	return old, nil
}
