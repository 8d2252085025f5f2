package passkeys

import (
	"context"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// BeginRegistration starts enrolling a passkey for the caller: the
// options for navigator.credentials.create. The caller's passkeys are
// excluded, so one authenticator is not registered twice.
func (s *Service) BeginRegistration(ctx context.Context, p *access.Principal) (Challenge, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return Challenge{}, err
	}
	if err := s.core.RequireRecentAuth(ctx, p); err != nil {
		return Challenge{}, err
	}
	var out Challenge
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		creds, err := tx.WebAuthnCredentials(ctx, p.User.ID)
		if err != nil {
			return err
		}
		if len(creds) >= maxPasskeys {
			return ward.Errorf(ward.CodeConflict, "at most %d passkeys; remove one first", maxPasskeys)
		}
		pu := passkeyUser{u: p.User, creds: creds}
		exclude := webauthn.Credentials(pu.WebAuthnCredentials()).CredentialDescriptors()
		creation, session, err := s.rp.BeginRegistration(pu, webauthn.WithExclusions(exclude))
		if err != nil {
			return err
		}
		out, err = s.saveChallenge(ctx, tx, p.User.ID, store.ChallengeRegister, creation, session)
		return err
	})
	return out, err
}

// FinishRegistration checks the authenticator's answer to a
// registration challenge and stores the passkey under name. It lifts the
// session's enrol-only restriction, like ConfirmTOTP, and gives recovery
// codes when the user has none yet.
func (s *Service) FinishRegistration(ctx context.Context, p *access.Principal, challengeID, name string, response []byte) (Registration, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return Registration{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if utf8.RuneCountInString(name) > 64 || strings.ContainsFunc(name, isControl) {
		return Registration{}, ward.Errorf(ward.CodeInvalid, "name: at most 64 characters, no control characters")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return Registration{}, ward.Wrap(ward.CodeInvalid, err, "response is not a valid passkey registration")
	}
	session, err := s.takeChallenge(ctx, challengeID, p.User.ID, store.ChallengeRegister)
	if err != nil {
		return Registration{}, err
	}
	cred, err := s.rp.CreateCredential(passkeyUser{u: p.User}, session, parsed)
	if err != nil {
		return Registration{}, ward.Wrap(ward.CodeInvalid, err, "the passkey could not be verified; start again")
	}
	c := store.WebAuthnCredential{ID: cred.ID, UserID: p.User.ID, Name: name, PublicKey: cred.PublicKey,
		SignCount: cred.Authenticator.SignCount, AAGUID: cred.Authenticator.AAGUID, Flags: cred.Flags.MsgpByte()}
	for _, t := range cred.Transport {
		if s := string(t); s != "" && len(s) <= 32 && !strings.Contains(s, ",") && len(c.Transports) < 8 {
			c.Transports = append(c.Transports, s)
		}
	}
	var codes []string
	err = s.core.ChangeAccess(ctx, func(tx *store.Tx) error {
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
		return Registration{}, err
	}
	p.Session.MFAPending = false
	return Registration{Passkey: viewPasskey(c), RecoveryCodes: codes}, nil
}

// List lists the caller's passkeys.
func (s *Service) List(ctx context.Context, p *access.Principal) ([]Passkey, error) {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return nil, err
	}
	var creds []store.WebAuthnCredential
	err := s.store.Read(ctx, func(tx *store.Tx) error {
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

// Delete removes one of the caller's passkeys. Where the org
// requires MFA, the last second factor cannot be removed.
func (s *Service) Delete(ctx context.Context, p *access.Principal, id string) error {
	if err := p.Can(authz.MFAEnroll); err != nil {
		return err
	}
	if err := s.core.RequireRecentAuth(ctx, p); err != nil {
		return err
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) == 0 {
		return ward.Errorf(ward.CodeNotFound, "no such passkey")
	}
	return s.core.ChangeAccess(ctx, func(tx *store.Tx) error {
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

func viewPasskey(c store.WebAuthnCredential) Passkey {
	return Passkey{ID: base64.RawURLEncoding.EncodeToString(c.ID), Name: c.Name, CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
