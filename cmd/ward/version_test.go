package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `ward <command> --help` prints its usage once.
func TestHelpPrintsUsageOnce(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"audit", "verify", "-h"}, {"migrate", "--help"}} {
		code, out, _ := runWard(t, "", args...)
		if code != 0 || strings.Count(out, "usage: ward") != 1 {
			t.Errorf("%v: exit %d, usage printed %d times:\n%s", args, code, strings.Count(out, "usage: ward"), out)
		}
	}
}

// A binary built as `make build` does, in the git checkout, names its
// version and commit: go build stamps them (-buildvcs=auto, the default,
// spelled out because a GOFLAGS=-buildvcs=false would turn it off), no
// -ldflags needed.
func TestVersionStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git: go build cannot stamp the commit")
	}
	if out, err := exec.Command("git", "rev-parse", "--is-inside-work-tree").CombinedOutput(); err != nil {
		t.Skipf("not a git checkout: %s", out)
	}
	bin := filepath.Join(t.TempDir(), "ward")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=auto", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ward v\S+ \(commit [0-9a-f]{12}(\+dirty)?\)\n$`).Match(out) {
		t.Fatalf("ward version said %q, want a stamped version and commit", out)
	}
}
