// Package buildinfo says which ward this is: the version and the commit it
// was built from, for `ward version`, /healthz and support. `go build` in a
// git checkout stamps both (runtime/debug.ReadBuildInfo: the module version
// and vcs.revision); nothing needs -ldflags.
package buildinfo
