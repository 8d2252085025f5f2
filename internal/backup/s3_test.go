package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/blob/blobtest"
	"github.com/wardhealth/ward/internal/server"
)

// putBlobs stores n random blobs (as sealed ones look) in st and returns
// them by key.
func putBlobs(t *testing.T, st blob.Store, n int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for i := range n {
		b := make([]byte, 1000+i*7919)
		rand.Read(b)
		key := "blob-" + strings.Repeat("k", 4) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if _, err := st.Put(context.Background(), key, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		out[key] = b
	}
	return out
}

// backupJob is the Job 'ward backup' runs for cfg's ward, to dest, on a
// clock that moves a second a run.
func backupJob(t *testing.T, env *server.Env, dest backup.Destination, keep int) *backup.Job {
	t.Helper()
	signer, err := env.Keyring.AuditSigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := backup.BlobsOf(env.Blobs)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	return &backup.Job{Store: env.Store, Blobs: blobs, Dest: dest, Key: testKey, Signer: signer, Keep: keep,
		Actor: audit.Actor{Role: "cli"}, TempDir: t.TempDir(), Now: func() time.Time { now = now.Add(time.Second); return now }}
}

// TestBackupToS3: backups go to a bucket over real HTTP (gofakes3 on
// loopback), keep-N pruning works there, a backup is verified and
// restored straight from its s3:// URL, and an aborted one leaves no object.
func TestBackupToS3(t *testing.T) {
	ctx := context.Background()
	s := seed(t, "")
	env, err := server.Open(ctx, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	want := putBlobs(t, env.Blobs, 5)
	srv := blobtest.StartS3(t, "ward-backups")
	dest, err := backup.OpenDestination("s3://ward-backups/nightly", srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	j := backupJob(t, env, dest, 2)
	var last backup.Result
	for range 3 {
		if last, err = j.Run(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(last.Where, "s3://ward-backups/nightly/ward-") {
		t.Fatalf("backup at %q, want an s3:// URL", last.Where)
	}
	objs := srv.Objects(t)
	if len(objs) != 2 {
		t.Fatalf("%d objects in the bucket after 3 runs keeping 2, want 2: %v", len(objs), keys(objs))
	}
	if _, ok := objs["nightly/"+last.Name]; !ok {
		t.Fatalf("the newest backup %s is not in the bucket: %v", last.Name, keys(objs))
	}

	r, size, err := backup.OpenFile(ctx, last.Where, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Verify(r, identities(t), nil, nil)
	r.Close()
	if err != nil || m.Counts.Blobs != len(want) || size != int64(len(objs["nightly/"+last.Name])) {
		t.Fatalf("verify from the bucket: %v, %d blobs, size %d", err, m.Counts.Blobs, size)
	}
	if _, _, err := backup.OpenFile(ctx, "s3://ward-backups/nightly/ward-none.wardbackup", srv.Getenv); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("a missing backup: %v, want not_found", err)
	}

	dir := t.TempDir()
	r, _, err = backup.OpenFile(ctx, last.Where, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = backup.Restore(ctx, r, backup.RestoreOptions{Identities: identities(t), DataDir: dir})
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	for key, b := range want {
		got, err := os.ReadFile(filepath.Join(dir, "blobs", key[len(key)-2:], key))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("restored blob %s: %v", key, err)
		}
	}

	// An aborted backup leaves no object.
	p, err := dest.Create(ctx, "ward-20261206T230000-000Z.wardbackup")
	if err != nil {
		t.Fatal(err)
	}
	p.Write(make([]byte, 100<<10))
	p.Abort()
	if n := len(srv.Objects(t)); n != 2 {
		t.Fatalf("%d objects after an aborted backup, want 2", n)
	}

	// A bucket that is not there fails the backup with a clear error, and
	// it is recorded.
	gone, _ := backup.OpenDestination("s3://no-such-bucket/x", srv.Getenv)
	if _, err := backupJob(t, env, gone, 0).Run(ctx, nil); err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Fatalf("a backup to a missing bucket: %v", err)
	}
}

// TestBackupOfS3Blobs: with attachments in a bucket (--blobs s3://…), the
// backup holds them, read from the bucket; a restore puts them into
// another, empty bucket, or into the data dir's folder without one; it
// refuses a bucket that holds objects, and a backup that fails its check
// leaves the target bucket empty.
func TestBackupOfS3Blobs(t *testing.T) {
	ctx := context.Background()
	live := blobtest.StartS3(t, "ward-attachments")
	s := seed(t, "")
	cfg := s.cfg
	cfg.Blobs, cfg.Getenv = "s3://ward-attachments/prod", live.Getenv
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	want := putBlobs(t, env.Blobs, 30)
	// Something else under the prefix is not a blob.
	if _, err := env.Blobs.(*blob.S3).PutObject(ctx, "notes/readme.txt", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	dest, err := backup.NewFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := backupJob(t, env, dest, 0).Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Counts.Blobs != len(want) {
		t.Fatalf("backup holds %d blobs, want %d", res.Manifest.Counts.Blobs, len(want))
	}
	file := dest.Where(res.Name)
	restore := func(opts backup.RestoreOptions, src []byte) error {
		opts.Identities, opts.DataDir = identities(t), t.TempDir()
		_, err := backup.Restore(ctx, bytes.NewReader(src), opts)
		if err == nil && opts.Blobs == nil {
			for key, b := range want {
				got, err := os.ReadFile(filepath.Join(opts.DataDir, "blobs", key[len(key)-2:], key))
				if err != nil || !bytes.Equal(got, b) {
					t.Fatalf("restored blob %s in the folder: %v", key, err)
				}
			}
		}
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	other := blobtest.StartS3(t, "ward-restored")
	target := other.Store(t, "att")
	if err := restore(backup.RestoreOptions{Blobs: target}, data); err != nil {
		t.Fatal(err)
	}
	objs := other.Objects(t)
	if len(objs) != len(want) {
		t.Fatalf("%d objects restored into the bucket, want %d", len(objs), len(want))
	}
	for key, b := range want {
		if !bytes.Equal(objs["att/"+key], b) {
			t.Fatalf("restored blob %s differs in the bucket", key)
		}
	}
	if err := restore(backup.RestoreOptions{}, data); err != nil {
		t.Fatalf("restore into the folder: %v", err)
	}
	// The bucket now holds blobs: refused.
	if err := restore(backup.RestoreOptions{Blobs: target}, data); ward.ErrorCode(err) != ward.CodeConflict || !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore into a bucket with objects: %v, want conflict", err)
	}
	// An altered backup restores nothing into a fresh bucket.
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 1
	third := blobtest.StartS3(t, "ward-third")
	if err := restore(backup.RestoreOptions{Blobs: third.Store(t, "")}, bad); err == nil {
		t.Fatal("an altered backup restored")
	}
	if n := len(third.Objects(t)); n != 0 {
		t.Fatalf("an altered backup left %d objects in the bucket", n)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
