package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wardhealth/ward"
)

// Store keeps sealed blobs by key.
type Store interface {
	// Put writes r under key and returns the bytes written. The blob is
	// durable when Put returns; a failed Put leaves nothing behind.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open reads the blob under key; a missing blob is CodeNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob under key; a missing blob is not an error.
	Delete(ctx context.Context, key string) error
	// Ready reports whether the store can be used now (for /readyz): a
	// CodeUnavailable error when it cannot.
	Ready(ctx context.Context) error
}

// Dir is a Store in a folder: one file per blob, fanned out over 256
// subfolders by the key's last two characters.
type Dir struct{ root string }

// NewDir returns a Dir at root, creating it (0700) if needed.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("blob folder: %w", err)
	}
	return &Dir{root: root}, nil
}

// validKey admits ids only: letters, digits and dashes, 8 to 128 of them.
func validKey(key string) error {
	if len(key) < 8 || len(key) > 128 {
		return ward.Errorf(ward.CodeInvalid, "blob key must be 8 to 128 characters")
	}
	for _, c := range key {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return ward.Errorf(ward.CodeInvalid, "blob key may hold only letters, digits and dashes")
		}
	}
	return nil
}

func (d *Dir) path(key string) string {
	return filepath.Join(d.root, key[len(key)-2:], key)
}

// Put writes to a temp file, syncs it and renames it into place.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := validKey(key); err != nil {
		return 0, err
	}
	dst := d.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".put-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return n, err
	}
	return n, syncDir(filepath.Dir(dst))
}

// Open opens the blob for reading.
func (d *Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if err := validKey(key); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ward.Errorf(ward.CodeNotFound, "no such blob")
	}
	return f, err
}

// Delete removes the blob.
func (d *Dir) Delete(_ context.Context, key string) error {
	if err := validKey(key); err != nil {
		return err
	}
	err := os.Remove(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Ready checks that the folder is still there.
func (d *Dir) Ready(context.Context) error {
	fi, err := os.Stat(d.root)
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s is not a folder", d.root)
	}
	if err != nil {
		return ward.Wrap(ward.CodeUnavailable, fmt.Errorf("blob folder: %w", err), "the blob store is not answering")
	}
	return nil
}

// String names the folder.
func (d *Dir) String() string { return d.root }

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// ctxReader stops a long copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Root is the folder's path.
func (d *Dir) Root() string { return d.root }
