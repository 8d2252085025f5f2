package blobtest

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wardhealth/ward/internal/blob"
)

// S3Server is a running S3 server with one bucket (CreateBucket adds
// more).
type S3Server struct {
	URL     string // http://127.0.0.1:PORT
	Bucket  string
	srv     *httptest.Server
	backend *s3mem.Backend
}

// Credentials the server is given (gofakes3 accepts any).
const (
	AccessKey = "ward-test-access"
	SecretKey = "ward-test-secret-key"
)

// StartS3 starts an S3 server holding an empty bucket, until the test ends.
func StartS3(tb testing.TB, bucket string) *S3Server {
	tb.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		tb.Fatal(err)
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(quiet{}))
	srv := httptest.NewServer(faker.Server())
	tb.Cleanup(srv.Close)
	return &S3Server{URL: srv.URL, Bucket: bucket, srv: srv, backend: backend}
}

// CreateBucket adds an empty bucket to the server.
func (s *S3Server) CreateBucket(name string) error { return s.backend.CreateBucket(name) }

// Close stops the server: the store behind it becomes unreachable.
func (s *S3Server) Close() { s.srv.Close() }

// Env is the environment ward reads for this server (blob.ParseS3).
func (s *S3Server) Env() map[string]string {
	return map[string]string{
		blob.EnvEndpoint:        s.URL,
		"AWS_REGION":            "us-east-1",
		"AWS_ACCESS_KEY_ID":     AccessKey,
		"AWS_SECRET_ACCESS_KEY": SecretKey,
	}
}

// Getenv looks names up in Env.
func (s *S3Server) Getenv(name string) string { return s.Env()[name] }

// Store opens the bucket under prefix (s3://bucket/prefix).
func (s *S3Server) Store(tb testing.TB, prefix string) *blob.S3 {
	tb.Helper()
	return s.StoreIn(tb, s.Bucket, prefix)
}

// StoreIn opens another bucket of the server under prefix.
func (s *S3Server) StoreIn(tb testing.TB, bucket, prefix string) *blob.S3 {
	tb.Helper()
	u := "s3://" + bucket
	if prefix != "" {
		u += "/" + prefix
	}
	st, err := blob.OpenS3(u, s.Getenv)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// Objects returns every object in the bucket, by full name.
func (s *S3Server) Objects(tb testing.TB) map[string][]byte {
	tb.Helper()
	return s.ObjectsIn(tb, s.Bucket)
}

// ObjectsIn returns every object in another bucket of the server.
func (s *S3Server) ObjectsIn(tb testing.TB, bucket string) map[string][]byte {
	tb.Helper()
	ctx := context.Background()
	all := s.StoreIn(tb, bucket, "")
	list, err := all.ListObjects(ctx, "")
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[string][]byte, len(list))
	for _, o := range list {
		rc, err := all.OpenObject(ctx, o.Name)
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out[o.Name] = data
	}
	return out
}

// IncompleteUploads counts the multipart uploads begun in the bucket and
// neither completed nor aborted.
func (s *S3Server) IncompleteUploads(tb testing.TB) int {
	tb.Helper()
	c, err := minio.New(strings.TrimPrefix(s.URL, "http://"), &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for u := range c.ListIncompleteUploads(context.Background(), s.Bucket, "", true) {
		if u.Err != nil {
			tb.Fatal(u.Err)
		}
		n++
	}
	return n
}

type quiet struct{}

func (quiet) Print(gofakes3.LogLevel, ...any) {}
