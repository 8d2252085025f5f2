package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward"
)

// Sink receives each checkpoint after it is committed, so that a copy lives
// outside the database (a WORM file, syslog, another host). A database
// admin who rewrites the chain and its checkpoints cannot rewrite the sink.
type Sink interface {
	WriteCheckpoint(ctx context.Context, c Checkpoint) error
}

// ParseSink builds a sink from the --audit-checkpoint-sink value:
//
//	file:/path/to/checkpoints.jsonl  append one JSON line per checkpoint (0600, fsynced)
//	exec:/path/to/command            run the command with one JSON line on stdin;
//	                                 a non-zero exit is an error
//
// The empty string means no sink (nil, nil).
func ParseSink(spec string) (Sink, error) {
	kind, arg, ok := strings.Cut(spec, ":")
	switch {
	case spec == "":
		return nil, nil
	case ok && kind == "file" && arg != "":
		return FileSink(arg), nil
	case ok && kind == "exec" && arg != "":
		return ExecSink(arg), nil
	}
	return nil, ward.Errorf(ward.CodeInvalid, "audit checkpoint sink %q: want file:/path or exec:/path/to/command", spec)
}

// WriterSink writes one JSON line per checkpoint to w. Writes are
// serialised.
func WriterSink(w io.Writer) Sink { return &writerSink{w: w} }

type writerSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *writerSink) WriteCheckpoint(_ context.Context, c Checkpoint) error {
	line, err := checkpointLine(c)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.w.Write(line)
	return err
}

func checkpointLine(c Checkpoint) ([]byte, error) {
	b, err := json.Marshal(c)
	return append(b, '\n'), err
}

// FileSink appends one JSON line per checkpoint to the file at path,
// creating it with mode 0600, and syncs it before returning.
func FileSink(path string) Sink { return fileSink(path) }

type fileSink string

func (p fileSink) WriteCheckpoint(_ context.Context, c Checkpoint) error {
	line, err := checkpointLine(c)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(string(p), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit checkpoint sink: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("audit checkpoint sink: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit checkpoint sink: %w", err)
	}
	return f.Close()
}

// ExecSink runs the command at path (no shell, no arguments) for each
// checkpoint with its JSON line on stdin. It must exit 0 within a minute.
func ExecSink(path string) Sink { return execSink(path) }

type execSink string

func (p execSink) WriteCheckpoint(ctx context.Context, c Checkpoint) error {
	line, err := checkpointLine(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, string(p))
	cmd.Stdin = bytes.NewReader(line)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return fmt.Errorf("audit checkpoint sink %s: %w (%s)", string(p), err, msg)
	}
	return nil
}

// ReadCheckpoints reads sink JSON lines (blank lines are skipped).
func ReadCheckpoints(r io.Reader) ([]Checkpoint, error) {
	dec := json.NewDecoder(r)
	var out []Checkpoint
	for {
		var c Checkpoint
		err := dec.Decode(&c)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("checkpoint %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
}
