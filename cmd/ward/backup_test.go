package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCommands: ward backup prints the backup's path; ward backup
// verify exits 0 on it and 1 naming the entry when a byte is flipped; its
// --restore-test restores and verifies the audit chain; ward restore
// refuses a non-empty data dir and fills an empty one.
func TestBackupCommands(t *testing.T) {
	data := archiveData(t)
	identity, recipient := archiveKey(t)
	out := t.TempDir()
	code, stdout, stderr := runWard(t, "", "backup", "--nice", "0", "--data", data, "--to", out, "--recipient", recipient)
	if code != 0 {
		t.Fatalf("ward backup: exit %d, %s", code, stderr)
	}
	file := strings.TrimSpace(stdout)
	if filepath.Dir(file) != out || !strings.HasSuffix(file, ".wardbackup") {
		t.Fatalf("ward backup printed %q, want a file in %s", stdout, out)
	}
	if !strings.Contains(stderr, "backup written") {
		t.Fatalf("no summary on stderr: %s", stderr)
	}
	if code, _, stderr := runWard(t, "", "backup", "--nice", "0", "--data", data, "--to", out); code != 2 || !strings.Contains(stderr, "no key") {
		t.Fatalf("ward backup without a key: exit %d, %s", code, stderr)
	}

	if code, stdout, _ := runWard(t, "", "backup", "status", "--data", data); code != 0 || !strings.Contains(stdout, "(success)") || !strings.Contains(stdout, file) {
		t.Fatalf("ward backup status: exit %d, %s", code, stdout)
	}
	code, stdout, stderr = runWard(t, "", "backup", "verify", file, "--identity", identity)
	if code != 0 || !strings.Contains(stdout, "backup intact") {
		t.Fatalf("ward backup verify: exit %d, %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = runWard(t, "", "backup", "verify", file, "--identity", identity, "--restore-test", "--data", data)
	if code != 0 || !strings.Contains(stdout, "restore test OK") || !strings.Contains(stdout, "audit chain OK") {
		t.Fatalf("ward backup verify --restore-test: exit %d, %s %s", code, stdout, stderr)
	}

	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	bad := filepath.Join(t.TempDir(), "bad.wardbackup")
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runWard(t, "", "backup", "verify", bad, "--identity", identity)
	if code != 1 || !strings.Contains(stderr, "backup NOT intact: entry ") {
		t.Fatalf("ward backup verify of a changed file: exit %d, %s", code, stderr)
	}

	code, _, stderr = runWard(t, "", "restore", "--from", file, "--data", data, "--identity", identity)
	if code != 1 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("ward restore into the live data dir: exit %d, %s", code, stderr)
	}
	fresh := t.TempDir()
	code, stdout, stderr = runWard(t, "", "restore", "--from", file, "--data", fresh, "--identity", identity)
	if code != 0 || !strings.Contains(stdout, "restored the backup") {
		t.Fatalf("ward restore: exit %d, %s %s", code, stdout, stderr)
	}
	// Without the live key files the restored ward does not start.
	if code, _, stderr := runWard(t, "", "audit", "verify", "--data", fresh); code == 0 {
		t.Fatalf("ward audit verify without the master key: exit 0, %s", stderr)
	}
	for _, name := range []string{"master.key", "shred.keys"} {
		k, err := os.ReadFile(filepath.Join(data, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(fresh, name), k, 0o600)
	}
	if code, stdout, stderr := runWard(t, "", "audit", "verify", "--data", fresh); code != 0 {
		t.Fatalf("ward audit verify of the restore: exit %d, %s %s", code, stdout, stderr)
	}
}
