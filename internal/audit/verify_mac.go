package audit

import (
	"context"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// The checks of VerifyWith that a database writer without the master key
// cannot pass by recomputing hashes: MACs, time order, and old events that
// no checkpoint covers (see docs/audit.md).

// authentic checks a sealed row whose hashes fit the chain: its MAC, that
// no row without a MAC follows one with a MAC, and that its time does not
// run backwards. It records the row for the unanchored check.
func (v *verifier) authentic(r *store.AuditRow) {
	switch {
	case len(r.MAC) > 0:
		if v.mac != nil && !v.mac.valid(r) {
			v.fail(r.Seq, Forged, "its MAC does not match its content: it was written or changed without the audit key")
			return
		}
		v.macEra = true
	case v.macEra:
		v.fail(r.Seq, Forged, "it has no MAC, but events before it have one: it was written without the audit key")
		return
	default:
		v.rep.WithoutMAC++
	}
	if !v.newest.IsZero() && r.At.Before(v.newest.Add(-v.skew)) {
		v.fail(r.Seq, TimeBackwards, "its time %s is %s before the time of seq %d (%s); appends race by seconds, not that much",
			r.At.UTC().Format(time.RFC3339), v.newest.Sub(r.At).Round(time.Second), v.newestSeq, v.newest.UTC().Format(time.RFC3339))
		return
	}
	if r.At.After(v.newest) {
		v.newest, v.newestSeq = r.At, r.Seq
	}
	if v.unanchSeq == 0 {
		v.unanchSeq, v.unanchAt = r.Seq, r.At
	}
}

// unsealed counts the events the sealer has not reached and checks their
// MACs: once the chain carries MACs (or an earlier unsealed event has one),
// every one needs a valid MAC, as the sealer demands.
func (v *verifier) unsealed(ctx context.Context) error {
	era := v.macEra
	var after int64
	for {
		n := 0
		err := v.tx.EachUnsealedAuditRow(ctx, after, verifyPage, func(r *store.AuditRow) error {
			n++
			after = r.ID
			v.rep.Unsealed++
			if v.rep.Problem != nil {
				return nil
			}
			switch {
			case len(r.MAC) > 0:
				if v.mac != nil && !v.mac.valid(r) {
					v.rep.Problem = &Problem{ID: r.ID, Kind: Forged, Detail: "its MAC does not match its content: it was written or changed without the audit key"}
				}
				era = true
			case era:
				v.rep.Problem = &Problem{ID: r.ID, Kind: Forged, Detail: "it has no MAC: it was written into the database without the audit key (the sealer refuses it)"}
			}
			return nil
		})
		if err != nil || n < verifyPage {
			return err
		}
	}
}
