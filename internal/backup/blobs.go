package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/wardhealth/ward/internal/blob"
)

// Blobs is where a backup reads attachment blobs from: the blob folder
// (BlobDir) or an S3 bucket (S3Blobs); BlobsOf picks. (A restore writes
// DATA/blobs, or a blob.Store: RestoreOptions.Blobs.)
type Blobs interface {
	// Walk calls fn for every blob with its key and size.
	Walk(ctx context.Context, fn func(key string, size int64) error) error
	// Open reads a blob; a blob deleted since Walk is CodeNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// BlobDir is Blobs over a blob.Dir folder (DATA/blobs).
type BlobDir struct {
	Root string
	dir  *blob.Dir
}

// NewBlobDir opens (creating) the blob folder root.
func NewBlobDir(root string) (*BlobDir, error) {
	d, err := blob.NewDir(root)
	if err != nil {
		return nil, err
	}
	return &BlobDir{Root: root, dir: d}, nil
}

// Walk lists the folder's blobs (skipping uploads in progress).
func (b *BlobDir) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	err := filepath.WalkDir(b.Root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) { // deleted meanwhile (a purge)
			return nil
		}
		if err != nil {
			return err
		}
		return fn(d.Name(), fi.Size())
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Open reads a blob.
func (b *BlobDir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return b.dir.Open(ctx, key)
}

// S3Blobs is Blobs over an S3 blob store (--blobs s3://…): the objects
// directly below its prefix whose names are blob keys.
type S3Blobs struct{ S3 *blob.S3 }

// Walk lists the bucket's blobs.
func (b S3Blobs) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	objs, err := b.S3.ListObjects(ctx, "")
	if err != nil {
		return err
	}
	for _, o := range objs {
		if !validBlobKey(o.Name) { // something else under the prefix
			continue
		}
		if err := fn(o.Name, o.Size); err != nil {
			return err
		}
	}
	return nil
}

// Open reads a blob from the bucket.
func (b S3Blobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return b.S3.Open(ctx, key)
}

// BlobsOf is Blobs over the attachments' store: its folder or its bucket.
func BlobsOf(st blob.Store) (Blobs, error) {
	switch s := st.(type) {
	case *blob.Dir:
		return NewBlobDir(s.Root())
	case *blob.S3:
		return S3Blobs{S3: s}, nil
	}
	return nil, fmt.Errorf("backup: cannot list the blobs of %T", st)
}
