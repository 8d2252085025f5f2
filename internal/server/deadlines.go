package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/incidents"
)

// deadlinesEvery is how often the compliance deadline reminders run: a
// reminder (days before a date) goes out within it.
const deadlinesEvery = 10 * time.Minute

// runDeadlineReminders mails compliance officers the breach incidents'
// notification deadline reminders (30, 14, 7, 1 days) and the BAAs' expiry
// reminders (60, 30, 7 days) every deadlinesEvery, on the leader only
// (the job leader's gate), until ctx ends. Each reminder is claimed in the database
// before it is mailed, so a restart or a new leader does not send it
// again. Failures are logged (never an address) and retried next tick.
func runDeadlineReminders(ctx context.Context, in *incidents.Service, b *baa.Service, lead *jobLeader, log *slog.Logger) {
	runOnLeader(ctx, lead, deadlinesEvery, log,
		leaderJob{run: in.RunReminders, failed: "incident reminders failed", done: "incident deadline reminders", key: "sent"},
		leaderJob{run: b.RunReminders, failed: "BAA reminders failed", done: "BAA expiry reminders", key: "sent"})
}
