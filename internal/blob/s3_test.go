package blob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/blob/blobtest"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseS3(t *testing.T) {
	creds := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t-value"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range creds {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cfg, err := blob.ParseS3("s3://clinic-files/ward/blobs/", envOf(with(map[string]string{
		"AWS_ENDPOINT_URL": "https://aws.example", blob.EnvEndpoint: "https://minio.clinic.example:9000",
		"AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-central-1"})))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bucket != "clinic-files" || cfg.Prefix != "ward/blobs" || cfg.Endpoint != "https://minio.clinic.example:9000" ||
		cfg.Region != "eu-central-1" || cfg.AccessKey != "AKID" || cfg.SecretKey != "s3cr3t-value" || cfg.URL() != "s3://clinic-files/ward/blobs" {
		t.Errorf("parsed %+v", cfg)
	}
	if cfg, err := blob.ParseS3("s3://clinic-files", envOf(nil)); err != nil || cfg.Endpoint != "" || cfg.Prefix != "" || cfg.AccessKey != "" {
		t.Errorf("bare bucket, no environment: %+v %v", cfg, err)
	}
	for _, tc := range []struct {
		url  string
		env  map[string]string
		want string // in the message
	}{
		{"s3://AKID:s3cr3t-value@bucket/x", creds, "credentials do not go in the URL"},
		{"s3://bucket/x?region=eu", creds, "without a query"},
		{"s3://Bad_Bucket/x", creds, "not a bucket name"},
		{"s3://ab/x", creds, "not a bucket name"},
		{"s3://10.0.0.1/x", creds, "not a bucket name"},
		{"s3://bucket/../x", creds, "the prefix"},
		{"s3://bucket/a//b", creds, "the prefix"},
		{"s3://bucket/a b", creds, "the prefix"},
		{"http://bucket/x", creds, "want s3://"},
		{"s3://bucket/x", map[string]string{"AWS_ACCESS_KEY_ID": "AKID"}, "both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{"s3://bucket/x", with(map[string]string{blob.EnvEndpoint: "http://minio.clinic.example:9000"}), "loopback"},
		{"s3://bucket/x", with(map[string]string{"AWS_ENDPOINT_URL": "ftp://minio"}), "want https://"},
		{"s3://bucket/x", with(map[string]string{blob.EnvEndpoint: "https://minio/path"}), "want https://"},
	} {
		_, err := blob.ParseS3(tc.url, envOf(tc.env))
		if ward.ErrorCode(err) != ward.CodeInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseS3(%q): %v, want invalid saying %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t-value") {
			t.Errorf("ParseS3(%q): the error shows the secret: %v", tc.url, err)
		}
	}
	for _, ok := range []string{"http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000", "https://s3.eu-central-1.amazonaws.com"} {
		if _, err := blob.ParseS3("s3://bucket", envOf(with(map[string]string{blob.EnvEndpoint: ok}))); err != nil {
			t.Errorf("endpoint %s: %v", ok, err)
		}
	}
}

func TestOpenPicksTheStore(t *testing.T) {
	data := t.TempDir()
	s, err := blob.Open("", data, envOf(nil))
	if _, isDir := s.(*blob.Dir); err != nil || !isDir {
		t.Errorf("Open(\"\"): %T %v", s, err)
	}
	if _, err := os.Stat(filepath.Join(data, "blobs")); err != nil {
		t.Errorf("no blobs folder: %v", err)
	}
	if s, err := blob.Open("s3://bucket/p", data, envOf(nil)); err != nil {
		t.Errorf("Open(s3://): %T %v", s, err)
	} else if _, isS3 := s.(*blob.S3); !isS3 {
		t.Errorf("Open(s3://): %T", s)
	}
	if _, err := blob.Open("/var/lib/ward/blobs", data, envOf(nil)); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Errorf("Open(a path): %v", err)
	}
}

func TestS3Ready(t *testing.T) {
	ctx := context.Background()
	srv := blobtest.StartS3(t, "ward-test")
	if err := srv.Store(t, "p").Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	other := *srv
	other.Bucket = "no-such-bucket"
	err := other.Store(t, "p").Ready(ctx)
	if ward.ErrorCode(err) != ward.CodeUnavailable || !strings.Contains(err.Error(), `"no-such-bucket" does not exist`) {
		t.Errorf("Ready without the bucket: %v", err)
	}
	if _, err := other.Store(t, "p").Put(ctx, "0123456789ab", strings.NewReader("x")); ward.ErrorCode(err) != ward.CodeUnavailable ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Put without the bucket: %v", err)
	}
	st := srv.Store(t, "p")
	srv.Close()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	err = st.Ready(cctx)
	if ward.ErrorCode(err) != ward.CodeUnavailable || ward.ErrorMessage(err) != "the blob store is not answering" ||
		!strings.Contains(err.Error(), "s3://ward-test/p at "+srv.URL) {
		t.Errorf("Ready with the server gone: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Ready took %v to see the server gone", d)
	}
	if _, err := st.Open(cctx, "0123456789ab"); ward.ErrorCode(err) != ward.CodeUnavailable {
		t.Errorf("Open with the server gone: %v", err)
	}
}

func TestDirReady(t *testing.T) {
	root := filepath.Join(t.TempDir(), "blobs")
	d, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(root)
	if err := d.Ready(context.Background()); ward.ErrorCode(err) != ward.CodeUnavailable {
		t.Errorf("Ready with the folder gone: %v", err)
	}
}

// TestS3NamedObjects covers what backups use: objects by name, listed
// under a prefix, the store's prefix kept apart from others in the bucket.
func TestS3NamedObjects(t *testing.T) {
	ctx := context.Background()
	srv := blobtest.StartS3(t, "ward-test")
	backups, blobs := srv.Store(t, "clinic/backups"), srv.Store(t, "clinic/blobs")
	if _, err := blobs.Put(ctx, "0123456789abcdef", strings.NewReader("sealed")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"2026/ward-20261206.age", "2026/ward-20261207.age", "keep.txt"} {
		if n, err := backups.PutObject(ctx, name, strings.NewReader("backup "+name)); err != nil || n != int64(len("backup "+name)) {
			t.Fatalf("PutObject(%s): %d %v", name, n, err)
		}
	}
	list, err := backups.ListObjects(ctx, "2026/")
	if err != nil || len(list) != 2 || list[0].Name != "2026/ward-20261206.age" || list[1].Name != "2026/ward-20261207.age" ||
		list[0].Size != int64(len("backup 2026/ward-20261206.age")) || list[0].Modified.IsZero() {
		t.Fatalf("ListObjects: %+v %v", list, err)
	}
	if all, _ := backups.ListObjects(ctx, ""); len(all) != 3 {
		t.Errorf("all backups: %+v", all)
	}
	rc, err := backups.OpenObject(ctx, "keep.txt")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if err := backups.DeleteObject(ctx, "2026/ward-20261206.age"); err != nil {
		t.Fatal(err)
	}
	if _, err := backups.OpenObject(ctx, "2026/ward-20261206.age"); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Errorf("after DeleteObject: %v", err)
	}
	for _, bad := range []string{"", "../blobs/0123456789abcdef", "/abs", "a//b", "a/./b", "sp ace"} {
		if _, err := backups.PutObject(ctx, bad, strings.NewReader("x")); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("PutObject(%q): %v", bad, err)
		}
	}
	names := map[string]bool{}
	for name := range srv.Objects(t) {
		names[name] = true
	}
	if !names["clinic/blobs/0123456789abcdef"] || !names["clinic/backups/keep.txt"] || len(names) != 3 {
		t.Errorf("the bucket holds %v", names)
	}
}

// TestDeployDocNamesTheS3Environment: every variable ParseS3 reads is in
// docs/deploy.md.
func TestDeployDocNamesTheS3Environment(t *testing.T) {
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	blob.ParseS3("s3://bucket/prefix", func(name string) string { asked = append(asked, name); return "" })
	if len(asked) < 8 {
		t.Fatalf("ParseS3 asked for %v", asked)
	}
	for _, name := range asked {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/deploy.md does not name %s", name)
		}
	}
}
