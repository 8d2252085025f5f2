// Package mailtest runs a real SMTP server (emersion/go-smtp) on loopback
// for tests: ward's mailer sends to it and the test reads what arrived.
// There is no mock mailer; only tests import this package.
package mailtest
