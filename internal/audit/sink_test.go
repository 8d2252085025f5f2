package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"github.com/wardhealth/ward/internal/clocktest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestSinks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoints.jsonl")
	fs, err := audit.ParseSink("file:" + path)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.SQLite(t, clocktest.New().Now)
	var buf bytes.Buffer
	s := mustSealer(t, st, multi{fs, audit.WriterSink(&buf)})
	var want []audit.Checkpoint
	for i := range 3 {
		mustAppend(t, st, i*5, 5)
		s.Seal(ctx)
		cp, ok, err := s.Checkpoint(ctx)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		want = append(want, cp)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, _ := f.Stat(); fi.Mode().Perm() != 0o600 {
		t.Errorf("sink file mode %v", fi.Mode())
	}
	got, err := audit.ReadCheckpoints(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("file sink (-want +got):\n%s", diff)
	}
	if got, _ := audit.ReadCheckpoints(&buf); !cmp.Equal(want, got) {
		t.Fatalf("writer sink: %v", got)
	}
	for _, c := range got {
		if err := c.VerifySignature([]ed25519.PublicKey{pub(testKey(1))}); err != nil {
			t.Fatal(err)
		}
	}

	// exec: the command gets the JSON line on stdin.
	out := filepath.Join(dir, "exec.out")
	script := filepath.Join(dir, "sink.sh")
	os.WriteFile(script, []byte("#!/bin/sh\ncat >> "+out+"\n"), 0o700)
	es, err := audit.ParseSink("exec:" + script)
	if err != nil {
		t.Fatal(err)
	}
	if err := es.WriteCheckpoint(ctx, want[0]); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if got, _ := audit.ReadCheckpoints(bytes.NewReader(b)); !cmp.Equal(want[:1], got) {
		t.Fatalf("exec sink wrote %q", b)
	}
	failing, _ := audit.ParseSink("exec:/bin/false")
	if err := failing.WriteCheckpoint(ctx, want[0]); err == nil {
		t.Fatal("a failing sink command succeeded")
	}
	for _, bad := range []string{"file:", "s3://bucket", "exec"} {
		if _, err := audit.ParseSink(bad); err == nil {
			t.Errorf("ParseSink(%q) succeeded", bad)
		}
	}
	if s, err := audit.ParseSink(""); s != nil || err != nil {
		t.Errorf("ParseSink(\"\") = %v, %v", s, err)
	}
}

type multi []audit.Sink

func (m multi) WriteCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	for _, s := range m {
		if err := s.WriteCheckpoint(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
