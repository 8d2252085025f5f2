package passkeys

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// BeginLogin is the second step of BeginPasskeyLogin in internal/app,
// once the password of u checked out: it answers the options for
// navigator.credentials.get, to sign in with a passkey of u's.
func (s *Service) BeginLogin(ctx context.Context, u ward.User) (Challenge, error) {
	var out Challenge
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		creds, err := tx.WebAuthnCredentials(ctx, u.ID)
		if err != nil {
			return err
		}
		if len(creds) == 0 {
			return ward.Errorf(ward.CodeConflict, "no passkey is enrolled for this account; use another second factor")
		}
		assertion, session, err := s.rp.BeginLogin(passkeyUser{u: u, creds: creds})
		if err != nil {
			return err
		}
		out, err = s.saveChallenge(ctx, tx, u.ID, store.ChallengeLogin, assertion, session)
		return err
	})
	return out, err
}

// Check verifies a passkey assertion during internal/app's Login, in its
// transaction tx. The challenge is
// used up whatever the outcome; the signature counter must move forward.
// It returns a failure reason for the audit, or an error.
func (s *Service) Check(ctx context.Context, tx *store.Tx, u ward.User, creds []store.WebAuthnCredential, as Assertion) (string, error) {
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
	cred, err := s.rp.ValidateLogin(passkeyUser{u: u, creds: creds}, session, parsed)
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
func (s *Service) saveChallenge(ctx context.Context, tx *store.Tx, userID, kind string, options any, session *webauthn.SessionData) (Challenge, error) {
	session.Expires = time.Time{}
	data, err := json.Marshal(session)
	if err != nil {
		return Challenge{}, err
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return Challenge{}, err
	}
	c := store.WebAuthnChallenge{ID: rand.Text(), UserID: userID, SessionData: string(data), Kind: kind,
		ExpiresAt: tx.Now.Add(passkeyChallengeTTL)}
	if err := tx.CreateWebAuthnChallenge(ctx, c); err != nil {
		return Challenge{}, err
	}
	return Challenge{ID: c.ID, Options: opts}, nil
}

// takeChallenge uses up a challenge of the user's and returns its session
// data. It commits on its own, so a failed answer cannot be retried.
func (s *Service) takeChallenge(ctx context.Context, id, userID, kind string) (webauthn.SessionData, error) {
	var session webauthn.SessionData
	var expired bool
	err := s.store.Write(ctx, func(tx *store.Tx) error {
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
