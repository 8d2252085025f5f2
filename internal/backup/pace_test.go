package backup

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// A paced writer writes everything, at no more than its rate on average:
// 3 MiB at 8 MiB/s takes at least 3/8 s. Without a rate it does not wait.
func TestPacedWriterHoldsItsRate(t *testing.T) {
	var out bytes.Buffer
	w := newPacedWriter(context.Background(), &out, 8<<20)
	chunk := make([]byte, 64<<10)
	start := time.Now()
	for range 48 {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 370*time.Millisecond {
		t.Errorf("3 MiB at 8 MiB/s took %v", took)
	}
	if out.Len() != 3<<20 {
		t.Errorf("wrote %d bytes", out.Len())
	}
	if w := newPacedWriter(context.Background(), &out, 0); w != &out {
		t.Errorf("no rate gave %T, not the writer itself", w)
	}
}

// A paced writer waiting its turn stops when its context ends.
func TestPacedWriterStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := newPacedWriter(ctx, &bytes.Buffer{}, 1<<10) // 1 KiB/s
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, err := w.Write(make([]byte, 1<<20)); err != context.Canceled { // 1,024 s of writing
		t.Fatalf("err %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stopped after %v", took)
	}
}
