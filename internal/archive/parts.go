package archive

import (
	"bytes"
	"fmt"
)

// parts is a line entry cut into numbered parts (messages-0001.jsonl, …):
// lines gather in memory and each part is written when it reaches
// PartSize, so an export holds one part at most.
type parts struct {
	w          *Writer
	base, ext  string
	head, foot func(n int) string // each part's opening and closing (the transcript's page), or nil
	buf        bytes.Buffer
	n          int // parts written
	lines      int // lines in buf
	limit      int
}

// partSize is PartSize; the tests make it smaller, to see several parts
// without seeding tens of thousands of messages.
var partSize = PartSize

func newParts(w *Writer, base, ext string) *parts {
	return &parts{w: w, base: base, ext: ext, limit: partSize}
}

// line adds one line (b holds no newline of its own).
func (p *parts) line(b []byte) error {
	if p.lines == 0 && p.head != nil {
		p.buf.WriteString(p.head(p.n + 1))
	}
	p.buf.Write(b)
	p.buf.WriteByte('\n')
	p.lines++
	if p.buf.Len() >= p.limit {
		return p.flush()
	}
	return nil
}

// flush writes the gathered lines as the next part, if there are any.
func (p *parts) flush() error {
	if p.lines == 0 {
		return nil
	}
	if p.foot != nil {
		p.buf.WriteString(p.foot(p.n + 1))
	}
	p.n++
	name := fmt.Sprintf("%s-%04d.%s", p.base, p.n, p.ext)
	err := p.w.AddBytes(name, p.buf.Bytes())
	p.buf.Reset()
	p.lines = 0
	return err
}
