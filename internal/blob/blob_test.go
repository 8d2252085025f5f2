package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/blob/blobtest"
)

// backend is one Store under test, with a way to list what it holds.
type backend struct {
	store blob.Store
	left  func(t *testing.T) []string // everything the store holds, temp files and all
	s3    *blobtest.S3Server          // the S3 server, for the S3 backend
}

// backends runs test on the folder store and on an S3 bucket served on
// loopback (gofakes3), with a part size small enough to make uploads of a
// few MiB multipart.
func backends(t *testing.T, test func(t *testing.T, b backend)) {
	t.Run("dir", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "blobs")
		d, err := blob.NewDir(root)
		if err != nil {
			t.Fatal(err)
		}
		test(t, backend{store: d, left: func(t *testing.T) []string {
			var files []string
			filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
				if err == nil && !e.IsDir() {
					files = append(files, path)
				}
				return err
			})
			return files
		}})
	})
	t.Run("s3", func(t *testing.T) {
		srv := blobtest.StartS3(t, "ward-test")
		cfg, err := blob.ParseS3("s3://ward-test/clinic/blobs", srv.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		cfg.PartSize = blob.MinPartSize
		s, err := blob.NewS3(cfg)
		if err != nil {
			t.Fatal(err)
		}
		test(t, backend{store: s, left: func(t *testing.T) []string {
			var names []string
			for name := range srv.Objects(t) {
				names = append(names, name)
			}
			return names
		}, s3: srv})
	})
}

func TestStoreRoundTrip(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		large := make([]byte, 2*blob.MinPartSize+12345) // three parts on S3
		rand.Read(large)
		for _, tc := range []struct {
			key  string
			data []byte
		}{
			{"01a2-abcd-ef01", bytes.Repeat([]byte("sealed"), 100000)},
			{"01a2-abcd-ef03", large},
			{"01a2-abcd-ef04", nil},
			{"01a2-abcd-ef07", large[:blob.MinPartSize]}, // exactly one part
		} {
			n, err := b.store.Put(ctx, tc.key, bytes.NewReader(tc.data))
			if err != nil || n != int64(len(tc.data)) {
				t.Fatalf("Put %d bytes: %d %v", len(tc.data), n, err)
			}
			rc, err := b.store.Open(ctx, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("read back %d bytes (%v), want the %d put", len(got), err, len(tc.data))
			}
		}
		// Put again replaces.
		if _, err := b.store.Put(ctx, "01a2-abcd-ef01", strings.NewReader("second")); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, b.store, "01a2-abcd-ef01"); got != "second" {
			t.Errorf("after a second Put: %q", got)
		}
		if got := len(b.left(t)); got != 4 {
			t.Errorf("the store holds %d blobs, want 4", got)
		}
		for _, key := range []string{"01a2-abcd-ef01", "01a2-abcd-ef03", "01a2-abcd-ef04", "01a2-abcd-ef07"} {
			if err := b.store.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if _, err := b.store.Open(ctx, key); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("after Delete: %v", err)
			}
			if err := b.store.Delete(ctx, key); err != nil {
				t.Errorf("second Delete: %v", err)
			}
		}
		if left := b.left(t); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
		if err := b.store.Ready(ctx); err != nil {
			t.Errorf("Ready: %v", err)
		}
	})
}

func readAll(t *testing.T, s blob.Store, key string) string {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestStoreRefusesPathTricks(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		for _, key := range []string{"../../etc/passwd", "a/b/c/d/e/f", "short", "with space 12345", "..........", ""} {
			if _, err := b.store.Put(ctx, key, bytes.NewReader(nil)); ward.ErrorCode(err) != ward.CodeInvalid {
				t.Errorf("Put(%q): %v, want invalid", key, err)
			}
			if _, err := b.store.Open(ctx, key); ward.ErrorCode(err) != ward.CodeInvalid {
				t.Errorf("Open(%q): %v, want invalid", key, err)
			}
			if err := b.store.Delete(ctx, key); ward.ErrorCode(err) != ward.CodeInvalid {
				t.Errorf("Delete(%q): %v, want invalid", key, err)
			}
		}
		if left := b.left(t); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
	})
}

// failing yields after bytes, then fails with err ("upload broke" when
// nil).
type failing struct {
	after int
	err   error
}

func (f *failing) Read(p []byte) (int, error) {
	if f.after <= 0 && f.err != nil {
		return 0, f.err
	}
	if f.after <= 0 {
		return 0, errors.New("upload broke")
	}
	p = p[:min(len(p), f.after)]
	f.after -= len(p)
	return len(p), nil
}

// cancelling yields after bytes, then cancels its context.
type cancelling struct {
	after  int
	cancel func()
}

func (c *cancelling) Read(p []byte) (int, error) {
	if c.after <= 0 {
		c.cancel()
	}
	p = p[:min(len(p), max(c.after, 1))]
	c.after -= len(p)
	return len(p), nil
}

func TestFailedPutLeavesNothing(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		// A short upload, and one that breaks after two parts went out.
		for _, after := range []int{3 << 16, 2*blob.MinPartSize + 3<<16} {
			if _, err := b.store.Put(ctx, "01a2-abcd-ef02", &failing{after: after}); err == nil || !strings.Contains(err.Error(), "upload broke") {
				t.Fatalf("Put on a reader that breaks after %d bytes: %v", after, err)
			}
			if _, err := b.store.Open(ctx, "01a2-abcd-ef02"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("Open after a failed Put: %v, want not_found", err)
			}
			if left := b.left(t); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		}
		// The reader's own error keeps its code (too_large from an
		// attachment over the limit), in one request or in parts.
		for _, after := range []int{3 << 16, blob.MinPartSize + 3<<16} {
			_, err := b.store.Put(ctx, "01a2-abcd-ef08", &failing{after: after, err: ward.Errorf(ward.CodeTooLarge, "over the limit")})
			if ward.ErrorCode(err) != ward.CodeTooLarge {
				t.Errorf("Put on a reader that fails too_large after %d bytes: %v", after, err)
			}
		}
		// A cancelled context stops an upload too, before it starts or
		// after two parts went out.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := b.store.Put(cctx, "01a2-abcd-ef05", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
			t.Errorf("Put with a cancelled context: %v", err)
		}
		cctx, cancel = context.WithCancel(ctx)
		r := &cancelling{after: 2*blob.MinPartSize + 3<<16, cancel: cancel}
		if _, err := b.store.Put(cctx, "01a2-abcd-ef06", r); !errors.Is(err, context.Canceled) {
			t.Errorf("Put cancelled after two parts: %v", err)
		}
		if left := b.left(t); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
		if b.s3 != nil {
			if n := b.s3.IncompleteUploads(t); n != 0 {
				t.Errorf("%d multipart uploads left incomplete, not aborted", n)
			}
		}
	})
}
