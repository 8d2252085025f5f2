// Package mail sends ward's outgoing email through an SMTP server named by
// one URL (ward serve --smtp): smtp:// with STARTTLS required, smtps:// with
// implicit TLS, smtp+insecure:// for loopback tests only.
//
// A message is one of the package's own kinds (Invitation, SecureMessage,
// EmailCode), rendered by a template here from a clinic name, a link (or a
// six-digit code) and an expiry: the
// API has no way to pass a free-text body, so a body with PHI cannot be sent
// by accident. The URL's password is never logged nor put in an error.
package mail
