package archive_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/archive"
)

// Line entries are cut into parts, each listed and verified; an export
// cancelled half-way fails and writes no manifest.
func TestPartsAndCancel(t *testing.T) {
	const part = 96 << 10
	archive.SetPartSize(t, part)
	e := seed(t, 1_000, 3) // about 330 KiB of message lines: several parts
	var buf bytes.Buffer
	m, err := e.x.Export(context.Background(), e.req, &buf)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]int{}
	for _, en := range m.Entries {
		parts[strings.SplitN(en.Name, "-", 2)[0]]++
		if !strings.HasPrefix(en.Name, "attachments/") && en.Size > part+64<<10 {
			t.Errorf("entry %s has %d bytes, over a part", en.Name, en.Size)
		}
	}
	if parts["messages"] < 2 || parts["transcript"] < 2 || m.Counts.Messages != 1_000 || m.Counts.Attachments != 3 {
		t.Fatalf("entries by kind %v, counts %+v", parts, m.Counts)
	}
	rep, err := archive.Verify(bytes.NewReader(buf.Bytes()), []age.Identity{e.id}, nil, nil)
	if err != nil || len(rep.Manifest.Entries) != len(m.Entries) {
		t.Fatalf("verify: %v", err)
	}

	// Cancelled a third of the way through (by bytes written, not by the
	// progress reports, which come every 200 ms however fast the machine).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	total := buf.Len()
	buf.Reset()
	out := &cancelAfter{w: &buf, n: total / 3, cancel: cancel}
	if _, err := e.x.Export(ctx, e.req, out); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled export: %v", err)
	}
	if buf.Len() >= total {
		t.Fatalf("the cancelled export wrote all %d bytes", buf.Len())
	}
	var p *archive.Problem
	if _, err := archive.Verify(bytes.NewReader(buf.Bytes()), []age.Identity{e.id}, nil, nil); !errors.As(err, &p) || !strings.Contains(p.What, "truncated") {
		t.Fatalf("verify of a cancelled export: %v", err)
	}
}

// cancelAfter writes to w and calls cancel once n bytes are through.
type cancelAfter struct {
	w      io.Writer
	n      int
	cancel func()
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

// A selection with no messages is refused before anything is written.
func TestEmptySelection(t *testing.T) {
	e := seed(t, 10, 0)
	req := *e.req
	req.Selection.PatientID = "someone-else"
	var buf bytes.Buffer
	if _, err := e.x.Export(context.Background(), &req, &buf); ward.ErrorCode(err) != ward.CodeNotFound || buf.Len() != 0 {
		t.Fatalf("empty selection: %v, %d bytes written", err, buf.Len())
	}
	req = *e.req
	req.Selection.From = req.Selection.To
	if _, err := e.x.Export(context.Background(), &req, &buf); ward.ErrorCode(err) != ward.CodeInvalid || buf.Len() != 0 {
		t.Fatalf("empty range: %v", err)
	}
}
