package httpapi

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/web"
)

// staticRoutes serves the browser client (package web) at /: a GET or HEAD
// of any path outside /api/ that names no file answers index.html, so the
// client's own routes survive a reload. Vite's hashed files under /assets/
// never change, so browsers may keep them for a year; index.html is never
// stored, so a new release is picked up at once. Unknown /api/ paths and
// other methods still answer problem+json 404. It is the catch-all "/"
// route, registered last: every more specific pattern wins over it.
func (h *Handler) staticRoutes() {
	h.public("/", h.serveStatic(web.Dist()))
}

func (h *Handler) serveStatic(files fs.FS) publicHandler {
	index, indexErr := fs.ReadFile(files, "index.html")
	return func(w http.ResponseWriter, r *http.Request) error {
		p := r.URL.Path
		if r.Method != http.MethodGet && r.Method != http.MethodHead || p == "/api" || strings.HasPrefix(p, "/api/") {
			return h.notFound(w, r)
		}
		name := strings.TrimPrefix(path.Clean(p), "/")
		if name != "" && name != "index.html" && servable(name) {
			if b, err := fs.ReadFile(files, name); err == nil {
				if strings.HasPrefix(name, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					w.Header().Set("Cache-Control", "no-cache")
				}
				if path.Ext(name) == ".webmanifest" { // not in Go's built-in types
					w.Header().Set("Content-Type", "application/manifest+json")
				}
				http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
				return nil
			}
			if strings.HasPrefix(name, "assets/") {
				// A missing hashed asset is a stale page asking for an old
				// release: answering index.html would only confuse it.
				return ward.Errorf(ward.CodeNotFound, "no such file")
			}
		}
		if indexErr != nil {
			return ward.Wrap(ward.CodeNotFound, indexErr, "the web client is not built into this binary")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			io.Copy(w, bytes.NewReader(index))
		}
		return nil
	}
}

// servable reports whether a path may be served as a file: no dot-files
// (such as .source-hash) and no path tricks.
func servable(name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return true
}
