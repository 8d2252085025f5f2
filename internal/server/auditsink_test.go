package server_test

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/server"
)

// Without --audit-checkpoint-sink, ward serve says at start that the
// signed checkpoints stay only in the database (issue 21, finding 5).
func TestServeWarnsWithoutCheckpointSink(t *testing.T) {
	const warning = "no audit checkpoint sink"
	var logs syncBuffer
	started(t, server.Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if !strings.Contains(logs.String(), warning) || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("no warning about the missing sink in %s", logs.String())
	}
	var with syncBuffer
	dir := t.TempDir()
	started(t, server.Config{DataDir: dir, AuditCheckpointSink: "file:" + filepath.Join(dir, "cp.jsonl"),
		Logger: slog.New(slog.NewJSONHandler(&with, nil))})
	if strings.Contains(with.String(), warning) {
		t.Fatalf("warned with a sink configured: %s", with.String())
	}
}
