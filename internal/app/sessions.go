package app

import (
	"context"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/store"
)

// LoginRequest is a sign-in attempt. TOTP, WebAuthn or RecoveryCode is the
// second factor, when the user has one.
type LoginRequest struct {
	Org          string // the org's slug; needed only when the email exists in several orgs
	Email        string
	Password     string
	TOTP         string
	RecoveryCode string
	WebAuthn     *passkeys.Assertion // a passkey's answer to a challenge from BeginPasskeyLogin
	DeviceID     string              // chosen by the client and kept in its storage
	DeviceSecret string              // issued by the server at the device's first sign-in; "" on a new device
	// OtherDeviceSecrets are the secrets the client keeps for the same
	// device id under its other sign-ins (at most MaxOtherDeviceSecrets):
	// the secret it keeps for an email the account had before an admin
	// changed it, or for another account of a shared browser. A device of
	// the signing-in user found by one of them is that device, and the
	// answer hands its secret back (DeviceSecret) to keep for this sign-in.
	OtherDeviceSecrets []string
	DeviceName         string
	IP                 string
	UserAgent          string
}

// LoginResult is a new session (internal/access holds it: a sign-in by
// invitation, internal/invitations, answers one too).
type LoginResult = access.LoginResult

// errBadLogin is the one answer for an unknown user, a wrong password and a
// wrong second factor, so that answers reveal no accounts.
func errBadLogin() error {
	return ward.Errorf(ward.CodeUnauth, "wrong email, password or code")
}

// Login checks a password (and second factor) and opens a session on a
// device. Failures are throttled per account and per address, and audited.
func (a *App) Login(ctx context.Context, req LoginRequest) (LoginResult, error) {
	in, err := a.checkPassword(ctx, req)
	if err != nil {
		return LoginResult{}, err
	}
	user, dev, accountKey := in.user, in.device, in.accountKey

	var res LoginResult
	var failure string
	var denied error
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		failure, denied = "", nil
		policy, err := tx.Policy(ctx, user.OrgID)
		if err != nil {
			return err
		}
		pending, reason, err := a.secondFactor(ctx, tx, user, policy, req)
		if err != nil || reason != "" {
			failure = reason
			return err
		}
		res, denied, err = a.openSession(ctx, tx, user, policy, dev, req, pending, "")
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

// openSession is the end of every sign-in whose user and second factor
// checked out (Login, and an identity provider's, ExternalSignIn): the
// device (deny: locked, wiped or waiting for approval; what loginDevice
// stored is committed), the session and its login.succeeded event. how,
// when not "", is the event's reason (an IdP's sign-in).
func (a *App) openSession(ctx context.Context, tx *store.Tx, user ward.User, policy ward.Policy, dev ward.Device, req LoginRequest,
	pending bool, how string) (res LoginResult, deny, err error) {
	device, secret, deny, err := a.loginDevice(ctx, tx, user, policy, dev, req)
	if err != nil || deny != nil {
		return res, deny, err
	}
	token, tokenHash := auth.NewSessionToken()
	s := ward.Session{ID: newID(), TokenHash: tokenHash, OrgID: user.OrgID, UserID: user.ID, DeviceID: device.ID,
		ExpiresAt: tx.Now.Add(policy.SessionLifetime.D()), IP: req.IP, UserAgent: truncate(req.UserAgent, 256),
		MFAPending: pending}
	if err := tx.CreateSession(ctx, &s); err != nil {
		return res, nil, err
	}
	ev := audit.Event{OrgID: user.OrgID, Action: audit.LoginSucceeded, ResourceType: "session", ResourceID: s.ID,
		Actor: audit.Actor{UserID: user.ID, Role: string(user.Role), DeviceID: device.ID, IP: req.IP}, Outcome: audit.Success,
		Reason: how}
	if pending {
		ev.Reason = strings.TrimPrefix(how+"; second factor enrolment required", "; ")
	}
	res = LoginResult{Token: token, Session: s, User: user, Device: device, IdleTimeout: policy.IdleTimeout.D(),
		DeviceSecret: secret}
	if pending {
		res.EnrollmentRequired = []string{"totp", "webauthn"}
	}
	return res, nil, audit.Append(ctx, tx, ev)
}

// signIn is who a sign-in attempt is for, once its password checked out.
type signIn struct {
	user       ward.User
	device     ward.Device // as the client named it
	accountKey string      // the throttle's key for the account
}

// checkPassword is the first step of every sign-in (Login and
// BeginPasskeyLogin): throttling, input checks and the password. Failures
// are counted by the throttles and audited, with the one answer that
// reveals no accounts.
//
// The account budget is keyed on the account the attempt resolves to (its
// user id), or on the normalized email when it resolves to none, whatever
// org string the attempt names. An address over its budget (a NAT that a
// spray shares with real people) does not refuse the right password: its
// attempts wait behind everyone else's for the hasher, and only failures
// get the address's Retry-After. Their failures count on a second budget
// of the account, for attempts from addresses over theirs, so that a spray
// from a locked address neither guesses on without limit nor locks the
// account's owner out elsewhere.
func (a *App) checkPassword(ctx context.Context, req LoginRequest) (signIn, error) {
	dev, err := req.device()
	if err != nil {
		return signIn{}, err
	}
	if req.Password == "" || len(req.Password) > 4096 {
		return signIn{}, ward.Errorf(ward.CodeInvalid, "password is required")
	}
	email := ward.NormalizeEmail(req.Email)
	addrKey := auth.AddressKey(req.IP)
	addrWait, addrOK := a.address.Check(addrKey)
	t, err := a.loginUser(ctx, req.Org, email)
	if err != nil {
		return signIn{}, err
	}
	t.failKey = t.accountKey
	if !addrOK {
		t.failKey += "|from-locked-address"
	}
	for _, key := range []string{t.accountKey, t.failKey} {
		if wait, ok := a.account.Check(key); !ok {
			if err := a.refused(ctx, t.accountKey, t.orgID, req.IP); err != nil {
				return signIn{}, err
			}
			return signIn{}, rateLimited(wait)
		}
	}

	// An address that has been failing, or that already has a sign-in under
	// way, waits behind everyone else for the hasher: a spray queues behind
	// real users, not in front of them.
	hashCtx := ctx
	n := a.signingIn.Enter(addrKey)
	defer a.signingIn.Leave(addrKey)
	if n > 1 || !addrOK || a.address.Suspect(addrKey) {
		hashCtx = auth.LowPriority(ctx)
	}
	if !t.found {
		if err := a.hasher.VerifyDummy(hashCtx, req.Password); err != nil {
			return signIn{}, err
		}
		return signIn{}, a.loginFailed(ctx, t, req, addrWait, t.reason)
	}
	ok, _, err := a.hasher.Verify(hashCtx, req.Password, t.hash)
	if err != nil && ward.ErrorCode(err) == ward.CodeUnavailable {
		return signIn{}, err // the hasher stayed busy until the request gave up
	}
	if !ok || err != nil {
		return signIn{}, a.loginFailed(ctx, t, req, addrWait, "bad password")
	}
	if t.user.Disabled {
		return signIn{}, a.loginFailed(ctx, t, req, addrWait, "account disabled")
	}
	if err := a.openUser(ctx, &t.user); err != nil { // a patient's name and email, for the answer
		return signIn{}, err
	}
	return signIn{user: t.user, device: dev, accountKey: t.accountKey}, nil
}

// loginTarget is the account a sign-in attempt names, if any.
type loginTarget struct {
	found      bool
	user       ward.User
	hash       string
	orgID      string // the user's org, or the org the attempt named when it exists
	accountKey string // the throttle key: the user id, or the email when unresolved
	failKey    string // where a failure counts: accountKey, or its budget for locked addresses
	emailTag   string // for an unresolved email: its HMAC, as the audit names it
	reason     string // for an unresolved email: why, for the audit
}

// loginUser finds the account an email signs in to, with its password
// hash. An email of no account, or of accounts in several orgs when the
// attempt names none, resolves to nothing (found false): the caller answers
// as for a wrong password, after the same work, so answers reveal no
// accounts.
func (a *App) loginUser(ctx context.Context, org, email string) (loginTarget, error) {
	var t loginTarget
	index := a.emailIndex(email) // a patient's email is stored as its blind index (useridentity.go)
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		t = loginTarget{reason: "unknown account"}
		if slug := strings.ToLower(strings.TrimSpace(org)); slug != "" {
			o, err := tx.OrgBySlug(ctx, slug)
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return nil
			}
			if err != nil {
				return err
			}
			t.orgID = o.ID
			if t.user, err = tx.UserByEmail(ctx, o.ID, email, index); ward.ErrorCode(err) == ward.CodeNotFound {
				return nil
			} else if err != nil {
				return err
			}
		} else {
			users, err := tx.UsersByEmail(ctx, email, index)
			if err != nil {
				return err
			}
			switch len(users) {
			case 0:
				return nil
			case 1:
				t.user = users[0]
			default:
				t.reason = "email of accounts in several orgs, and no org given"
				return nil
			}
		}
		var err error
		t.hash, err = tx.PasswordHash(ctx, t.user.ID)
		t.found, t.orgID = err == nil, t.user.OrgID
		if err == nil && t.hash == "" { // no ward password: made by the identity provider (internal/sso), a guest
			t.found, t.reason = false, "an account without a ward password (identity provider, guest)"
		}
		return err
	})
	if err != nil {
		return t, err
	}
	if t.found {
		t.accountKey = "user:" + t.user.ID
		return t, nil
	}
	t.accountKey = "email:" + email
	t.emailTag, err = a.emailTag(ctx, email)
	return t, err
}

// secondFactor checks the user's TOTP code, passkey assertion or recovery
// code. It returns whether the session must enrol a factor first, or a
// failure reason for the audit. With none given, the answer is
// mfa_required with the factors the user has.
func (a *App) secondFactor(ctx context.Context, tx *store.Tx, u ward.User, p ward.Policy, req LoginRequest) (pending bool, failure string, err error) {
	m, err := tx.MFA(ctx, u.ID)
	if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
		return false, "", err
	}
	passkeys, err := tx.WebAuthnCredentials(ctx, u.ID)
	if err != nil {
		return false, "", err
	}
	var factors []string
	if m.TOTPConfirmed {
		factors = append(factors, "totp")
	}
	if len(passkeys) > 0 {
		factors = append(factors, "webauthn")
	}
	if len(factors) == 0 {
		return p.MFARequired && !u.Role.External(), "", nil
	}
	switch {
	case req.WebAuthn != nil:
		failure, err := a.passkeys.Check(ctx, tx, u, passkeys, *req.WebAuthn)
		return false, failure, err
	case strings.TrimSpace(req.TOTP) != "":
		if !m.TOTPConfirmed {
			return false, "TOTP code without a TOTP authenticator", nil
		}
		secret, err := a.keys.Open(ctx, totpRef(u), m.TOTPSealed)
		if err != nil {
			return false, "", err
		}
		step, err := auth.ValidateTOTP(string(secret), req.TOTP, tx.Now, m.TOTPLastStep)
		if err != nil {
			return false, "bad or reused TOTP code", nil
		}
		if fresh, err := tx.UseTOTPStep(ctx, u.ID, step); err != nil || !fresh {
			return false, "reused TOTP code", err
		}
		return false, "", nil
	case strings.TrimSpace(req.RecoveryCode) != "":
		i, ok := auth.MatchRecoveryCode(req.RecoveryCode, m.RecoveryHashes)
		if !ok {
			return false, "bad recovery code", nil
		}
		m.RecoveryHashes = append(m.RecoveryHashes[:i:i], m.RecoveryHashes[i+1:]...)
		return false, "", tx.PutMFA(ctx, m)
	}
	msg := "enter the code from your authenticator app (totp) or a recovery code"
	if len(passkeys) > 0 {
		msg = "confirm with your passkey (webauthn) or enter a recovery code"
		if m.TOTPConfirmed {
			msg = "confirm with your passkey (webauthn), the code from your authenticator app (totp) or a recovery code"
		}
	}
	return false, "", &ward.Error{Code: ward.CodeMFARequired, Message: msg, Factors: factors}
}

// loginDevice finds the device a sign-in comes from, by the id its client
// chose and the secret the server issued it (req.DeviceSecret, else one of
// req.OtherDeviceSecrets, whose secret is then handed back as newSecret),
// or registers a new one with a new secret (newSecret, shown once). A
// client id without its device's secret is a new device, never that one:
// an approved device's id, copied, gets no approval with it. It refuses
// (deny) locked, wiped and unapproved devices; a new device's denial
// carries its secret, so that the client can sign in as that device once
// an admin approved it.
func (a *App) loginDevice(ctx context.Context, tx *store.Tx, u ward.User, p ward.Policy, dev ward.Device, req LoginRequest) (d ward.Device, newSecret string, deny, err error) {
	d, newSecret, err = knownDevice(ctx, tx, u.ID, dev.ClientID, req)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		var hash string
		newSecret, hash = auth.NewDeviceSecret()
		d = ward.Device{ID: newID(), OrgID: u.OrgID, UserID: u.ID, ClientID: dev.ClientID, Name: dev.Name,
			Status: ward.DeviceActive, LastIP: req.IP, SecretHash: hash}
		if p.DeviceApproval && u.Role != ward.RoleOwner && u.Role != ward.RoleAdmin {
			d.Status = ward.DevicePending
		}
		if err := tx.CreateDevice(ctx, &d); err != nil {
			return d, "", nil, err
		}
	} else if err != nil {
		return d, "", nil, err
	}
	switch d.Status {
	case ward.DevicePending:
		return d, "", &ward.Error{Code: ward.CodeDevicePending, Message: "this device waits for an admin's approval",
			DeviceSecret: newSecret}, nil
	case ward.DeviceLocked:
		return d, "", ward.Errorf(ward.CodeDeviceLocked, "an admin locked this device"), nil
	case ward.DeviceWiped:
		return d, "", ward.Errorf(ward.CodeDeviceWiped, "this device was wiped; erase local data and start again"), nil
	}
	return d, newSecret, nil, tx.TouchDevice(ctx, d.ID, req.IP, tx.Now)
}

// knownDevice is the user's device with the client id and the sign-in's
// secret, else the one with one of its other secrets (handed back as
// secret, to keep for this sign-in); CodeNotFound when none is.
func knownDevice(ctx context.Context, tx *store.Tx, userID, clientID string, req LoginRequest) (d ward.Device, secret string, err error) {
	d, err = tx.DeviceBySecret(ctx, userID, clientID, auth.HashDeviceSecret(req.DeviceSecret))
	for _, other := range req.OtherDeviceSecrets {
		if ward.ErrorCode(err) != ward.CodeNotFound {
			break
		}
		if other == "" || other == req.DeviceSecret {
			continue
		}
		if d, err = tx.DeviceBySecret(ctx, userID, clientID, auth.HashDeviceSecret(other)); err == nil {
			secret = other
		}
	}
	return d, secret, err
}

// MaxOtherDeviceSecrets bounds LoginRequest.OtherDeviceSecrets.
const MaxOtherDeviceSecrets = 8

// device is the device a sign-in names, checked: its client id and name,
// and the number and size of its other secrets.
func (req LoginRequest) device() (ward.Device, error) {
	dev := ward.Device{ClientID: req.DeviceID, Name: strings.TrimSpace(req.DeviceName)}
	if err := dev.Validate(); err != nil {
		return dev, err
	}
	if len(req.OtherDeviceSecrets) > MaxOtherDeviceSecrets {
		return dev, ward.Errorf(ward.CodeInvalid, "device.other_secrets holds at most %d secrets", MaxOtherDeviceSecrets)
	}
	for _, s := range req.OtherDeviceSecrets {
		if len(s) > 128 {
			return dev, ward.Errorf(ward.CodeInvalid, "device.other_secrets: a device secret is at most 128 characters")
		}
	}
	return dev, nil
}

// loginFailed counts and audits a failed sign-in and returns the one
// answer. addrWait is the block the address was under before the attempt:
// its failures are answered with it. Failures for unknown accounts from an
// address already over its budget (a spray) are folded into the address's
// login.throttled events rather than audited one by one.
func (a *App) loginFailed(ctx context.Context, t loginTarget, req LoginRequest, addrWait time.Duration, reason string) error {
	addrKey := auth.AddressKey(req.IP)
	if t.failKey == "" {
		t.failKey = t.accountKey
	}
	wait := max(a.account.Failure(t.failKey), a.address.Failure(addrKey), addrWait)
	if addrWait > 0 && !t.found {
		if err := a.refused(ctx, "address:"+addrKey, "", req.IP); err != nil {
			return err
		}
		return rateLimited(wait)
	}
	ev := audit.Event{OrgID: t.orgID, Action: audit.LoginFailed, ResourceType: "user", ResourceID: t.user.ID,
		Actor: audit.Actor{UserID: t.user.ID, Role: string(t.user.Role), IP: req.IP}, Outcome: audit.Failure, Reason: reason}
	if !t.found {
		ev.ResourceID = "unknown-" + t.emailTag
	}
	if err := a.audit.Record(ctx, ev); err != nil {
		return err
	}
	if wait > 0 {
		return rateLimited(wait)
	}
	return errBadLogin()
}

func (a *App) recordLoginDenied(ctx context.Context, req LoginRequest, u ward.User, reason string) {
	ev := audit.Event{OrgID: u.OrgID, Action: audit.LoginFailed, ResourceType: "user", ResourceID: u.ID,
		Actor: audit.Actor{UserID: u.ID, Role: string(u.Role), IP: req.IP}, Outcome: audit.Denied, Reason: reason}
	if err := a.audit.Record(ctx, ev); err != nil {
		a.log.ErrorContext(ctx, "audit of a denied login failed", "err", err.Error())
	}
}

func rateLimited(wait time.Duration) error {
	if wait < time.Second {
		wait = time.Second
	}
	return &ward.Error{Code: ward.CodeRateLimited, Message: "too many attempts; try again later", RetryAfter: wait}
}

func totpRef(u ward.User) keyring.Ref {
	return keyring.Ref{Org: u.OrgID, Scope: "user:" + u.ID, Record: u.ID, Field: "totp_secret"}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// Logout ends the caller's session.
func (a *App) Logout(ctx context.Context, p *Principal) error {
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		if _, err := tx.RevokeSession(ctx, p.User.ID, p.Session.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.Logout, "session", p.Session.ID))
	}, p.User.ID)
}

// Sessions lists the caller's live sessions.
func (a *App) Sessions(ctx context.Context, p *Principal) ([]ward.Session, error) {
	if err := p.Can(authz.SessionList); err != nil {
		return nil, err
	}
	var ss []ward.Session
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		ss, err = tx.ListSessions(ctx, p.User.ID)
		return err
	})
	// Each session as the org's policy holds it now (applyPolicy): a
	// lifetime shortened since shows, and ended ones are left out.
	now, live := a.now(), ss[:0]
	for _, s := range ss {
		if s.ExpiresAt = policyExpiry(s, p.Policy); s.ExpiresAt.After(now) {
			live = append(live, s)
		}
	}
	return live, err
}

// RevokeSession ends one of the caller's own sessions.
func (a *App) RevokeSession(ctx context.Context, p *Principal, id string) error {
	if err := p.Can(authz.SessionDelete); err != nil {
		return err
	}
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		ok, err := tx.RevokeSession(ctx, p.User.ID, id)
		if err != nil {
			return err
		}
		if !ok {
			return ward.Errorf(ward.CodeNotFound, "no such live session")
		}
		return audit.Append(ctx, tx, p.Event(audit.SessionRevoked, "session", id))
	}, p.User.ID)
}

// SignOutEverywhere ends every session of the caller, this one included.
func (a *App) SignOutEverywhere(ctx context.Context, p *Principal) error {
	if err := p.Can(authz.SessionDelete); err != nil {
		return err
	}
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		if _, err := tx.RevokeUserSessions(ctx, p.User.ID, ""); err != nil {
			return err
		}
		ev := p.Event(audit.SessionRevoked, "user", p.User.ID)
		ev.Reason = "sign out everywhere"
		return audit.Append(ctx, tx, ev)
	}, p.User.ID)
}
