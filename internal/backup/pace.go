package backup

import (
	"context"
	"io"
	"time"
)

// pacedWriter holds a backup's writes to rate bytes a second, on average
// since the first write (Options.MaxRate): a server being backed up keeps
// the disk (and the cores) it needs. Without a limit a backup takes all the
// disk can write, and every commit of the server, each an fsync, waits in
// the disk's queue behind the backup's writes.
type pacedWriter struct {
	ctx   context.Context
	w     io.Writer
	rate  float64 // bytes a second
	start time.Time
	n     int64
}

func newPacedWriter(ctx context.Context, w io.Writer, rate int64) io.Writer {
	if rate <= 0 {
		return w
	}
	return &pacedWriter{ctx: ctx, w: w, rate: float64(rate)}
}

func (p *pacedWriter) Write(b []byte) (int, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	n, err := p.w.Write(b)
	p.n += int64(n)
	if err != nil {
		return n, err
	}
	ahead := time.Duration(float64(p.n)/p.rate*float64(time.Second)) - time.Since(p.start)
	if ahead <= 0 {
		return n, nil
	}
	t := time.NewTimer(ahead)
	defer t.Stop()
	select {
	case <-t.C:
		return n, nil
	case <-p.ctx.Done():
		return n, p.ctx.Err()
	}
}
