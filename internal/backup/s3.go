package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/blob"
)

// S3Dest is a Destination in an S3-compatible bucket: one object per
// backup, prefix/NAME. A backup streams up as a multipart upload that only
// becomes an object when it completes: a failed or aborted one leaves no
// object (an upload a crash cut short stays incomplete, which no listing
// shows; a lifecycle rule removes it, docs/deploy.md).
type S3Dest struct{ S3 *blob.S3 }

// OpenDestination returns the Destination to names: s3://bucket/prefix
// (endpoint, region and credentials from getenv, as for --blobs) or a
// folder.
func OpenDestination(to string, getenv func(string) string) (Destination, error) {
	if !blob.IsS3URL(to) {
		return NewFolder(to)
	}
	st, err := blob.OpenS3(to, getenv)
	if err != nil {
		return nil, err
	}
	return &S3Dest{S3: st}, nil
}

// Create starts the upload of name.
func (d *S3Dest) Create(ctx context.Context, name string) (Pending, error) {
	if !validBackupName(name) {
		return nil, fmt.Errorf("backup bucket: bad name %q", name)
	}
	pr, pw := io.Pipe()
	p := &s3Pending{pw: pw, done: make(chan error, 1)}
	go func() {
		_, err := d.S3.PutObject(ctx, name, pr)
		pr.CloseWithError(err) // a writer still writing learns of the failure
		p.done <- err
	}()
	return p, nil
}

type s3Pending struct {
	pw     *io.PipeWriter
	done   chan error
	result error
	ended  bool
}

// wait is the upload's outcome, once it ended.
func (p *s3Pending) wait() error {
	if !p.ended {
		p.result, p.ended = <-p.done, true
	}
	return p.result
}

func (p *s3Pending) Write(b []byte) (int, error) { return p.pw.Write(b) }

// Commit ends the stream and waits for the upload to complete.
func (p *s3Pending) Commit() error {
	p.pw.Close()
	if err := p.wait(); err != nil {
		return fmt.Errorf("backup bucket: %w", err)
	}
	return nil
}

var errAborted = errors.New("backup aborted")

// Abort fails the upload: the multipart upload is aborted, no object made.
func (p *s3Pending) Abort() {
	p.pw.CloseWithError(errAborted)
	p.wait()
}

// List names the bucket's backups (directly below the prefix), oldest
// first.
func (d *S3Dest) List(ctx context.Context) ([]string, error) {
	objs, err := d.S3.ListObjects(ctx, "ward-")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range objs {
		if validBackupName(o.Name) {
			out = append(out, o.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Remove deletes a backup object.
func (d *S3Dest) Remove(ctx context.Context, name string) error {
	if !validBackupName(name) {
		return fmt.Errorf("backup bucket: bad name %q", name)
	}
	return d.S3.DeleteObject(ctx, name)
}

// Where is the backup's s3:// URL.
func (d *S3Dest) Where(name string) string { return d.S3.URL() + "/" + name }

func validBackupName(name string) bool {
	return strings.HasPrefix(name, "ward-") && strings.HasSuffix(name, FileSuffix) && !strings.ContainsAny(name, `/\`)
}

// OpenFile opens a backup to read: a file's path, or s3://bucket/prefix/NAME
// (endpoint, region and credentials from getenv). size is its length.
func OpenFile(ctx context.Context, from string, getenv func(string) string) (r io.ReadCloser, size int64, err error) {
	if !blob.IsS3URL(from) {
		f, err := os.Open(from)
		if err != nil {
			return nil, 0, err
		}
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		return f, size, nil
	}
	dir, name := path.Split(strings.TrimSuffix(from, "/"))
	if name == "" || dir == "s3://" {
		return nil, 0, ward.Errorf(ward.CodeInvalid, "%s names no backup: give s3://bucket/prefix/NAME", from)
	}
	st, err := blob.OpenS3(strings.TrimSuffix(dir, "/"), getenv)
	if err != nil {
		return nil, 0, err
	}
	if size, err = st.StatObject(ctx, name); err != nil {
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return nil, 0, ward.Errorf(ward.CodeNotFound, "no backup at %s", from)
		}
		return nil, 0, err
	}
	rc, err := st.OpenObject(ctx, name)
	return rc, size, err
}
