package blob

import (
	"path/filepath"

	"github.com/wardhealth/ward"
)

// Open returns the store spec names: "" is the folder DATA/blobs;
// s3://bucket/prefix is an S3-compatible bucket, with its endpoint, region
// and credentials from getenv (ParseS3). Open does not reach a bucket:
// call Ready for that.
func Open(spec, dataDir string, getenv func(string) string) (Store, error) {
	switch {
	case spec == "":
		return NewDir(filepath.Join(dataDir, "blobs"))
	case IsS3URL(spec):
		return OpenS3(spec, getenv)
	}
	return nil, ward.Errorf(ward.CodeInvalid, "--blobs takes s3://bucket/prefix; leave it empty to keep attachments in the data dir's blobs folder")
}
