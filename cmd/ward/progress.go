package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar shows a long command's progress on stderr: a bar redrawn in
// place with the percentage and the time left when stderr is a terminal,
// otherwise a plain line every tenth.
type progressBar struct {
	w        io.Writer
	tty      bool
	start    time.Time
	lastTick int // tenths reported (plain lines)
	drawn    bool
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, start: time.Now(), lastTick: -1}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

// show reports frac done (0 to 1) with plain bytes written or read.
func (b *progressBar) show(frac float64, plain int64) {
	frac = min(max(frac, 0), 1)
	elapsed := time.Since(b.start)
	eta := "--:--"
	if frac > 0.001 {
		eta = clock(time.Duration(float64(elapsed) * (1 - frac) / frac))
	}
	rate := float64(plain) / (1 << 20) / max(elapsed.Seconds(), 0.001)
	if b.tty {
		const width = 30
		full := int(frac * width)
		fmt.Fprintf(b.w, "\r[%s%s] %3.0f%%  ETA %s  %.1f MiB/s ", strings.Repeat("#", full), strings.Repeat(" ", width-full),
			frac*100, eta, rate)
		b.drawn = true
		return
	}
	if tick := int(frac * 10); tick > b.lastTick {
		b.lastTick = tick
		fmt.Fprintf(b.w, "progress: %3.0f%%, ETA %s, %s, %.1f MiB/s\n", frac*100, eta, sizeOf(plain), rate)
	}
}

// done ends the bar's line.
func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// clock is d as m:ss (or h:mm:ss).
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
