package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sourceHash is scripts/source-hash.mjs in Go: for every build input,
// sorted by path relative to web/, hash "<path> <sha256 hex>\n".
func sourceHash(t *testing.T) string {
	t.Helper()
	var files []string
	for _, f := range []string{"index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"} {
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	for _, dir := range []string{"src", "public"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == dir {
					return filepath.SkipDir
				}
				return err
			}
			if d.Type().IsRegular() && !strings.HasSuffix(p, ".test.ts") {
				files = append(files, filepath.ToSlash(p))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := sha256.Sum256(b)
		fmt.Fprintf(h, "%s %s\n", f, hex.EncodeToString(c[:]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDistIsFresh(t *testing.T) {
	b, err := fs.ReadFile(Dist(), ".source-hash")
	if err != nil {
		t.Fatalf("web/dist has no .source-hash: run make web (%v)", err)
	}
	got, want := strings.TrimSpace(string(b)), sourceHash(t)
	if got != want {
		t.Fatalf("web/dist is stale: it was built from sources with hash %s, the sources now hash to %s; run make web and commit web/dist", got, want)
	}
}

func TestDistIsCSPClean(t *testing.T) {
	index, err := fs.ReadFile(Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(index)
	// Every <script> must load a file: the CSP (script-src 'self') blocks
	// inline code, and style-src 'self' blocks style attributes and blocks.
	for _, bad := range []string{"<script>", "<script type=\"module\">", " style=", "<style", "javascript:", "http://", "https://"} {
		if strings.Contains(html, bad) {
			t.Errorf("index.html contains %q, which the strict CSP forbids or which reaches another origin", bad)
		}
	}
	if !strings.Contains(html, `<script type="module" crossorigin src="/assets/`) {
		t.Errorf("index.html does not load its script from /assets/:\n%s", html)
	}
	// No asset may name another origin (no CDN, no third-party request).
	err = fs.WalkDir(Dist(), "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Dist(), p)
		if err != nil {
			return err
		}
		for _, bad := range []string{"//cdn.", "fonts.googleapis", "unpkg.com", "jsdelivr"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s mentions %q", p, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
