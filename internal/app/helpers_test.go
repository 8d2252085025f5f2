package app_test

import (
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
)

// Fixture and Clock are the shared test fixture of internal/apptest.
type (
	Fixture = apptest.Fixture
	Clock   = apptest.Clock
)

// MustFixture builds a Fixture; mfa sets the org's MFA policy.
func MustFixture(tb testing.TB, mfa bool) *Fixture { return apptest.New(tb, mfa) }

func wantCode(tb testing.TB, err error, code ward.Code) {
	tb.Helper()
	apptest.WantCode(tb, err, code)
}
