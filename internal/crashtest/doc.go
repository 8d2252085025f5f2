// Package crashtest holds the crash tests of the real ward binary. The
// crash test: ward, killed with SIGKILL at random moments while messages
// are being sent, must lose no acknowledged message, store none twice, and
// keep its audit chain verifiable. Run a long version with CRASH_CYCLES=50
// (make crashtest). The cluster test (TestClusterKill9): two nodes on one
// PostgreSQL database and NATS behind a round-robin TCP proxy, one killed
// mid-burst; its WebSocket clients reconnect to the other and lose nothing.
// It skips without WARD_TEST_POSTGRES or a NATS server on 127.0.0.1:4222
// (and fails under CI).
package crashtest
