package httpapi_test

import (
	"path/filepath"
	"testing"

	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/archive/jobs"
)

// newExports is the archive export runner of a test's handler.
func newExports(t *testing.T, f *apptest.Fixture) *jobs.Runner {
	r := jobs.New(jobs.Config{Store: f.Store, Keyring: f.Keyring, Blobs: f.Blobs, Dir: filepath.Join(t.TempDir(), "archives"),
		Patients: f.Patients, Now: f.Clock.Now})
	t.Cleanup(r.Close)
	return r
}
