package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/store"
)

// Passkeys is the passkey use cases (internal/passkeys): enrolling,
// listing and removing the caller's passkeys. Signing in with one goes
// through BeginPasskeyLogin and Login.
func (a *App) Passkeys() *passkeys.Service { return a.passkeys }

// BeginPasskeyLogin is the first step of signing in with a password and a
// passkey: it checks the password exactly as Login does (throttled and
// audited) and answers the options for navigator.credentials.get. Login,
// given the answer in LoginRequest.WebAuthn, finishes the sign-in.
func (a *App) BeginPasskeyLogin(ctx context.Context, req LoginRequest) (passkeys.Challenge, error) {
	in, err := a.checkPassword(ctx, req)
	if err != nil {
		return passkeys.Challenge{}, err
	}
	return a.passkeys.BeginLogin(ctx, in.user)
}

// BeginExternalPasskey is the first step of confirming an identity
// provider's sign-in with a passkey as ward's second factor: the options
// for navigator.credentials.get for the user the provider vouched for
// (internal/sso holds the sign-in's ticket). ExternalSignIn, given the
// answer, finishes. A disabled account, a patient or a guest gets nothing.
func (a *App) BeginExternalPasskey(ctx context.Context, orgID, userID string) (passkeys.Challenge, error) {
	var u ward.User
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		u, err = tx.UserByID(ctx, orgID, userID)
		return err
	}); err != nil {
		return passkeys.Challenge{}, err
	}
	if u.Disabled || u.Role.External() {
		return passkeys.Challenge{}, ErrAccountDisabled()
	}
	return a.passkeys.BeginLogin(ctx, u)
}

// passkeyCore is what the passkeys ask of the app (passkeys.Core).
type passkeyCore struct{ a *App }

func (c passkeyCore) RequireRecentAuth(ctx context.Context, p *Principal) error {
	return c.a.requireRecentAuth(ctx, p)
}

func (c passkeyCore) ChangeAccess(ctx context.Context, fn func(*store.Tx) error, users ...string) error {
	return c.a.changeAccess(ctx, fn, users...)
}
