package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// WebAuthnConfig is the relying party that passkeys are bound to. A
// passkey registered for one RP id never signs in to another.
type WebAuthnConfig struct {
	RPID      string   // the site's domain, e.g. ward.stmary.example
	RPOrigins []string // the origins browsers call from, e.g. https://ward.stmary.example:8443
	RPName    string   // shown by the authenticator; "ward" when empty
}

const (
	// passkeyChallengeTTL is how long a registration or sign-in ceremony
	// may take; its challenge is single-use either way.
	passkeyChallengeTTL = 5 * time.Minute
	// maxPasskeys bounds a user's passkeys.
	maxPasskeys = 20
)

// newWebAuthn builds the relying party from cfg; the zero value is
// localhost, for tests and local use.
func newWebAuthn(cfg WebAuthnConfig) (*webauthn.WebAuthn, error) {
	if cfg.RPID == "" {
		cfg.RPID = "localhost"
		if len(cfg.RPOrigins) == 0 {
			cfg.RPOrigins = []string{"https://localhost"}
		}
	}
	if cfg.RPName == "" {
		cfg.RPName = "ward"
	}
	timeout := webauthn.TimeoutConfig{Timeout: passkeyChallengeTTL, TimeoutUVD: passkeyChallengeTTL}
	w, err := webauthn.New(&webauthn.Config{
		RPID: cfg.RPID, RPDisplayName: cfg.RPName, RPOrigins: cfg.RPOrigins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationPreferred},
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, ward.Wrap(ward.CodeInvalid, err, "the WebAuthn relying party (public URL) is not valid")
	}
	return w, nil
}

// Passkey is a registered passkey as its owner sees it. ID is the
// credential id, base64url without padding.
type Passkey struct {
	ID         string
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used
}

// PasskeyChallenge is a started ceremony: Options go to the browser's
// navigator.credentials.create or .get; ID comes back with its answer.
type PasskeyChallenge struct {
	ID      string
	Options json.RawMessage
}

// PasskeyAssertion is a passkey's answer to a sign-in challenge: the
// PublicKeyCredential from navigator.credentials.get, as JSON.
type PasskeyAssertion struct {
	ChallengeID string
	Response    []byte
}

// PasskeyRegistration is a finished enrolment. RecoveryCodes is set, and
// shown once, when the user had none yet.
type PasskeyRegistration struct {
	Passkey       Passkey
	RecoveryCodes []string
}

// passkeyUser is a ward user as go-webauthn sees one. The user handle is
// the user's id, which is random and carries nothing about the person.
type passkeyUser struct {
	u     ward.User
	creds []store.WebAuthnCredential
}

func (pu passkeyUser) WebAuthnID() []byte          { return []byte(pu.u.ID) }
func (pu passkeyUser) WebAuthnName() string        { return pu.u.Email }
func (pu passkeyUser) WebAuthnDisplayName() string { return pu.u.Name }

func (pu passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(pu.creds))
	for i, c := range pu.creds {
		ts := make([]protocol.AuthenticatorTransport, len(c.Transports))
		for j, t := range c.Transports {
			ts[j] = protocol.AuthenticatorTransport(t)
		}
		out[i] = webauthn.Credential{ID: c.ID, PublicKey: c.PublicKey, AttestationType: "none", Transport: ts,
			Flags:         webauthn.CredentialFlagsFromMsgpByte(c.Flags),
			Authenticator: webauthn.Authenticator{AAGUID: c.AAGUID, SignCount: c.SignCount}}
	}
	return out
}

// BeginPasskeyRegistration starts enrolling a passkey for the caller: the
// options for navigator.credentials.create. The caller's passkeys are
// excluded, so one authenticator is not registered twice.
func (a *App) BeginPasskeyRegistration(ctx context.Context, p *Principal) (PasskeyChallenge, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return PasskeyChallenge{}, err
	}
	if err := a.requireRecentAuth(ctx, p); err != nil {
		return PasskeyChallenge{}, err
	}
	var out PasskeyChallenge
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		creds, err := tx.WebAuthnCredentials(ctx, p.User.ID)
		if err != nil {
			return err
		}
		if len(creds) >= maxPasskeys {
			return ward.Errorf(ward.CodeConflict, "at most %d passkeys; remove one first", maxPasskeys)
		}
		pu := passkeyUser{u: p.User, creds: creds}
		exclude := webauthn.Credentials(pu.WebAuthnCredentials()).CredentialDescriptors()
		creation, session, err := a.passkey.BeginRegistration(pu, webauthn.WithExclusions(exclude))
		if err != nil {
			return err
		}
		out, err = a.saveChallenge(ctx, tx, p.User.ID, store.ChallengeRegister, creation, session)
		return err
	})
	return out, err
}

// FinishPasskeyRegistration checks the authenticator's answer to a
// registration challenge and stores the passkey under name. It lifts the
// session's enrol-only restriction, like ConfirmTOTP, and gives recovery
// codes when the user has none yet.
func (a *App) FinishPasskeyRegistration(ctx context.Context, p *Principal, challengeID, name string, response []byte) (PasskeyRegistration, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return PasskeyRegistration{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if utf8.RuneCountInString(name) > 64 || strings.ContainsFunc(name, isControl) {
		return PasskeyRegistration{}, ward.Errorf(ward.CodeInvalid, "name: at most 64 characters, no control characters")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return PasskeyRegistration{}, ward.Wrap(ward.CodeInvalid, err, "response is not a valid passkey registration")
	}
	session, err := a.takeChallenge(ctx, challengeID, p.User.ID, store.ChallengeRegister)
	if err != nil {
		return PasskeyRegistration{}, err
	}
	cred, err := a.passkey.CreateCredential(passkeyUser{u: p.User}, session, parsed)
	if err != nil {
		return PasskeyRegistration{}, ward.Wrap(ward.CodeInvalid, err, "the passkey could not be verified; start again")
	}
	c := store.WebAuthnCredential{ID: cred.ID, UserID: p.User.ID, Name: name, PublicKey: cred.PublicKey,
		SignCount: cred.Authenticator.SignCount, AAGUID: cred.Authenticator.AAGUID, Flags: cred.Flags.MsgpByte()}
	for _, t := range cred.Transport {
		if s := string(t); s != "" && len(s) <= 32 && !strings.Contains(s, ",") && len(c.Transports) < 8 {
			c.Transports = append(c.Transports, s)
		}
	}
	var codes []string
	err = a.changeAccess(ctx, func(tx *store.Tx) error {
		if err := tx.CreateWebAuthnCredential(ctx, &c); err != nil {
			if ward.ErrorCode(err) == ward.CodeConflict {
				return ward.Errorf(ward.CodeConflict, "this passkey is already registered")
			}
			return err
		}
		m, err := tx.MFA(ctx, p.User.ID)
		if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		if len(m.RecoveryHashes) == 0 {
			var hashes []string
			codes, hashes = auth.NewRecoveryCodes()
			m.UserID, m.RecoveryHashes = p.User.ID, hashes
			if err := tx.PutMFA(ctx, m); err != nil {
				return err
			}
		}
		if p.Session.MFAPending {
			if err := tx.ClearMFAPending(ctx, p.Session.ID); err != nil {
				return err
			}
		}
		ev := p.Event(audit.MFAEnrolled, "user", p.User.ID)
		ev.Reason = "passkey"
		return audit.Append(ctx, tx, ev)
	})
	if err != nil {
		return PasskeyRegistration{}, err
	}
	p.Session.MFAPending = false
	return PasskeyRegistration{Passkey: viewPasskey(c), RecoveryCodes: codes}, nil
}

// Passkeys lists the caller's passkeys.
func (a *App) Passkeys(ctx context.Context, p *Principal) ([]Passkey, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return nil, err
	}
	var creds []store.WebAuthnCredential
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		creds, err = tx.WebAuthnCredentials(ctx, p.User.ID)
		return err
	})
	out := make([]Passkey, len(creds))
	for i, c := range creds {
		out[i] = viewPasskey(c)
	}
	return out, err
}

// DeletePasskey removes one of the caller's passkeys. Where the org
// requires MFA, the last second factor cannot be removed.
func (a *App) DeletePasskey(ctx context.Context, p *Principal, id string) error {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return err
	}
	if err := a.requireRecentAuth(ctx, p); err != nil {
		return err
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) == 0 {
		return ward.Errorf(ward.CodeNotFound, "no such passkey")
	}
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		creds, err := tx.WebAuthnCredentials(ctx, p.User.ID)
		if err != nil {
			return err
		}
		m, err := tx.MFA(ctx, p.User.ID)
		if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		pol, err := tx.Policy(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		if len(creds) == 1 && !m.TOTPConfirmed && pol.MFARequired && !p.User.Role.External() {
			if string(creds[0].ID) == string(raw) {
				return ward.Errorf(ward.CodeConflict, "this is your only second factor and your org requires one; enrol another first")
			}
		}
		if err := tx.DeleteWebAuthnCredential(ctx, p.User.ID, raw); err != nil {
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return ward.Errorf(ward.CodeNotFound, "no such passkey")
			}
			return err
		}
		ev := p.Event(audit.UserUpdated, "user", p.User.ID)
		ev.Reason = "passkey removed"
		return audit.Append(ctx, tx, ev)
	})
}

// BeginPasskeyLogin is the first step of signing in with a password and a
// passkey: it checks the password exactly as Login does (throttled and
// audited) and answers the options for navigator.credentials.get. Login,
// given the answer in LoginRequest.WebAuthn, finishes the sign-in.
func (a *App) BeginPasskeyLogin(ctx context.Context, req LoginRequest) (PasskeyChallenge, error) {
	in, err := a.checkPassword(ctx, req)
	if err != nil {
		return PasskeyChallenge{}, err
	}
	var out PasskeyChallenge
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		creds, err := tx.WebAuthnCredentials(ctx, in.user.ID)
		if err != nil {
			return err
		}
		if len(creds) == 0 {
			return ward.Errorf(ward.CodeConflict, "no passkey is enrolled for this account; use another second factor")
		}
		assertion, session, err := a.passkey.BeginLogin(passkeyUser{u: in.user, creds: creds})
		if err != nil {
			return err
		}
		out, err = a.saveChallenge(ctx, tx, in.user.ID, store.ChallengeLogin, assertion, session)
		return err
	})
	return out, err
}

// checkPasskey verifies a passkey assertion during Login. The challenge is
// used up whatever the outcome; the signature counter must move forward.
// It returns a failure reason for the audit, or an error.
func (a *App) checkPasskey(ctx context.Context, tx *store.Tx, u ward.User, creds []store.WebAuthnCredential, as PasskeyAssertion) (string, error) {
	ch, err := tx.TakeWebAuthnChallenge(ctx, as.ChallengeID, u.ID, store.ChallengeLogin)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return "unknown or used passkey challenge", nil
	}
	if err != nil {
		return "", err
	}
	if !tx.Now.Before(ch.ExpiresAt) {
		return "expired passkey challenge", nil
	}
	var session webauthn.SessionData
	if err := json.Unmarshal([]byte(ch.SessionData), &session); err != nil {
		return "", err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(as.Response)
	if err != nil {
		return "malformed passkey assertion", nil
	}
	cred, err := a.passkey.ValidateLogin(passkeyUser{u: u, creds: creds}, session, parsed)
	if err != nil {
		return "passkey assertion did not verify", nil
	}
	if cred.Authenticator.CloneWarning {
		return "passkey signature counter went backwards (cloned authenticator?)", nil
	}
	fresh, err := tx.UseWebAuthnCredential(ctx, u.ID, cred.ID, cred.Authenticator.SignCount, cred.Flags.MsgpByte())
	if err != nil {
		return "", err
	}
	if !fresh {
		return "passkey signature counter went backwards (cloned authenticator?)", nil
	}
	return "", nil
}

// saveChallenge stores a ceremony's session data under a new random id and
// returns the options for the browser. The library's own expiry is not
// used: ward's clock decides, through ExpiresAt.
func (a *App) saveChallenge(ctx context.Context, tx *store.Tx, userID, kind string, options any, session *webauthn.SessionData) (PasskeyChallenge, error) {
	session.Expires = time.Time{}
	data, err := json.Marshal(session)
	if err != nil {
		return PasskeyChallenge{}, err
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return PasskeyChallenge{}, err
	}
	c := store.WebAuthnChallenge{ID: rand.Text(), UserID: userID, SessionData: string(data), Kind: kind,
		ExpiresAt: tx.Now.Add(passkeyChallengeTTL)}
	if err := tx.CreateWebAuthnChallenge(ctx, c); err != nil {
		return PasskeyChallenge{}, err
	}
	return PasskeyChallenge{ID: c.ID, Options: opts}, nil
}

// takeChallenge uses up a challenge of the user's and returns its session
// data. It commits on its own, so a failed answer cannot be retried.
func (a *App) takeChallenge(ctx context.Context, id, userID, kind string) (webauthn.SessionData, error) {
	var session webauthn.SessionData
	var expired bool
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		ch, err := tx.TakeWebAuthnChallenge(ctx, id, userID, kind)
		if err != nil {
			return err
		}
		expired = !tx.Now.Before(ch.ExpiresAt)
		return json.Unmarshal([]byte(ch.SessionData), &session)
	})
	if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && expired) {
		return session, ward.Errorf(ward.CodeConflict, "this passkey challenge is unknown, used or expired; start again")
	}
	return session, err
}

func viewPasskey(c store.WebAuthnCredential) Passkey {
	return Passkey{ID: base64.RawURLEncoding.EncodeToString(c.ID), Name: c.Name, CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
