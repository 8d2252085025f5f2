// Package natstest runs a nats-server of a test's own on a loopback port
// (Debian's binary, which .ci/run installs), which the test may kill and
// start again as a crash or an upgrade would: the machine's shared server
// on 4222 it may not.
package natstest
