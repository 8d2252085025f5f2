package buildinfo

import (
	"runtime/debug"
	"sync"
)

// version may be set at link time (-ldflags "-X
// github.com/wardhealth/ward/internal/buildinfo.version=v1.2.3") to name a
// release; otherwise the module version that go build stamped is used.
var version string

// Info is what a build says about itself.
type Info struct {
	Version string // "v1.2.3", "v0.0.0-20261206…-abcdef123456+dirty", or "dev" when unknown
	Commit  string // the git commit (12 hex digits), "+dirty" when built with local changes; "unknown" when not stamped
}

var get = sync.OnceValue(func() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	return fromBuildInfo(bi, version)
})

// Get returns this build's Info.
func Get() Info { return get() }

// fromBuildInfo reads bi; linked, when set, wins as the version.
func fromBuildInfo(bi *debug.BuildInfo, linked string) Info {
	in := Info{Version: linked, Commit: "unknown"}
	if in.Version == "" {
		in.Version = bi.Main.Version
	}
	if in.Version == "" || in.Version == "(devel)" {
		in.Version = "dev"
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		in.Commit = rev[:min(12, len(rev))]
		if dirty {
			in.Commit += "+dirty"
		}
	}
	return in
}
