package passkeys

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/store"
)

// Config is the relying party that passkeys are bound to. A passkey
// registered for one RP id never signs in to another.
type Config struct {
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

// Core is what passkeys ask of internal/app, which owns sessions.
type Core interface {
	// RequireRecentAuth refuses (CodeReauthRequired) a session whose user
	// has not proved who they are recently.
	RequireRecentAuth(ctx context.Context, p *access.Principal) error
	// ChangeAccess runs fn in a write transaction that changes who may do
	// what, then clears the session caches.
	ChangeAccess(ctx context.Context, fn func(*store.Tx) error, users ...string) error
}

// Service is the passkey use cases over one store and relying party.
type Service struct {
	store *store.Store
	rp    *webauthn.WebAuthn
	core  Core
}

// New builds a Service for the relying party cfg (the zero value is
// localhost, for tests and local use).
func New(st *store.Store, cfg Config, core Core) (*Service, error) {
	rp, err := relyingParty(cfg)
	if err != nil {
		return nil, err
	}
	return &Service{store: st, rp: rp, core: core}, nil
}

// relyingParty builds the relying party from cfg; the zero value is
// localhost, for tests and local use.
func relyingParty(cfg Config) (*webauthn.WebAuthn, error) {
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

// Challenge is a started ceremony: Options go to the browser's
// navigator.credentials.create or .get; ID comes back with its answer.
type Challenge struct {
	ID      string
	Options json.RawMessage
}

// Assertion is a passkey's answer to a sign-in challenge: the
// PublicKeyCredential from navigator.credentials.get, as JSON.
type Assertion struct {
	ChallengeID string
	Response    []byte
}

// Registration is a finished enrolment. RecoveryCodes is set, and
// shown once, when the user had none yet.
type Registration struct {
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
