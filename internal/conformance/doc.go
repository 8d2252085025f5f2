// Package conformance is the conformance report (issue 25): each HIPAA
// Security Rule technical safeguard of 45 CFR 164.312 (a) to (e), the
// addressable ones included, and the relevant 164.308 and 164.316 items,
// each with the live evidence ward holds (the org's policy, the keyring's
// keys and their ages, the audit chain verified and its last checkpoint,
// the deployment's TLS and checkpoint sink, the break-glass queue) and a
// verdict, pass, warn or fail, with the reason.
//
// Checks live in a Registry: Default holds the built-in ones, with "not
// available yet" placeholders for backups, breach incidents and BAAs; the
// wiring (internal/server ConformanceRegistry) replaces them by registering
// checks with the same ids (operations.go: BackupCheck, IncidentCheck,
// BAACheck, and the activity checks with the monitor's alerts), each over
// evidence that a function handed in reads from its package, so this
// package imports none of them. The report renders as HTML (static, inline CSS, no script: it opens
// offline) and as PDF (go-pdf/fpdf), and is signed with the org's audit
// signing key as an archive's manifest is (a detached signature beside the
// file, internal/archive.SignDetached). It holds no PHI: counts, settings
// and key ids only.
package conformance
