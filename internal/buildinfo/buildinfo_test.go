package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206162100-b45cefe0a1b2+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "b45cefe0a1b2c3d4e5f60718293a4b5c6d7e8f90"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		name   string
		bi     *debug.BuildInfo
		linked string
		want   Info
	}{
		{"go build in a checkout", stamped, "", Info{Version: "v0.0.0-20261206162100-b45cefe0a1b2+dirty", Commit: "b45cefe0a1b2+dirty"}},
		{"a release named at link time", stamped, "v1.4.0", Info{Version: "v1.4.0", Commit: "b45cefe0a1b2+dirty"}},
		{"no stamp (go run, tests)", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", Info{Version: "dev", Commit: "unknown"}},
	} {
		if got := fromBuildInfo(tc.bi, tc.linked); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
