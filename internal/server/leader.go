package server

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// leaderCheckEvery is how often a node that does not lead checks whether
// it can (store.Leader): the most a failover waits, beyond the time the
// database takes to end the old leader's session, before the new leader's
// jobs run on their next ticks.
const leaderCheckEvery = 5 * time.Second

// leaderCallTimeout bounds one leadership check: a leader cut off from the
// database stops leading when it fails, rather than hanging on a socket.
const leaderCallTimeout = 5 * time.Second

// jobLeader decides, for every background job of this node, whether it
// runs now: on PostgreSQL only on the one node that holds the leader lock
// (store.Leader), on SQLite always. It logs when this node takes or loses
// the lead, with its node id.
type jobLeader struct {
	st   *store.Store
	node string
	log  *slog.Logger
	lead atomic.Bool
}

// check reports whether this node leads now, taking the lead when no node
// holds it.
func (l *jobLeader) check(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, leaderCallTimeout)
	defer cancel()
	lead, err := l.st.Leader(cctx)
	if err != nil && ctx.Err() == nil {
		l.log.Warn("job leader check failed", "node", l.node, "err", err.Error())
	}
	if was := l.lead.Swap(lead); was != lead && ctx.Err() == nil {
		if lead {
			l.log.Info("job leader: this node runs the background jobs", "node", l.node)
		} else {
			l.log.Warn("job leader: this node no longer runs the background jobs", "node", l.node)
		}
	}
	return lead
}

// watch checks every period until ctx ends, so that a node takes the
// lead within a period of the old leader's going, whatever its jobs' own
// periods.
func (l *jobLeader) watch(ctx context.Context, period time.Duration) {
	l.check(ctx)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.check(ctx)
		}
	}
}

// gate passes on the ticks of in while this node leads, until ctx ends.
func (l *jobLeader) gate(ctx context.Context, in <-chan time.Time) <-chan time.Time {
	out := make(chan time.Time)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case t := <-in:
				if !l.check(ctx) {
					continue
				}
				select {
				case out <- t:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
