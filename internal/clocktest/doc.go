// Package clocktest is the one test clock of ward's tests: it stands still
// until a test moves it, so tests drive time instead of sleeping. Every
// package's Config takes a `Now func() time.Time`; pass Clock.Now. It is
// safe for concurrent use.
package clocktest
