package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/blob"
)

// emptier is a blob store that can say whether it holds anything (an S3
// bucket below its prefix).
type emptier interface {
	Empty(ctx context.Context) (bool, error)
}

// checkEmptyBlobs refuses a restore into a bucket that holds objects.
func checkEmptyBlobs(ctx context.Context, st blob.Store) error {
	e, ok := st.(emptier)
	if !ok {
		return nil
	}
	empty, err := e.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return ward.Wrap(ward.CodeConflict, fmt.Errorf("restore: %v: %w", st, ErrNotEmpty),
			fmt.Sprintf("restore: the blob store %v is not empty: restore into an empty bucket or prefix", st))
	}
	return nil
}

// uploadParallel is how many blobs go up to a bucket at once; a blob up to
// uploadBuffered bytes is read into memory and sent by a worker while the
// backup reads on, a larger one streams up as it is read.
const (
	uploadParallel = 8
	uploadBuffered = 16 << 20
)

// blobUploader puts a restore's blobs into a store, remembering them so a
// restore that fails can take them back out.
type blobUploader struct {
	ctx  context.Context
	st   blob.Store
	sem  chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	keys []string
	err  error
}

func newBlobUploader(ctx context.Context, st blob.Store) *blobUploader {
	return &blobUploader{ctx: ctx, st: st, sem: make(chan struct{}, uploadParallel)}
}

func (u *blobUploader) failed() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

func (u *blobUploader) done(key string, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.keys = append(u.keys, key) // even a failed put may have landed
	if err != nil && u.err == nil {
		u.err = fmt.Errorf("restore: blob %s: %w", key, err)
	}
}

// put reads the entry r (the backup reader hashes it as it goes) and
// stores it under key.
func (u *blobUploader) put(key string, r io.Reader) error {
	if err := u.failed(); err != nil {
		return err
	}
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, uploadBuffered+1)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if n > uploadBuffered { // a large one: streamed, here
		_, err := u.st.Put(u.ctx, key, io.MultiReader(&buf, r))
		u.done(key, err)
		return u.failed()
	}
	u.sem <- struct{}{}
	u.wg.Add(1)
	go func() {
		defer func() { <-u.sem; u.wg.Done() }()
		_, err := u.st.Put(u.ctx, key, &buf)
		u.done(key, err)
	}()
	return nil
}

// wait waits for the uploads and returns the first failure.
func (u *blobUploader) wait() error {
	u.wg.Wait()
	return u.failed()
}

// undo deletes what was put (a restore that failed).
func (u *blobUploader) undo() {
	u.wg.Wait()
	ctx := context.WithoutCancel(u.ctx)
	for _, k := range u.keys {
		u.st.Delete(ctx, k)
	}
}
