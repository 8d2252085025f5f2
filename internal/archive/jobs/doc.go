// Package jobs runs compliance archive exports (internal/archive) in the
// background for the compliance console (issue 24): a compliance officer
// starts one over the API, watches its progress (percent and ETA), may
// cancel it, and downloads the finished archive.
//
// A job's state is a row of archive_jobs (migration 0038): the selection
// (ids and dates), the key (an age recipient or a passphrase, sealed, kept
// only while the job may still run), the status and the progress. The
// runner exports one job at a time into a temporary file in its folder and
// renames it into place only when the archive is complete, so a file under
// its final name is always whole. After a restart, Resume runs every job
// that was queued or running again from the start: simpler than resuming
// an age stream half-way, and an export is a few seconds to minutes.
//
// Every step is audited: archive.export_started, archive.exported (by the
// exporter, with each conversation as conversation.read),
// archive.export_cancelled, archive.export_failed and archive.downloaded.
package jobs
