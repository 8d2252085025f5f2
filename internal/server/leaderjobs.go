package server

import (
	"context"
	"log/slog"
	"time"
)

// leaderJob is one job that runs on the job leader: run answers how many
// things it did; the log says "failed" (ids only) when it fails and
// "done" with key = n when it did something.
type leaderJob struct {
	run    func(context.Context) (int, error)
	failed string
	done   string
	key    string
}

// runOnLeader runs jobs, in turn, every every on the job leader only
// (jobLeader.gate), until ctx ends. Each keeps its state in the database,
// so a restart or a new leader resumes where the last stopped; a failure
// is logged and retried on the next tick.
func runOnLeader(ctx context.Context, lead *jobLeader, every time.Duration, log *slog.Logger, jobs ...leaderJob) {
	t := time.NewTicker(every)
	defer t.Stop()
	ticks := lead.gate(ctx, t.C)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			for _, j := range jobs {
				if n, err := j.run(ctx); err != nil && ctx.Err() == nil {
					log.Error(j.failed, "err", err.Error())
				} else if n > 0 {
					log.Info(j.done, j.key, n)
				}
			}
		}
	}
}
