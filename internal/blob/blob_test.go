package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/blob"
)

func TestDirRoundTrip(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "blobs")
	d, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("sealed"), 100000)
	n, err := d.Put(ctx, "01a2-abcd-ef01", bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Put: %d %v", n, err)
	}
	rc, err := d.Open(ctx, "01a2-abcd-ef01")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("read back different bytes")
	}
	if err := d.Delete(ctx, "01a2-abcd-ef01"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, "01a2-abcd-ef01"); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Errorf("after Delete: %v", err)
	}
	if err := d.Delete(ctx, "01a2-abcd-ef01"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func TestDirRefusesPathTricks(t *testing.T) {
	d, _ := blob.NewDir(t.TempDir())
	for _, key := range []string{"../../etc/passwd", "a/b/c/d/e/f", "short", "with space 12345", "..........", ""} {
		if _, err := d.Put(context.Background(), key, bytes.NewReader(nil)); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("Put(%q): %v, want invalid", key, err)
		}
	}
}

type failing struct{ after int }

func (f *failing) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("upload broke")
	}
	f.after--
	return copy(p, "xxxxxxxx"), nil
}

func TestFailedPutLeavesNothing(t *testing.T) {
	root := t.TempDir()
	d, _ := blob.NewDir(root)
	if _, err := d.Put(context.Background(), "01a2-abcd-ef02", &failing{after: 3}); err == nil {
		t.Fatal("Put succeeded on a broken reader")
	}
	entries, _ := os.ReadDir(filepath.Join(root, "02"))
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
