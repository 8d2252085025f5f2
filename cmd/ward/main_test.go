package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runWard runs the command in-process and returns exit code, stdout and stderr.
func runWard(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInvocationsGiveOneLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"unknown flag", []string{"serve", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"stray argument", []string{"serve", "extra"}, 2, "unexpected argument"},
		{"bad db URL", []string{"serve", "--data", dir, "--db", "mysql://x", "--addr", "127.0.0.1:0"}, 1, "database URL"},
		{"unreachable db", []string{"serve", "--data", dir, "--db", "postgres://x@127.0.0.1:1/x?connect_timeout=2", "--addr", "127.0.0.1:0"}, 1, "database does not answer"},
		{"data dir is a file", []string{"serve", "--data", file, "--addr", "127.0.0.1:0"}, 1, "not a folder"},
		{"bad smtp URL", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--smtp", "smtp://u:hunter2-secret@mail.example"}, 1, "--smtp: ?from="},
		{"backup nice out of range", []string{"backup", "--data", dir, "--to", dir, "--nice", "25"}, 2, "--nice must be 0 to 19"},
		{"backup rate below 0", []string{"backup", "--data", dir, "--to", dir, "--max-rate", "-1"}, 2, "--max-rate must be 0 or more"},
		{"scheduled backup rate below 0", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--backup-max-rate", "-5"}, 2, "--backup-max-rate 0 or more"},
		{"insecure smtp off loopback", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--smtp", "smtp+insecure://u:hunter2-secret@mail.example?from=a@b.example"}, 1, "loopback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runWard(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not say %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "hunter2-secret") {
				t.Errorf("stderr holds the SMTP password: %q", stderr)
			}
			if n := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); n != 0 {
				t.Errorf("stderr is %d lines, want one: %q", n+1, stderr)
			}
		})
	}
}

func TestFlagsReadEnvironment(t *testing.T) {
	t.Setenv("WARD_ADDR", "127.0.0.1:9")
	t.Setenv("WARD_DATA", "/from/env")
	fs := newFlags("x", new(bytes.Buffer))
	addr := fs.String("addr", "default", "")
	data := fs.String("data", "default", "")
	if err := parseFlags(fs, []string{"--data", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if *addr != "127.0.0.1:9" {
		t.Errorf("addr %q, want it from WARD_ADDR", *addr)
	}
	if *data != "/from/flag" {
		t.Errorf("data %q, want the flag to win over WARD_DATA", *data)
	}
	if got := envName("insecure-behind-tls-proxy"); got != "WARD_INSECURE_BEHIND_TLS_PROXY" {
		t.Errorf("envName: %s", got)
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runWard(t, "", "migrate", "--data", dir)
	if code != 0 || !strings.Contains(out, "schema at version") {
		t.Fatalf("migrate: exit %d, out %q, err %q", code, out, stderr)
	}
	code, out, _ = runWard(t, "", "migrate", "--data", dir)
	if code != 0 || strings.Contains(out, "applied") {
		t.Errorf("second migrate applied something: %q", out)
	}
}
