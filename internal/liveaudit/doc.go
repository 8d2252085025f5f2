// Package liveaudit records live reads: the audit of PHI pushed over a
// WebSocket.
//
// A message.created event carries the body, and the web client shows it
// without fetching it: each socket it is queued for is a read of PHI by
// the socket's user. Recording one event per frame through the recorder
// would cost a row per recipient per message; instead each socket keeps
// in memory, per conversation, the range of seqs queued for it. Once a
// second one flush takes what every socket of the node has pending and
// writes it, one message.delivered event per socket and conversation, in
// Record calls of a few hundred events (one transaction each, shared by
// group commit with the reads under way): a second of pushes to a thousand
// sockets costs a few transactions, not a thousand. A socket that closes
// writes its own pending record at once (realtime.Conn.Release calls Close
// before the hub lets go of the socket, so a server shutting down waits
// for it). The hot path,
// one frame for one socket, is a mutex and a map update: no I/O.
//
// The record is written after the frame, within about a second, not
// before it: DESIGN.md invariant 2 ("reads append durably before the
// response") is relaxed for the socket as issue 21 allows, and
// docs/audit.md says so. What a crash can lose is at most the last second
// of one socket's delivery records, never the messages (those were
// committed and audited as message.sent before they were pushed). If a
// record cannot be written the socket is closed, so that PHI does not go
// on flowing unrecorded; the client then catches up over REST, whose reads
// fail while the audit trail does.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from the
// audit recorder alone and never imports app: app keeps one Flusher a node
// and starts each socket's record (App.NewDeliveryAudit).
package liveaudit
