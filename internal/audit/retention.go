package audit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// MinRetentionYears is how long audit events are kept at least (HIPAA
// §164.316(b)(2): six years). Message retention never touches audit events.
const MinRetentionYears = 6

// RetentionCutoff is the default purge cutoff at now: six years back.
func RetentionCutoff(now time.Time) time.Time { return now.AddDate(-MinRetentionYears, 0, 0) }

// PurgeResult says what Purge removed.
type PurgeResult struct {
	Deleted int64 // events removed
	Through int64 // the new purge boundary: every seq <= Through is gone
}

// Purge removes sealed events older than before, which must be at least
// MinRetentionYears before the transaction's time. It removes whole
// checkpointed prefixes only: the last removed event is the seq of a signed
// checkpoint, so Verify can start at the first kept event (its prev_hash
// must equal that checkpoint's hash). Purge records an audit.purged event
// naming the boundary and seals it in the same transaction, so removing old
// events without Purge is still detected as deletion.
func (s *Sealer) Purge(ctx context.Context, before time.Time) (PurgeResult, error) {
	var res PurgeResult
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if before.After(RetentionCutoff(tx.Now)) {
			return ward.Errorf(ward.CodeInvalid, "audit events are kept at least %d years: cutoff %s is too recent",
				MinRetentionYears, before.UTC().Format(time.DateOnly))
		}
		// A legal hold keeps the events of its time: the cutoff moves back
		// to the earliest start of an active hold (to the beginning when a
		// hold has no start, so nothing is purged). The chain is one for
		// all orgs, so a hold in any org holds it.
		if t, held, err := tx.EarliestHeld(ctx); err != nil {
			return err
		} else if held && t.Before(before) {
			before = t
		}
		// The first event to keep: the oldest sealed one at or after the
		// cutoff, or the one after the head.
		keep, err := tx.FirstAuditSeqAtOrAfter(ctx, before)
		if err != nil {
			return err
		}
		if keep == 0 {
			head, _, err := tx.AuditHead(ctx)
			if err != nil {
				return err
			}
			keep = head + 1
		}
		cp, err := tx.LastAuditCheckpointAtOrBefore(ctx, keep-1)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := tx.DeleteSealedAuditThrough(ctx, cp.Seq)
		if err != nil || n == 0 {
			return err
		}
		res = PurgeResult{Deleted: n, Through: cp.Seq}
		// The chain's lock is taken for the sealing only, after the
		// DELETE, however long that took: the rows it removes are sealed
		// and behind a checkpoint, and whoever chains meanwhile adds rows
		// after the head, so the nodes' writes are not held up by it.
		if err := tx.LockAuditChain(ctx); err != nil {
			return err
		}
		ev := Event{
			Actor: Actor{Role: "system"}, Action: AuditPurged, Outcome: Success,
			ResourceType: "audit_events", ResourceID: strconv.FormatInt(cp.Seq, 10),
			Reason: fmt.Sprintf("retention: %d events before %s, through seq %d", n, before.UTC().Format(time.RFC3339), cp.Seq),
		}
		if err := Append(ctx, tx, ev); err != nil {
			return err
		}
		for {
			sealed, refused, err := s.sealTx(ctx, tx)
			if err != nil {
				return err
			}
			if refused != nil {
				return ward.Wrap(ward.CodeIntegrity, refused, "refused")
			}
			if sealed < s.batch {
				return nil
			}
		}
	})
	if err != nil {
		return PurgeResult{}, fmt.Errorf("audit purge: %w", err)
	}
	return res, nil
}
