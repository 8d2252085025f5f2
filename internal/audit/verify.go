package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Kind names what is wrong with the chain.
type Kind string

// The kinds of damage Verify reports.
const (
	Edited             Kind = "edited"              // a row's content or hash no longer matches
	Deleted            Kind = "deleted"             // a seq is missing (or removed without Purge)
	Inserted           Kind = "inserted"            // a row that belongs nowhere in the chain
	Reordered          Kind = "reordered"           // a row sits at another row's place
	BadSignature       Kind = "bad signature"       // a checkpoint's signature fails or its key is not trusted
	CheckpointMismatch Kind = "checkpoint mismatch" // the chain does not end where a signed checkpoint says
	CheckpointDeleted  Kind = "checkpoint deleted"  // checkpoint numbers have a gap
	Forged             Kind = "forged"              // an event without a valid MAC (written without the audit key)
	TimeBackwards      Kind = "time runs backwards" // an event is older than one before it, beyond the allowed skew
	Unanchored         Kind = "unanchored"          // an old event that no signed checkpoint covers
)

// Problem is the first thing wrong with the chain. It is also the error
// Verify returns (code integrity), so errors.As finds it.
type Problem struct {
	Seq    int64
	ID     int64 // the row id, for an unsealed event (Seq 0)
	Kind   Kind
	Detail string
}

func (p *Problem) Error() string {
	if p.Seq == 0 && p.ID != 0 {
		return fmt.Sprintf("audit trail broken at unsealed event id %d: %s: %s", p.ID, p.Kind, p.Detail)
	}
	return fmt.Sprintf("audit chain broken at seq %d: %s: %s", p.Seq, p.Kind, p.Detail)
}

// Report summarises a verification.
type Report struct {
	Events         int64 // sealed events checked
	FirstSeq       int64 // first kept seq (> 1 after retention)
	LastSeq        int64
	Checkpoints    int64 // checkpoints whose signature was checked
	LastCheckpoint int64 // seq of the last checkpoint
	Unsealed       int64 // events the sealer has not reached yet (their MACs are checked)
	WithoutMAC     int64 // sealed events from before MACs began (checked by chain and checkpoints only)
	MACsChecked    bool  // Verify had the MAC key
	Problem        *Problem
}

// Unanchored is how many sealed events come after the last checkpoint:
// they are chained but not yet signed.
func (r *Report) Unanchored() int64 { return max(0, r.LastSeq-r.LastCheckpoint) }

// verifyPage is how many rows Verify reads per query.
const verifyPage = 8192

// Defaults of VerifyOptions.
const (
	// DefaultMaxSkew is how far an event's time may lie before an earlier
	// event's: appends race (a transaction stamps its start time, and
	// commits after one that began later; PostgreSQL nodes' clocks differ;
	// a ward command's events are sealed after the server's), by seconds.
	DefaultMaxSkew = 2 * time.Minute
	// DefaultUnanchoredGrace is how much older than the newest event an
	// event may be and still have no checkpoint: 60 sealing intervals of 5s.
	DefaultUnanchoredGrace = 5 * time.Minute
)

// VerifyOptions configures VerifyWith.
type VerifyOptions struct {
	Trusted []ed25519.PublicKey // checkpoint keys; at least one
	// MACKey checks each event's MAC (keyring.AuditMACKey). Without it only
	// the rule that no event without a MAC follows one with a MAC is checked.
	MACKey []byte
	// MaxSkew bounds how far time may run backwards along the chain
	// (0: DefaultMaxSkew).
	MaxSkew time.Duration
	// UnanchoredGrace: a sealed event after the last checkpoint that is
	// older than the newest event by more than this is a problem
	// (0: DefaultUnanchoredGrace). "Old" is measured against the newest
	// event, not the wall clock, so a backup verifies alike on any day.
	UnanchoredGrace time.Duration
}

// Verify is VerifyWith without the MAC key and with the default skew and
// grace.
func Verify(ctx context.Context, st *store.Store, trusted ...ed25519.PublicKey) (Report, error) {
	return VerifyWith(ctx, st, VerifyOptions{Trusted: trusted})
}

// VerifyWith walks every sealed event in seq order, recomputes the hash
// chain, checks each event's MAC, that time does not run backwards (beyond
// MaxSkew), every checkpoint's signature against the trusted keys and its
// (seq, hash) against the recomputed chain, that no event older than the
// grace is unanchored, and then the MACs of the unsealed events. It stops
// at the first problem, which it returns both in the Report and as an error
// wrapping *Problem. Other errors are failures to read.
func VerifyWith(ctx context.Context, st *store.Store, opts VerifyOptions) (Report, error) {
	if len(opts.Trusted) == 0 {
		return Report{}, ward.Errorf(ward.CodeInvalid, "audit verify: no trusted checkpoint key")
	}
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = DefaultMaxSkew
	}
	if opts.UnanchoredGrace <= 0 {
		opts.UnanchoredGrace = DefaultUnanchoredGrace
	}
	v := &verifier{trusted: opts.Trusted, c: newChainer(), skew: opts.MaxSkew, grace: opts.UnanchoredGrace}
	if opts.MACKey != nil {
		v.mac = newMACer(opts.MACKey)
		v.rep.MACsChecked = true
	}
	err := st.Read(ctx, func(tx *store.Tx) error {
		v.tx = tx
		return v.run(ctx)
	})
	if err != nil {
		return v.rep, err
	}
	if v.rep.Problem != nil {
		return v.rep, ward.Wrap(ward.CodeIntegrity, v.rep.Problem, v.rep.Problem.Error())
	}
	return v.rep, nil
}

type verifier struct {
	tx      *store.Tx
	trusted []ed25519.PublicKey
	c       *chainer
	rep     Report

	page    []store.AuditRow
	pos     int
	after   int64 // the last seq read from the database
	drained bool

	started    bool
	expect     int64  // the next seq
	prev       []byte // the recomputed hash of seq expect-1
	anchor     []byte // the first kept row's prev_hash when FirstSeq > 1
	anchored   bool   // a checkpoint vouched for anchor
	purgedThru int64  // the highest boundary an audit.purged event records
	lastCkN    int64
	lastCkSeq  int64

	mac         *macer // nil: MACs are not checked
	macEra      bool   // a sealed event with a MAC was seen: every later one needs one
	skew, grace time.Duration
	newest      time.Time // the latest event time seen along the chain
	newestSeq   int64
	unanchSeq   int64 // the first event after the last checkpoint so far (0: none)
	unanchAt    time.Time
}

func (v *verifier) fail(seq int64, kind Kind, format string, args ...any) error {
	v.rep.Problem = &Problem{Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	return nil
}

func (v *verifier) run(ctx context.Context) error {
	cps, err := v.tx.AuditCheckpoints(ctx)
	if err != nil {
		return err
	}
	for _, sc := range cps {
		cp := checkpointFromStore(sc)
		if err := v.advance(ctx, cp.Seq); err != nil || v.rep.Problem != nil {
			return err
		}
		if v.checkpoint(&cp); v.rep.Problem != nil {
			return nil
		}
	}
	if err := v.advance(ctx, -1); err != nil || v.rep.Problem != nil {
		return err
	}
	switch {
	case !v.started && v.lastCkSeq > 0:
		return v.fail(max(1, v.purgedThru+1), Deleted, "no sealed events remain, but checkpoint %d covers seq %d", v.lastCkN, v.lastCkSeq)
	case v.started && v.rep.FirstSeq > 1 && !v.anchored:
		return v.fail(1, Deleted, "events 1..%d are missing and no checkpoint marks a retention boundary at seq %d",
			v.rep.FirstSeq-1, v.rep.FirstSeq-1)
	case v.started && v.rep.FirstSeq > 1 && v.purgedThru < v.rep.FirstSeq-1:
		return v.fail(v.purgedThru+1, Deleted, "events %d..%d are missing and no audit.purged event accounts for them",
			v.purgedThru+1, v.rep.FirstSeq-1)
	}
	if v.unanchSeq != 0 && v.newest.Sub(v.unanchAt) > v.grace {
		return v.fail(v.unanchSeq, Unanchored,
			"no signed checkpoint covers it (the last covers seq %d), yet it is %s older than the newest event (seq %d): checkpoints were deleted, or the sealer stopped signing",
			v.lastCkSeq, v.newest.Sub(v.unanchAt).Round(time.Second), v.newestSeq)
	}
	return v.unsealed(ctx)
}

// next returns the next sealed row, or nil at the end.
func (v *verifier) next(ctx context.Context) (*store.AuditRow, error) {
	if v.pos < len(v.page) {
		v.pos++
		return &v.page[v.pos-1], nil
	}
	if v.drained {
		return nil, nil
	}
	v.page, v.pos = v.page[:0], 0
	err := v.tx.SealedAuditRows(ctx, v.after, verifyPage, func(r *store.AuditRow) error {
		v.page = append(v.page, *r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(v.page) < verifyPage {
		v.drained = true
	}
	if len(v.page) == 0 {
		return nil, nil
	}
	v.after = v.page[len(v.page)-1].Seq
	v.pos = 1
	return &v.page[0], nil
}

// peek returns the row after the current one without consuming it.
func (v *verifier) peek(ctx context.Context, seq int64) (*store.AuditRow, error) {
	if v.pos < len(v.page) {
		return &v.page[v.pos], nil
	}
	r, err := v.tx.AuditRowBySeq(ctx, seq)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return nil, nil
	}
	return &r, err
}

// advance checks rows through seq (every row when seq < 0).
func (v *verifier) advance(ctx context.Context, through int64) error {
	for through < 0 || !v.started || v.expect <= through {
		r, err := v.next(ctx)
		if err != nil {
			return err
		}
		if r == nil {
			if through >= 0 && v.started && v.expect <= through {
				return v.fail(v.expect, Deleted, "the chain ends at seq %d but checkpoint %d covers seq %d", v.expect-1, v.lastCkN+1, through)
			}
			return nil
		}
		if !v.started {
			v.start(r)
		}
		if err := v.row(ctx, r); err != nil || v.rep.Problem != nil {
			return err
		}
	}
	return nil
}

// start anchors the walk at the first kept row.
func (v *verifier) start(r *store.AuditRow) {
	v.started = true
	v.rep.FirstSeq = r.Seq
	v.expect = r.Seq
	if r.Seq == 1 {
		v.prev = genesis()
		return
	}
	// Retention removed the rows before: trust the stored prev_hash for now;
	// the checkpoint at the boundary must vouch for it (see checkpoint).
	v.prev = bytes.Clone(r.PrevHash)
	v.anchor = v.prev
}

// row checks one row against the recomputed chain.
func (v *verifier) row(ctx context.Context, r *store.AuditRow) error {
	switch {
	case r.Seq < v.expect:
		return v.fail(r.Seq, Inserted, "a second row with seq %d", r.Seq)
	case r.Seq > v.expect:
		return v.fail(v.expect, Deleted, "seq %d is missing (next is %d)", v.expect, r.Seq)
	}
	e := fromRow(r)
	h := v.c.next(v.prev, &e)
	if !bytes.Equal(h, r.Hash) || !bytes.Equal(r.PrevHash, v.prev) {
		return v.diagnose(ctx, r, &e)
	}
	if v.authentic(r); v.rep.Problem != nil {
		return nil
	}
	v.prev = append(v.prev[:0:0], h...)
	v.expect++
	v.rep.Events++
	v.rep.LastSeq = r.Seq
	if e.Action == AuditPurged && e.Outcome == Success && e.ResourceType == "audit_events" {
		if thru, err := strconv.ParseInt(e.ResourceID, 10, 64); err == nil && thru > v.purgedThru {
			v.purgedThru = thru
		}
	}
	return nil
}

// diagnose names what is wrong with r, whose hashes do not fit the chain.
// It looks at r's neighbours to tell an edit from an insertion, a deletion
// (with the later rows renumbered) or a move.
func (v *verifier) diagnose(ctx context.Context, r *store.AuditRow, e *Event) error {
	s := r.Seq
	next, err := v.peek(ctx, s+1)
	if err != nil {
		return err
	}
	// fits reports whether ev, numbered seq, hashes to want after prev.
	fits := func(prev []byte, ev Event, seq int64, want []byte) bool {
		ev.Seq = seq
		return bytes.Equal(ChainHash(prev, &ev), want)
	}
	if bytes.Equal(r.PrevHash, v.prev) {
		// It links to its predecessor, but its content does not give its hash.
		if next != nil {
			ne := fromRow(next)
			switch {
			case fits(v.prev, ne, s, r.Hash), fits(r.Hash, *e, s+1, next.Hash):
				return v.fail(s, Reordered, "the contents of seq %d and seq %d were swapped", s, next.Seq)
			case fits(v.prev, ne, s, next.Hash),
				bytes.Equal(next.PrevHash, v.prev) && !bytes.Equal(next.PrevHash, r.Hash):
				return v.fail(s, Inserted, "seq %d is the event that belongs at seq %d", next.Seq, s)
			}
		}
		return v.fail(s, Edited, "the stored hash does not match the event's content")
	}
	if fits(v.prev, *e, s, r.Hash) {
		return v.fail(s, Edited, "the stored prev_hash was changed")
	}
	// It links to some other row, or to a row that is gone.
	k, err := v.tx.AuditSeqByHash(ctx, r.PrevHash)
	switch {
	case err != nil && ward.ErrorCode(err) != ward.CodeNotFound:
		return err
	case err == nil && k == s-2 && fits(r.PrevHash, *e, s-1, r.Hash):
		return v.fail(s-1, Inserted, "seq %d is the event that belongs at seq %d", s, s-1)
	case err == nil && (fits(r.PrevHash, *e, k+1, r.Hash) || fits(r.PrevHash, *e, s+1, r.Hash)):
		// A genuine event (its hash fits its content) in another's place.
		return v.fail(s, Reordered, "the event at seq %d belongs after the event now at seq %d", s, k)
	case err != nil && fits(r.PrevHash, *e, s+1, r.Hash):
		return v.fail(s, Deleted, "the event that belongs at seq %d is gone and later events were renumbered", s)
	}
	return v.fail(s, Inserted, "the row's hashes fit nowhere in the chain")
}

// checkpoint checks one checkpoint once the chain has been walked to its seq.
func (v *verifier) checkpoint(cp *Checkpoint) {
	if cp.N != v.lastCkN+1 {
		v.fail(cp.Seq, CheckpointDeleted, "checkpoint %d follows checkpoint %d", cp.N, v.lastCkN)
		return
	}
	if cp.Seq <= v.lastCkSeq {
		v.fail(cp.Seq, CheckpointMismatch, "checkpoint %d (seq %d) does not advance past seq %d", cp.N, cp.Seq, v.lastCkSeq)
		return
	}
	if err := cp.VerifySignature(v.trusted); err != nil {
		v.fail(cp.Seq, BadSignature, "checkpoint %d: %v", cp.N, err)
		return
	}
	from := v.lastCkSeq + 1
	v.lastCkN, v.lastCkSeq = cp.N, cp.Seq
	v.unanchSeq = 0 // the walk stopped at cp.Seq: every event so far is covered
	v.rep.Checkpoints++
	v.rep.LastCheckpoint = cp.Seq
	switch {
	case !v.started || cp.Seq < v.rep.FirstSeq-1:
		// Its events were removed by retention; the signature is all to check.
	case cp.Seq == v.rep.FirstSeq-1:
		if !bytes.Equal(cp.Hash, v.anchor) {
			v.fail(v.rep.FirstSeq, Edited, "its prev_hash does not match checkpoint %d at the retention boundary", cp.N)
		}
		v.anchored = true
	case !bytes.Equal(cp.Hash, v.prev):
		v.fail(cp.Seq, CheckpointMismatch,
			"the chain does not end where checkpoint %d says: an event in seq %d..%d was changed and the later hashes recomputed",
			cp.N, max(from, v.rep.FirstSeq), cp.Seq)
	}
}
