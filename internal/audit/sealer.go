package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// SealerOptions configures a Sealer.
type SealerOptions struct {
	// Key signs checkpoints (from the keyring). Required for Checkpoint.
	Key ed25519.PrivateKey
	// Sink, when set, receives a copy of every checkpoint after it commits.
	Sink Sink
	// MACKey, when set (keyring.AuditMACKey; ward always sets it), makes
	// the sealer refuse to chain an event without a valid MAC: it seals the
	// events before it and stops there, returning a *Problem (kind forged)
	// that names the event's id, until someone removes the row. Events made
	// before MACs are still sealed while the chain's head has no MAC.
	MACKey []byte
	// Batch bounds the events sealed per transaction (default 500). The
	// sealer shares the database's single writer with every request, so a
	// transaction of its own must stay short: at 500 events it holds the
	// writer about 10 ms, and sends queue behind it no longer than that
	// (5,000 held it over 100 ms, the p99 of sends at 1,000/s).
	Batch int
}

// Sealer seals the events inserted unsealed (by a ward command, or before
// SealOnInsert), signs checkpoints and purges. Run one per deployment
// (internal/server runs it on the job leader); every transaction of it
// takes the chain's lock first (store.LockAuditChain), so a second one
// waits and then finds nothing left to do.
type Sealer struct {
	st     *store.Store
	key    ed25519.PrivateKey
	sink   Sink
	batch  int
	macKey []byte
}

// NewSealer makes a Sealer on st.
func NewSealer(st *store.Store, opts SealerOptions) (*Sealer, error) {
	if opts.Key != nil && len(opts.Key) != ed25519.PrivateKeySize {
		return nil, ward.Errorf(ward.CodeInvalid, "audit: checkpoint key is not an Ed25519 private key")
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	return &Sealer{st: st, key: opts.Key, sink: opts.Sink, batch: opts.Batch, macKey: bytes.Clone(opts.MACKey)}, nil
}

// Seal chains every unsealed event, oldest insertion first: each gets the
// next contiguous seq, the previous event's hash and its own hash. It
// returns how many it sealed.
// An event without a valid MAC (see SealerOptions.MACKey) stops it: the
// events before it are sealed, and the error wraps a *Problem naming it.
func (s *Sealer) Seal(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		var refused *Problem
		err := s.st.Write(ctx, func(tx *store.Tx) (err error) {
			if err = tx.LockAuditChain(ctx); err == nil {
				n, refused, err = s.sealTx(ctx, tx)
			}
			return err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("audit seal: %w", err)
		}
		if refused != nil {
			return total, ward.Wrap(ward.CodeIntegrity, refused, "audit seal: refused")
		}
		if n < s.batch {
			return total, nil
		}
	}
}

// sealTx seals up to a batch of events inside tx, which holds the sealer
// lock, stopping before the first one without a valid MAC, which it
// returns as a Problem.
func (s *Sealer) sealTx(ctx context.Context, tx *store.Tx) (int, *Problem, error) {
	rows, err := tx.UnsealedAuditRows(ctx, s.batch)
	if err != nil || len(rows) == 0 {
		return 0, nil, err
	}
	ok, refused, err := s.admit(ctx, tx, rows)
	if err != nil {
		return 0, nil, err
	}
	rows = rows[:ok]
	if len(rows) == 0 {
		return 0, refused, nil
	}
	seq, prev, err := tx.AuditHead(ctx)
	if err != nil {
		return 0, nil, err
	}
	chainRows(seq, prev, rows)
	return len(rows), refused, tx.SealAuditRows(ctx, rows)
}

// admit returns how many of rows, from the first, may be sealed, and the
// Problem of the first that may not: one whose MAC is wrong, or one without
// a MAC once the chain carries MACs (its head has one, or an earlier row of
// rows has one).
func (s *Sealer) admit(ctx context.Context, tx *store.Tx, rows []store.AuditRow) (int, *Problem, error) {
	if s.macKey == nil {
		return len(rows), nil, nil
	}
	m := newMACer(s.macKey)
	macEra, known := false, false
	for i := range rows {
		r := &rows[i]
		if len(r.MAC) > 0 {
			if !m.valid(r) {
				return i, &Problem{ID: r.ID, Kind: Forged, Detail: "its MAC does not match its content: it was written or changed without the audit key"}, nil
			}
			macEra, known = true, true
			continue
		}
		if !known {
			var err error
			if macEra, err = tx.AuditChainHasMACs(ctx); err != nil {
				return 0, nil, err
			}
			known = true
		}
		if macEra {
			return i, &Problem{ID: r.ID, Kind: Forged, Detail: "it has no MAC: it was written into the database without the audit key"}, nil
		}
	}
	return len(rows), nil, nil
}

// SealOnInsert makes st seal audit events as they are inserted, in the
// transaction that inserts them (on PostgreSQL at its end, under the
// chain's lock): see store.ChainAuditOnInsert. The Sealer then only meets
// rows inserted otherwise, and signs checkpoints.
func SealOnInsert(st *store.Store) {
	st.ChainAuditOnInsert(store.AuditChain{Rows: chainRows, Canonical: canonicalRow})
}

// canonicalRow appends r's canonical encoding with seq 0 to b, which
// PostgreSQL hashes with the row's seq in place (store.AuditChain).
func canonicalRow(b []byte, r *store.AuditRow) []byte {
	e := fromRow(r)
	e.Seq = 0
	return AppendCanonical(b, &e)
}

// chainRows gives rows, which follow the chain head (seq, prev: 0 and nil
// for an empty chain), their seq, previous hash and hash.
func chainRows(seq int64, prev []byte, rows []store.AuditRow) {
	if seq == 0 {
		prev = genesis()
	}
	c := newChainer()
	for i := range rows {
		seq++
		rows[i].Seq = seq
		e := fromRow(&rows[i])
		rows[i].PrevHash = prev
		rows[i].Hash = bytes.Clone(c.next(prev, &e))
		prev = rows[i].Hash
	}
}

// Checkpoint signs the current chain head and stores it, then copies it to
// the sink. It does nothing (ok false) when the head has not moved since the
// last checkpoint or when the chain is empty. A sink failure is returned after the checkpoint is stored.
func (s *Sealer) Checkpoint(ctx context.Context) (cp Checkpoint, ok bool, err error) {
	if s.key == nil {
		return cp, false, ward.Errorf(ward.CodeInvalid, "audit: no checkpoint signing key")
	}
	err = s.st.Write(ctx, func(tx *store.Tx) (err error) {
		if err = tx.LockAuditChain(ctx); err == nil {
			cp, ok, err = checkpointTx(ctx, tx, s.key)
		}
		return err
	})
	if err != nil {
		return cp, false, fmt.Errorf("audit checkpoint: %w", err)
	}
	if ok && s.sink != nil {
		if err := s.sink.WriteCheckpoint(ctx, cp); err != nil {
			return cp, ok, err
		}
	}
	return cp, ok, nil
}

func checkpointTx(ctx context.Context, tx *store.Tx, key ed25519.PrivateKey) (Checkpoint, bool, error) {
	seq, hash, err := tx.AuditHead(ctx)
	if err != nil || seq == 0 {
		return Checkpoint{}, false, err
	}
	var n int64 = 1
	last, err := tx.LastAuditCheckpoint(ctx)
	switch {
	case err == nil:
		if last.Seq == seq {
			return Checkpoint{}, false, nil
		}
		n = last.N + 1
	case ward.ErrorCode(err) != ward.CodeNotFound:
		return Checkpoint{}, false, err
	}
	cp := Checkpoint{N: n, Seq: seq, Hash: hash, At: tx.Now.Truncate(time.Microsecond)}
	cp.sign(key)
	return cp, true, tx.InsertAuditCheckpoint(ctx, cp.toStore())
}

// Run seals and checkpoints on every tick until ctx ends; internal/server
// passes a time.Ticker's channel, tests their own. Errors go to onErr (nil:
// ignored) and the loop carries on. It returns ctx.Err() once ctx ends.
func (s *Sealer) Run(ctx context.Context, ticks <-chan time.Time, onErr func(error)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticks:
		}
		if _, err := s.Seal(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			report(onErr, err)
			if !errors.As(err, new(*Problem)) {
				continue
			}
			// A refused event: what was sealed before it is still signed.
		}
		if s.key != nil {
			if _, _, err := s.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				report(onErr, err)
			}
		}
	}
}

func report(onErr func(error), err error) {
	if onErr != nil {
		onErr(err)
	}
}
