// Package web holds ward's browser client, built from web/src by Vite into
// web/dist and embedded into the binary. The built files are committed, so
// `go build ./...` works on a fresh clone without Node; `make web` rebuilds
// them, and TestDistIsFresh fails when web/dist no longer matches the
// sources (dist/.source-hash records the hash of the inputs it was built
// from; the algorithm is in scripts/source-hash.mjs).
package web
