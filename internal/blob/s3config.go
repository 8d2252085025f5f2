package blob

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/wardhealth/ward"
)

// S3Config says where an S3-compatible bucket is and how ward signs in to
// it. ParseS3 fills it from an s3:// URL and the environment.
type S3Config struct {
	Bucket string // the bucket's name
	Prefix string // a folder in the bucket ("" or "ward/blobs"), no slashes at its ends
	// Endpoint is the server: https://host[:port], or http:// on loopback
	// only. Empty: Amazon S3.
	Endpoint string
	Region   string // empty: asked of the server
	// AccessKey and SecretKey (and SessionToken, for temporary keys) sign
	// the requests; when empty, CredentialsFile (the AWS shared credentials
	// format, profile Profile) is read; when that is empty too, the
	// instance's or container's IAM role is asked.
	AccessKey, SecretKey, SessionToken string
	CredentialsFile, Profile           string
	// CAFile is a PEM file of certificate authorities to trust besides the
	// system's, for a server with a private CA.
	CAFile string
	// PartSize is how much of an object is held in memory before it goes
	// out as one part of a multipart upload; objects up to this size go in
	// one request. 0: DefaultPartSize; at least MinPartSize.
	PartSize int64
}

// Part sizes: S3 refuses multipart parts below 5 MiB (but the last).
const (
	MinPartSize     = 5 << 20
	DefaultPartSize = 8 << 20
)

// Environment variables ParseS3 reads (docs/deploy.md).
const (
	EnvEndpoint     = "WARD_S3_ENDPOINT" // wins over AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL
	EnvCAFile       = "WARD_S3_CA_FILE"
	EnvAWSEndpoint  = "AWS_ENDPOINT_URL"
	EnvAWSEndpointS = "AWS_ENDPOINT_URL_S3"
)

// IsS3URL says whether spec names an S3 bucket (s3://…).
func IsS3URL(spec string) bool { return strings.HasPrefix(spec, "s3://") }

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	prefixPart = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// ParseS3 reads s3://bucket[/prefix] and takes the endpoint, region and
// credentials from getenv: WARD_S3_ENDPOINT, else AWS_ENDPOINT_URL_S3,
// else AWS_ENDPOINT_URL (empty: Amazon S3); AWS_REGION, else
// AWS_DEFAULT_REGION; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN), else AWS_SHARED_CREDENTIALS_FILE (AWS_PROFILE), else
// the IAM role; WARD_S3_CA_FILE. Credentials never come from the URL: it
// shows in process lists and logs.
func ParseS3(raw string, getenv func(string) string) (S3Config, error) {
	bad := func(format string, args ...any) (S3Config, error) {
		return S3Config{}, ward.Errorf(ward.CodeInvalid, "blob store %s: "+format, append([]any{redactURL(raw)}, args...)...)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" {
		return bad("want s3://bucket/prefix")
	}
	if u.User != nil {
		return bad("credentials do not go in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return bad("want s3://bucket/prefix, without a query: the endpoint and region come from the environment")
	}
	cfg := S3Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	if !bucketName.MatchString(cfg.Bucket) || strings.Contains(cfg.Bucket, "..") || net.ParseIP(cfg.Bucket) != nil {
		return bad("%q is not a bucket name (3 to 63 lower-case letters, digits, dots and dashes)", cfg.Bucket)
	}
	if cfg.Prefix != "" {
		if err := validName(cfg.Prefix); err != nil {
			return bad("the prefix %q: %v", cfg.Prefix, ward.ErrorMessage(err))
		}
	}
	cfg.Endpoint = firstSet(getenv, EnvEndpoint, EnvAWSEndpointS, EnvAWSEndpoint)
	if cfg.Endpoint != "" {
		if err := checkEndpoint(cfg.Endpoint); err != nil {
			return bad("endpoint %s: %v", cfg.Endpoint, err)
		}
	}
	cfg.Region = firstSet(getenv, "AWS_REGION", "AWS_DEFAULT_REGION")
	cfg.AccessKey, cfg.SecretKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	cfg.SessionToken = getenv("AWS_SESSION_TOKEN")
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return bad("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
	}
	cfg.CredentialsFile, cfg.Profile = getenv("AWS_SHARED_CREDENTIALS_FILE"), getenv("AWS_PROFILE")
	cfg.CAFile = getenv(EnvCAFile)
	return cfg, nil
}

// URL is the store as s3://bucket/prefix.
func (c S3Config) URL() string {
	if c.Prefix == "" {
		return "s3://" + c.Bucket
	}
	return "s3://" + c.Bucket + "/" + c.Prefix
}

// checkEndpoint admits https://host[:port], and http:// to a loopback
// host only: objects are sealed, but their names, sizes and times are not.
func checkEndpoint(e string) error {
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return errors.New("want https://host[:port]")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("plain http is allowed to a loopback address only; use https")
	}
	return errors.New("want https://host[:port]")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validName admits object names: slash-separated parts of letters,
// digits, dots, dashes and underscores, none of them "." or "..".
func validName(name string) error {
	if name == "" || len(name) > 512 {
		return ward.Errorf(ward.CodeInvalid, "an object name must be 1 to 512 characters")
	}
	for _, part := range strings.Split(name, "/") {
		if part == "." || part == ".." || !prefixPart.MatchString(part) {
			return ward.Errorf(ward.CodeInvalid, "an object name is parts of letters, digits, dots, dashes and underscores between single slashes")
		}
	}
	return nil
}

func firstSet(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(getenv(n)); v != "" {
			return v
		}
	}
	return ""
}

// redactURL drops a password from a URL for an error message.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "(a URL that does not parse)"
	case u.User != nil:
		u.User = url.User("REDACTED")
		return u.String()
	case len(raw) > 200:
		return fmt.Sprintf("%.200s…", raw)
	}
	return raw
}
