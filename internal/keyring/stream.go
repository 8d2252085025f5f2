package keyring

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/wardhealth/ward"
)

// Streaming AEAD for attachments (the STREAM construction): the plaintext is
// cut into ChunkSize chunks, each sealed with AES-256-GCM under the scope's
// data key. A chunk's nonce is the stream's random 8-byte prefix followed by
// the chunk's 32-bit counter, and its associated data is the stream header,
// the ref, and a flag that is 1 on the last chunk only. So a reader detects
// chunks that are reordered, duplicated, dropped, taken from another stream,
// a stream cut short (at a chunk boundary or not) and bytes appended.

// ChunkSize is the plaintext size of every chunk but the last.
const ChunkSize = 64 << 10

const maxChunks = math.MaxUint32

// EncryptedSize is the size of the stream that encrypting n plaintext bytes
// produces.
func EncryptedSize(n int64) int64 {
	chunks := n / ChunkSize
	if n%ChunkSize != 0 || n == 0 {
		chunks++
	}
	return streamHdrLen + n + chunks*tagSize
}

// NewEncryptWriter returns a writer that encrypts what is written to it for
// ref and writes the stream to w. It writes the header at once. Close must be
// called to write the final chunk; it does not close w.
func (k *Keyring) NewEncryptWriter(ctx context.Context, ref Ref, w io.Writer) (io.WriteCloser, error) {
	if err := ref.validate(); err != nil {
		return nil, err
	}
	e, err := k.sealKey(ctx, ref.Org, ref.Scope)
	if err != nil {
		return nil, err
	}
	h := streamHeader{key: e.id}
	if _, err := rand.Read(h.prefix[:]); err != nil {
		return nil, fmt.Errorf("keyring: random nonce prefix: %w", err)
	}
	hdr := h.bytes()
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	return &encryptWriter{w: w, s: newStreamState(e.aead, h, hdr, ref),
		buf: make([]byte, 0, ChunkSize), out: make([]byte, 0, ChunkSize+tagSize)}, nil
}

// streamState is what both directions share: the key, the nonce and the
// associated data, whose last byte is the final-chunk flag.
type streamState struct {
	aead    cipher.AEAD
	nonce   [nonceSize]byte
	ad      []byte
	counter uint64
}

func newStreamState(a cipher.AEAD, h streamHeader, hdr []byte, ref Ref) streamState {
	s := streamState{aead: a}
	copy(s.nonce[:], h.prefix[:])
	s.ad = append(appendAD(append([]byte(nil), hdr...), ref), 0)
	return s
}

// next sets up the nonce and final flag of the next chunk.
func (s *streamState) next(final bool) error {
	if s.counter > maxChunks {
		return ward.Errorf(ward.CodeTooLarge, "attachment is too large to encrypt")
	}
	binary.BigEndian.PutUint32(s.nonce[prefixSize:], uint32(s.counter))
	s.counter++
	s.ad[len(s.ad)-1] = 0
	if final {
		s.ad[len(s.ad)-1] = 1
	}
	return nil
}

type encryptWriter struct {
	w      io.Writer
	s      streamState
	buf    []byte // plaintext not yet sealed
	out    []byte
	err    error
	closed bool
}

func (ew *encryptWriter) Write(p []byte) (int, error) {
	if ew.err != nil {
		return 0, ew.err
	}
	if ew.closed {
		return 0, errors.New("keyring: write to a closed attachment writer")
	}
	n := 0
	for len(p) > 0 {
		// A full buffer is sealed as a middle chunk only once more data
		// comes; at Close it is the final chunk.
		if len(ew.buf) == ChunkSize {
			if err := ew.flush(false); err != nil {
				return n, err
			}
		}
		m := copy(ew.buf[len(ew.buf):ChunkSize], p)
		ew.buf = ew.buf[:len(ew.buf)+m]
		p = p[m:]
		n += m
	}
	return n, nil
}

func (ew *encryptWriter) flush(final bool) error {
	if err := ew.s.next(final); err != nil {
		ew.err = err
		return err
	}
	ew.out = ew.s.aead.Seal(ew.out[:0], ew.s.nonce[:], ew.buf, ew.s.ad)
	ew.buf = ew.buf[:0]
	if _, err := ew.w.Write(ew.out); err != nil {
		ew.err = err
		return err
	}
	return nil
}

// Close seals and writes the final chunk. It does not close the underlying
// writer.
func (ew *encryptWriter) Close() error {
	if ew.closed {
		return ew.err
	}
	ew.closed = true
	if ew.err != nil {
		return ew.err
	}
	return ew.flush(true)
}

// NewDecryptReader returns a reader of the plaintext of the attachment
// stream r, which must have been encrypted for ref. It reads the header at
// once. Each chunk is returned only after it authenticates; a stream that
// was altered, reordered, cut short or extended makes Read return an error
// with CodeIntegrity instead of io.EOF, so a short read never passes for the
// whole attachment. A shredded scope fails with CodeNotFound.
func (k *Keyring) NewDecryptReader(ctx context.Context, ref Ref, r io.Reader) (io.Reader, error) {
	if err := ref.validate(); err != nil {
		return nil, err
	}
	hdr := make([]byte, streamHdrLen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errCorrupt("attachment header is truncated")
		}
		return nil, err
	}
	h, err := parseStreamHeader(hdr)
	if err != nil {
		return nil, err
	}
	e, err := k.openKey(ctx, nil, h.key, ref.Org, ref.Scope)
	if err != nil {
		return nil, err
	}
	return &decryptReader{r: r, s: newStreamState(e.aead, h, hdr, ref),
		cbuf: make([]byte, ChunkSize+tagSize+1), pbuf: make([]byte, 0, ChunkSize)}, nil
}

type decryptReader struct {
	r     io.Reader
	s     streamState
	cbuf  []byte // one chunk and one byte of look-ahead
	carry int    // look-ahead bytes already in cbuf
	pbuf  []byte
	pt    []byte // authenticated plaintext not yet returned
	done  bool
	err   error
}

func (dr *decryptReader) Read(p []byte) (int, error) {
	for len(dr.pt) == 0 {
		if dr.err != nil {
			return 0, dr.err
		}
		if dr.done {
			return 0, io.EOF
		}
		dr.err = dr.nextChunk()
	}
	n := copy(p, dr.pt)
	dr.pt = dr.pt[n:]
	return n, nil
}

// nextChunk reads and opens one chunk. A chunk is final when the stream
// ends right after it: one byte of look-ahead tells.
func (dr *decryptReader) nextChunk() error {
	m, err := io.ReadFull(dr.r, dr.cbuf[dr.carry:])
	total := dr.carry + m
	final := false
	switch {
	case err == nil:
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		final = true
	default:
		return err
	}
	size := total
	if !final {
		size = ChunkSize + tagSize
	}
	if size < tagSize {
		return errCorrupt("attachment is truncated")
	}
	if err := dr.s.next(final); err != nil {
		return errCorrupt("attachment has too many chunks")
	}
	pt, err := dr.s.aead.Open(dr.pbuf[:0], dr.s.nonce[:], dr.cbuf[:size], dr.s.ad)
	if err != nil {
		return errCorrupt("attachment chunk failed authentication (altered, reordered, truncated or extended)")
	}
	dr.pt = pt
	dr.done = final
	dr.carry = 0
	if !final {
		dr.cbuf[0] = dr.cbuf[size]
		dr.carry = 1
	}
	return nil
}
