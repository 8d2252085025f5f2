package baa

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/keyring"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// putBlob seals body for ref while it streams into the blob store under
// key, and returns the plaintext size. On error nothing is left behind.
func (s *Service) putBlob(ctx context.Context, ref keyring.Ref, key string, body io.Reader) (int64, error) {
	type result struct {
		n   int64
		err error
	}
	pr, pw := io.Pipe()
	done := make(chan result, 1)
	go func() {
		n, err := s.encryptTo(ctx, ref, pw, body)
		pw.CloseWithError(err)
		done <- result{n, err}
	}()
	_, putErr := s.blobs.Put(ctx, key, pr)
	pr.CloseWithError(errors.New("blob store stopped reading"))
	res := <-done
	switch {
	case res.err != nil:
		if putErr == nil {
			s.deleteBlob(ctx, key)
		}
		return 0, res.err
	case putErr != nil:
		return 0, putErr
	}
	return res.n, nil
}

func (s *Service) encryptTo(ctx context.Context, ref keyring.Ref, w io.Writer, body io.Reader) (int64, error) {
	ew, err := s.keys.NewEncryptWriter(ctx, ref, w)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(ew, body)
	if err != nil {
		return n, err
	}
	return n, ew.Close()
}

func (s *Service) deleteBlob(ctx context.Context, key string) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log.WarnContext(ctx, "blob delete failed", "blob", key, "err", err.Error())
	}
}

// capReader reads at most MaxDocumentSize bytes: more is too_large.
type capReader struct {
	r    io.Reader
	left int64 // starts at the limit + 1
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		return 0, ward.Errorf(ward.CodeTooLarge, "the document is over the limit of %d MiB", MaxDocumentSize>>20)
	}
	return n, err
}
