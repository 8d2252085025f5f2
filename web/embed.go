// Package web holds ward's browser client, built from web/src by Vite into
// web/dist and embedded into the binary. The built files are committed, so
// `go build ./...` works on a fresh clone without Node; `make web` rebuilds
// them, and TestDistIsFresh fails when web/dist no longer matches the
// sources (dist/.source-hash records the hash of the inputs it was built
// from; the algorithm is in scripts/source-hash.mjs).
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built client: index.html at its root, hashed assets
// under assets/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees dist exists
	}
	return sub
}
