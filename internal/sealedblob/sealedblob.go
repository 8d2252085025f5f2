package sealedblob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
)

// NewKey is a random blob key: it says nothing about the file.
func NewKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Put seals body for ref while it streams into blobs under key, and
// returns the plaintext size. On error nothing is left behind.
func Put(ctx context.Context, keys *keyring.Keyring, blobs blob.Store, log *slog.Logger, ref keyring.Ref, key string, body io.Reader) (int64, error) {
	type result struct {
		n   int64
		err error
	}
	pr, pw := io.Pipe()
	done := make(chan result, 1)
	go func() {
		n, err := encryptTo(ctx, keys, ref, pw, body)
		pw.CloseWithError(err) // nil: the blob store reads io.EOF
		done <- result{n, err}
	}()
	_, putErr := blobs.Put(ctx, key, pr)
	pr.CloseWithError(errors.New("blob store stopped reading")) // unblocks the writer after a failed Put
	res := <-done
	switch {
	case res.err != nil:
		if putErr == nil {
			Delete(ctx, blobs, log, key)
		}
		return 0, res.err
	case putErr != nil:
		return 0, putErr
	}
	return res.n, nil
}

// encryptTo seals everything body yields for ref into w.
func encryptTo(ctx context.Context, keys *keyring.Keyring, ref keyring.Ref, w io.Writer, body io.Reader) (int64, error) {
	ew, err := keys.NewEncryptWriter(ctx, ref, w)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(ew, body)
	if err != nil {
		return n, err
	}
	return n, ew.Close()
}

// Delete deletes a blob, even once ctx has ended, logging (only the key)
// when it cannot.
func Delete(ctx context.Context, blobs blob.Store, log *slog.Logger, key string) {
	if err := blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		log.WarnContext(ctx, "blob delete failed", "blob", key, "err", err.Error())
	}
}

// Cap reads at most max bytes of r: reading more is too_large, "the WHAT
// is over the limit of N MiB".
func Cap(r io.Reader, max int64, what string) io.Reader {
	return &capReader{r: r, left: max + 1, max: max, what: what}
}

type capReader struct {
	r         io.Reader
	left, max int64 // left starts at max+1
	what      string
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		return 0, ward.Errorf(ward.CodeTooLarge, "the %s is over the limit of %d MiB", c.what, c.max>>20)
	}
	return n, err
}
