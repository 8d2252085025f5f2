package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/blob/blobtest"
)

// TestBackupCommandsS3: ward backup --to s3://… prints the backup's URL,
// with attachments read from --blobs s3://…; ward backup verify and ward
// restore --from take that URL, and restore --blobs s3://… puts the blobs
// into another bucket (a real S3 server on loopback; the environment says
// where and with which keys, as for ward serve --blobs).
func TestBackupCommandsS3(t *testing.T) {
	data := archiveData(t)
	identity, recipient := archiveKey(t)
	backups := blobtest.StartS3(t, "ward-backups")
	attachments := blobtest.StartS3(t, "ward-attachments")
	restored := blobtest.StartS3(t, "ward-restored")
	// One endpoint in the environment: the three buckets share a server
	// here, as they would at one provider.
	for _, b := range []string{attachments.Bucket, restored.Bucket} {
		if err := backups.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range backups.Env() {
		t.Setenv(k, v)
	}
	att := backups.StoreIn(t, "ward-attachments", "prod")
	sealed := bytes.Repeat([]byte{0x5a, 0xa5}, 3000)
	if _, err := att.Put(context.Background(), "blob-0001-cli", bytes.NewReader(sealed)); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runWard(t, "", "backup", "--nice", "0", "--data", data, "--blobs", "s3://ward-attachments/prod", "--to", "s3://ward-backups/nightly", "--recipient", recipient)
	if code != 0 {
		t.Fatalf("ward backup --to s3://: exit %d, %s", code, stderr)
	}
	url := strings.TrimSpace(stdout)
	if !strings.HasPrefix(url, "s3://ward-backups/nightly/ward-") || !strings.Contains(stderr, "1 blobs") {
		t.Fatalf("ward backup printed %q, %s", stdout, stderr)
	}
	code, stdout, stderr = runWard(t, "", "backup", "verify", url, "--identity", identity)
	if code != 0 || !strings.Contains(stdout, "backup intact") || !strings.Contains(stdout, "1 blobs") {
		t.Fatalf("ward backup verify s3://: exit %d, %s %s", code, stdout, stderr)
	}
	if code, _, stderr := runWard(t, "", "backup", "verify", "s3://ward-backups/nightly/ward-none.wardbackup", "--identity", identity); code != 1 || !strings.Contains(stderr, "no backup at") {
		t.Fatalf("ward backup verify of a missing object: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runWard(t, "", "restore", "--from", url, "--data", t.TempDir(), "--identity", identity, "--blobs", "/tmp/x"); code != 2 || !strings.Contains(stderr, "--blobs takes s3://") {
		t.Fatalf("ward restore --blobs FOLDER: exit %d, %s", code, stderr)
	}
	code, stdout, stderr = runWard(t, "", "restore", "--from", url, "--data", t.TempDir(), "--identity", identity, "--blobs", "s3://ward-restored/att")
	if code != 0 || !strings.Contains(stdout, "blobs into s3://ward-restored/att") {
		t.Fatalf("ward restore --blobs s3://: exit %d, %s %s", code, stdout, stderr)
	}
	got := backups.ObjectsIn(t, "ward-restored")
	if len(got) != 1 || !bytes.Equal(got["att/blob-0001-cli"], sealed) {
		t.Fatalf("the restored bucket holds %d objects", len(got))
	}
	// Into the same bucket again: it is not empty.
	code, _, stderr = runWard(t, "", "restore", "--from", url, "--data", t.TempDir(), "--identity", identity, "--blobs", "s3://ward-restored/att")
	if code != 1 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("ward restore into a bucket with objects: exit %d, %s", code, stderr)
	}
}
