// Package cluster is what lets several ward nodes share one PostgreSQL
// database: each node's id (NodeID), and the sign-in throttle's counts kept
// in the database (Counts) so that failures spread over the nodes add up to
// one budget. The background-job leader is store.Leader; the jobs that go
// through it are in internal/server (jobs.go). docs/operations.md, "Several
// nodes", says how to run a cluster.
package cluster
