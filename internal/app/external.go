package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// The hooks internal/sso uses: an account an org's identity provider
// vouched for signs in, and provisioning makes and changes accounts, on the
// same paths as a password sign-in and an admin's changes (the same device
// rules, second factor, session, audit, and socket closing).

// ExternalLogin is a sign-in whose identity an org's identity provider
// vouched for. LoginRequest carries the device, the second factor and the
// address (its Org, Email and Password are not used).
type ExternalLogin struct {
	LoginRequest
	OrgID, UserID string
	// IdPMFA: the provider asserted a second factor, so ward asks for none
	// of its own (the org chose to trust it).
	IdPMFA bool
	How    string // the login.succeeded reason: "sso <issuer>"
}

// ErrAccountDisabled is the answer to a sign-in of a disabled account whose
// identity the provider already proved (so it reveals nothing).
func ErrAccountDisabled() error {
	return ward.Errorf(ward.CodeAccountDisabled, "this ward account is disabled; ask an admin")
}

// ExternalSignIn opens a session for a user an org's identity provider
// vouched for: the account throttle, ward's second factor unless the
// provider asserted one, the device rules, and the same session and audit
// as Login. A disabled account, a patient or a guest cannot sign in so.
func (a *App) ExternalSignIn(ctx context.Context, in ExternalLogin) (LoginResult, error) {
	req := in.LoginRequest
	dev, err := req.device()
	if err != nil {
		return LoginResult{}, err
	}
	var user ward.User
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		user, err = tx.UserByID(ctx, in.OrgID, in.UserID)
		return err
	}); err != nil {
		return LoginResult{}, err
	}
	accountKey := "user:" + user.ID
	if wait, ok := a.account.Check(accountKey); !ok {
		if err := a.refused(ctx, accountKey, user.OrgID, req.IP); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, rateLimited(wait)
	}
	if user.Disabled || user.Role.External() {
		a.recordLoginDenied(ctx, req, user, "account disabled ("+in.How+")")
		return LoginResult{}, ErrAccountDisabled()
	}
	var res LoginResult
	var failure string
	var denied error
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		failure, denied = "", nil
		policy, err := tx.Policy(ctx, user.OrgID)
		if err != nil {
			return err
		}
		pending := false
		if !in.IdPMFA {
			if pending, failure, err = a.secondFactor(ctx, tx, user, policy, req); err != nil || failure != "" {
				return err
			}
		}
		res, denied, err = a.openSession(ctx, tx, user, policy, dev, req, pending, in.How)
		return err
	})
	if failure != "" {
		return LoginResult{}, a.loginFailed(ctx, loginTarget{found: true, user: user, orgID: user.OrgID, accountKey: accountKey}, req, 0, failure)
	}
	if err != nil {
		return LoginResult{}, err
	}
	if denied != nil {
		a.recordLoginDenied(ctx, req, user, string(ward.ErrorCode(denied)))
		return LoginResult{}, denied
	}
	a.account.Success(accountKey)
	return res, nil
}

// ProvisionUser makes a staff account that signs in through the org's
// identity provider (no password), as addUser does for an admin: the same
// checks, the same user.created event, by the actor given.
func (a *App) ProvisionUser(ctx context.Context, orgID string, by audit.Actor, nu NewUser) (ward.User, error) {
	if nu.Role == ward.RoleOwner || nu.Role.External() {
		return ward.User{}, ward.Errorf(ward.CodeForbidden, "an identity provider provisions staff roles only, never an owner, a patient or a guest")
	}
	nu.External, nu.Password = true, ""
	return a.addUser(ctx, orgID, by, nu)
}

// ServicePrincipal is an org's machine client acting with admin rights
// (service "scim": provisioning; "sso": a sign-in's role sync), audited
// under that name. Through UpdateUser it changes roles and disables
// accounts exactly as an admin does, owners excepted.
func ServicePrincipal(orgID, service, ip string) *Principal {
	return &Principal{User: ward.User{OrgID: orgID, Role: ward.RoleAdmin}, Service: service, IP: ip}
}
