package blob

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wardhealth/ward"
)

// S3 is a Store in an S3-compatible bucket: one object per blob, named
// prefix/key. It also keeps objects by name (PutObject, OpenObject,
// ListObjects, DeleteObject) for callers that are not attachments, such as
// backups. What it stores is what it is given: ward seals attachments
// before they reach it.
type S3 struct {
	client   *minio.Client
	cfg      S3Config
	where    string // "s3://bucket/prefix at https://endpoint", for errors
	partSize int64
}

// NewS3 returns an S3 store for cfg. It does not reach the server: Ready
// does.
func NewS3(cfg S3Config) (*S3, error) {
	endpoint, secure := "s3.amazonaws.com", true
	if cfg.Endpoint != "" {
		if err := checkEndpoint(cfg.Endpoint); err != nil {
			return nil, ward.Errorf(ward.CodeInvalid, "blob store endpoint %s: %v", cfg.Endpoint, err)
		}
		u, _ := url.Parse(cfg.Endpoint)
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	transport, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, err
	}
	if secure {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CAFile != "" {
			if tc.RootCAs, err = caPool(cfg.CAFile); err != nil {
				return nil, err
			}
		}
		transport.TLSClientConfig = tc
	}
	client, err := minio.New(endpoint, &minio.Options{Creds: s3Credentials(cfg), Secure: secure, Transport: transport,
		Region: cfg.Region, MaxRetries: 3})
	if err != nil {
		return nil, ward.Wrap(ward.CodeInvalid, err, "blob store "+cfg.URL()+": "+err.Error())
	}
	s := &S3{client: client, cfg: cfg, partSize: cfg.PartSize}
	s.where = cfg.URL() + " at " + client.EndpointURL().String()
	switch {
	case s.partSize == 0:
		s.partSize = DefaultPartSize
	case s.partSize < MinPartSize:
		return nil, ward.Errorf(ward.CodeInvalid, "blob store part size %d is under the 5 MiB S3 allows", cfg.PartSize)
	}
	return s, nil
}

// OpenS3 is ParseS3 then NewS3.
func OpenS3(raw string, getenv func(string) string) (*S3, error) {
	cfg, err := ParseS3(raw, getenv)
	if err != nil {
		return nil, err
	}
	return NewS3(cfg)
}

func s3Credentials(cfg S3Config) *credentials.Credentials {
	switch {
	case cfg.AccessKey != "":
		return credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	case cfg.CredentialsFile != "":
		return credentials.NewFileAWSCredentials(cfg.CredentialsFile, cfg.Profile)
	}
	return credentials.NewIAM("")
}

func caPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("blob store CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, ward.Errorf(ward.CodeInvalid, "blob store CA file %s holds no PEM certificate", file)
	}
	return pool, nil
}

// String names the bucket, prefix and endpoint (no credentials).
func (s *S3) String() string { return s.where }

func (s *S3) object(name string) string {
	if s.cfg.Prefix == "" {
		return name
	}
	return s.cfg.Prefix + "/" + name
}

// Put stores the blob under key.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := validKey(key); err != nil {
		return 0, err
	}
	return s.put(ctx, key, r)
}

// Open reads the blob under key; a missing blob is CodeNotFound.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := validKey(key); err != nil {
		return nil, err
	}
	return s.open(ctx, key)
}

// Delete removes the blob under key; a missing blob is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := validKey(key); err != nil {
		return err
	}
	return s.delete(ctx, key)
}

// Ready reports whether the bucket answers: an error names the bucket and
// endpoint and says what went wrong (unreachable, refused, no such bucket).
func (s *S3) Ready(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return s.fail("reach the bucket", "", err)
	}
	if !ok {
		return errUnavailable(fmt.Errorf("blob store %s: the bucket %q does not exist", s.where, s.cfg.Bucket))
	}
	return nil
}

// PutObject stores r under name (slash-separated parts of letters, digits,
// dots, dashes and underscores) and returns the bytes written. An object up
// to the part size goes in one request; a larger one streams as a multipart
// upload, one part in memory at a time. When it fails, no object is there,
// and a multipart upload is aborted (minio-go does so after the caller's
// context ended too); one that a crash cut short stays incomplete, which
// no listing shows (docs/deploy.md: a lifecycle rule removes such
// leftovers).
func (s *S3) PutObject(ctx context.Context, name string, r io.Reader) (int64, error) {
	if err := validName(name); err != nil {
		return 0, err
	}
	return s.put(ctx, name, r)
}

func (s *S3) put(ctx context.Context, name string, r io.Reader) (int64, error) {
	// The first part is read ahead: an object no larger goes in one
	// request, and the memory held grows with what arrives, so a small
	// attachment holds a small buffer.
	var head bytes.Buffer
	n, err := io.CopyN(&head, ctxReader{ctx, r}, s.partSize)
	// The payload goes unsigned, as it does over https anyway (TLS carries
	// it; ward's AEAD authenticates what comes back): plain http, loopback
	// only, then takes the same path, and no aws-chunked framing is needed.
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true}
	var info minio.UploadInfo
	switch {
	case errors.Is(err, io.EOF): // all of it is in head
		info, err = s.client.PutObject(ctx, s.cfg.Bucket, s.object(name), bytes.NewReader(head.Bytes()), n, opts)
	case err != nil:
		return 0, err
	default: // a whole part, perhaps more: a multipart upload of unknown length
		opts.PartSize = uint64(s.partSize)
		info, err = s.client.PutObject(ctx, s.cfg.Bucket, s.object(name), io.MultiReader(&head, ctxReader{ctx, r}), -1, opts)
	}
	if err != nil {
		return 0, s.fail("store", name, err)
	}
	return info.Size, nil
}

// OpenObject reads the object under name; a missing one is CodeNotFound.
func (s *S3) OpenObject(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	return s.open(ctx, name)
}

func (s *S3) open(ctx context.Context, name string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.object(name), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail("read", name, err)
	}
	// Stat sends the GET: a missing object, or a server that does not
	// answer, shows here rather than at the first Read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.fail("read", name, err)
	}
	return obj, nil
}

// DeleteObject removes the object under name; a missing one is not an
// error.
func (s *S3) DeleteObject(ctx context.Context, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	return s.delete(ctx, name)
}

func (s *S3) delete(ctx context.Context, name string) error {
	err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.object(name), minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return s.fail("delete", name, err)
	}
	return nil
}

// ObjectInfo is one object ListObjects found.
type ObjectInfo struct {
	Name     string // below the store's prefix
	Size     int64
	Modified time.Time
}

// ListObjects lists the objects whose names start with under ("" for all),
// in name order.
func (s *S3) ListObjects(ctx context.Context, under string) ([]ObjectInfo, error) {
	base := ""
	if s.cfg.Prefix != "" {
		base = s.cfg.Prefix + "/"
	}
	var out []ObjectInfo
	for o := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: base + under, Recursive: true}) {
		if o.Err != nil {
			return nil, s.fail("list", under, o.Err)
		}
		out = append(out, ObjectInfo{Name: strings.TrimPrefix(o.Key, base), Size: o.Size, Modified: o.LastModified})
	}
	return out, nil
}

// isNetworkError says whether err came from reaching the server rather
// than from the server's answer or the caller's reader.
func isNetworkError(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr)
}

// errUnavailable is what callers (and API clients) are told when the
// store cannot be used; detail, for the log, says why.
func errUnavailable(detail error) error {
	return ward.Wrap(ward.CodeUnavailable, detail, "the blob store is not answering")
}

// fail turns a client error into one that says what ward tried, where,
// and what the server (or the network) said: a missing object is
// CodeNotFound; a server that cannot be reached, fails, refuses ward's
// credentials or lacks the bucket is CodeUnavailable.
func (s *S3) fail(what, name string, err error) error {
	if name != "" {
		what += " " + name
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("blob store %s: %s: %w", s.where, what, err)
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == minio.NoSuchKey:
		return ward.Errorf(ward.CodeNotFound, "no such blob")
	case resp.Code == minio.NoSuchBucket:
		return errUnavailable(fmt.Errorf("blob store %s: %s: the bucket %q does not exist: %w", s.where, what, s.cfg.Bucket, err))
	case resp.Code == "AccessDenied" || resp.Code == "InvalidAccessKeyId" || resp.Code == "SignatureDoesNotMatch":
		return errUnavailable(fmt.Errorf("blob store %s: %s: refused (%s): check the credentials and the bucket's policy: %w", s.where, what, resp.Code, err))
	case resp.StatusCode >= 500 || resp.Code == "" && isNetworkError(err):
		return errUnavailable(fmt.Errorf("blob store %s: %s: %w", s.where, what, err))
	}
	// Anything else, such as the error of the reader an upload was
	// reading, keeps its code.
	return fmt.Errorf("blob store %s: %s: %w", s.where, what, err)
}

// StatObject returns the size of the object under name; a missing one is
// CodeNotFound.
func (s *S3) StatObject(ctx context.Context, name string) (int64, error) {
	if err := validName(name); err != nil {
		return 0, err
	}
	info, err := s.client.StatObject(ctx, s.cfg.Bucket, s.object(name), minio.StatObjectOptions{})
	if err != nil {
		return 0, s.fail("read", name, err)
	}
	return info.Size, nil
}

// Empty says whether no object lies below the store's prefix.
func (s *S3) Empty(ctx context.Context) (bool, error) {
	base := ""
	if s.cfg.Prefix != "" {
		base = s.cfg.Prefix + "/"
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing after its first object
	o, ok := <-s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: base, Recursive: true, MaxKeys: 1})
	switch {
	case !ok:
		return true, nil
	case o.Err != nil:
		return false, s.fail("list", "", o.Err)
	}
	return false, nil
}

// URL is the store's s3://bucket/prefix (no endpoint, no credentials).
func (s *S3) URL() string { return s.cfg.URL() }
