package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/store"
)

// Accounts is what sso asks of internal/app, which satisfies it: the same
// sign-in, account creation and account changes as a password sign-in and
// an admin's.
type Accounts interface {
	ExternalSignIn(ctx context.Context, in app.ExternalLogin) (access.LoginResult, error)
	BeginExternalPasskey(ctx context.Context, orgID, userID string) (passkeys.Challenge, error)
	ProvisionUser(ctx context.Context, orgID string, by audit.Actor, nu app.NewUser) (ward.User, error)
	UpdateUser(ctx context.Context, p *access.Principal, id string, ch app.UserChange) (ward.User, error)
}

// Config is what a Service is built from. HTTPClient and Now may be nil.
type Config struct {
	Store    *store.Store
	Keyring  *keyring.Keyring
	Accounts Accounts
	// HTTPClient talks to identity providers (discovery, keys, the token
	// endpoint); nil: a client with a 10-second timeout.
	HTTPClient *http.Client
	Now        func() time.Time
}

// Service is single sign-on and SCIM provisioning.
type Service struct {
	store    *store.Store
	keys     *keyring.Keyring
	accounts Accounts
	client   *http.Client
	now      func() time.Time

	mu        sync.Mutex
	providers map[string]cachedProvider // by org id
	refusals  map[string]refusalCount   // refused SCIM requests, by address
}

// New builds a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, keys: cfg.Keyring, accounts: cfg.Accounts, client: cfg.HTTPClient, now: cfg.Now,
		providers: map[string]cachedProvider{}, refusals: map[string]refusalCount{}}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// secret is 32 random bytes, unpadded base64url: a state, a nonce, a ticket.
func secret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashOf is how a browser's secret is stored: its SHA-256, hex.
func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// orgBySlug finds an org by its slug; not_found says no provider either.
func (s *Service) orgBySlug(ctx context.Context, slug string) (ward.Org, error) {
	var o ward.Org
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		o, err = tx.OrgBySlug(ctx, slug)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return o, ward.Errorf(ward.CodeSSONotConfigured, "no OpenID Connect provider is configured for this org")
	}
	return o, err
}

// enabledConfig reads an org's provider when it is enabled.
func (s *Service) enabledConfig(ctx context.Context, orgID string) (OIDCSettings, []byte, error) {
	var c store.OIDCConfig
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		c, err = tx.OIDCConfig(ctx, orgID)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && !c.Enabled) {
		return OIDCSettings{}, nil, ward.Errorf(ward.CodeSSONotConfigured, "no OpenID Connect provider is configured for this org")
	}
	if err != nil {
		return OIDCSettings{}, nil, err
	}
	set, err := settingsOf(c)
	return set, c.SecretSealed, err
}

// Button is what the sign-in screen shows for an org: whether it has a
// provider, and its label.
func (s *Service) Button(ctx context.Context, orgSlug string) (string, error) {
	o, err := s.orgBySlug(ctx, orgSlug)
	if err != nil {
		return "", err
	}
	c, _, err := s.enabledConfig(ctx, o.ID)
	return c.Label, err
}
