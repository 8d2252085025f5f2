// Package bench is `ward bench`: a load test of a whole ward server through
// its public API. It starts ward (as a child `ward serve` process by
// default, or in this process) on a temporary data dir, or targets one that
// is already running; creates an org and users, signs them in (timing each
// sign-in), opens WebSocket clients, and drives one-to-one and group
// messages at a given rate (or one sender closed-loop) through the Go
// client. Each message carries its send time, so the receiving socket
// measures send→deliver latency. It reports throughput, latency
// percentiles, sign-in figures, the server's memory per socket and CPU per
// message, as a table and as JSON.
package bench
