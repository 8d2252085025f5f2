// Package crashtest holds the crash test: the real ward binary, killed with
// SIGKILL at random moments while messages are being sent, must lose no
// acknowledged message, store none twice, and keep its audit chain
// verifiable. Run a long version with CRASH_CYCLES=50 (make crashtest).
package crashtest
