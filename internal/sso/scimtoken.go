package sso

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// scimTokenPrefix lets secret scanners recognise a leaked SCIM token.
const scimTokenPrefix = "ward_scim_"

// SCIMTokenInfo says whether the caller's org has a SCIM token and since
// when (a zero CreatedAt: none). The token itself is never readable.
func (s *Service) SCIMTokenInfo(ctx context.Context, p *access.Principal) (store.SCIMToken, error) {
	if err := p.Can(authz.SSOManage); err != nil {
		return store.SCIMToken{}, err
	}
	var t store.SCIMToken
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		t, err = tx.SCIMTokenOf(ctx, p.User.OrgID)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return store.SCIMToken{}, nil
	}
	t.TokenHash = ""
	return t, err
}

// IssueSCIMToken creates or rotates the caller's org's SCIM token: it is
// answered once, only its SHA-256 is stored, and the one it replaces stops
// working at once.
func (s *Service) IssueSCIMToken(ctx context.Context, p *access.Principal) (string, error) {
	if err := p.Can(authz.SSOManage); err != nil {
		return "", err
	}
	tok := scimTokenPrefix + secret()
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.SCIMTokenOf(ctx, p.User.OrgID)
		rotated := err == nil
		if err != nil && ward.ErrorCode(err) != ward.CodeNotFound {
			return err
		}
		if err := tx.PutSCIMToken(ctx, &store.SCIMToken{OrgID: p.User.OrgID, TokenHash: hashOf(tok), CreatedBy: p.User.ID}); err != nil {
			return err
		}
		ev := p.Event(audit.SCIMTokenIssued, "org", p.User.OrgID)
		if rotated {
			ev.Reason = "rotated: the previous token no longer works"
		}
		return audit.Append(ctx, tx, ev)
	})
	return tok, err
}

// RevokeSCIMToken revokes the caller's org's SCIM token; not_found when it
// has none.
func (s *Service) RevokeSCIMToken(ctx context.Context, p *access.Principal) error {
	if err := p.Can(authz.SSOManage); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeleteSCIMToken(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		if !ok {
			return ward.Errorf(ward.CodeNotFound, "the org has no SCIM token")
		}
		return audit.Append(ctx, tx, p.Event(audit.SCIMTokenRevoked, "org", p.User.OrgID))
	})
}

// SCIMCaller is an authenticated SCIM client: the org its token is for.
type SCIMCaller struct {
	OrgID string
	IP    string
}

// principal is the caller as app sees it: admin rights, audited as "scim".
func (c SCIMCaller) principal() *access.Principal {
	return app.ServicePrincipal(c.OrgID, "scim", c.IP)
}

// AuthenticateSCIM finds the org of a SCIM bearer token. A missing or
// unknown token is a 401 SCIM error, audited as scim.refused.
func (s *Service) AuthenticateSCIM(ctx context.Context, authorization, ip string) (SCIMCaller, error) {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	tok = strings.TrimSpace(tok)
	var t store.SCIMToken
	var err error = ward.Errorf(ward.CodeNotFound, "no token")
	if ok && strings.HasPrefix(tok, scimTokenPrefix) && len(tok) < 200 {
		err = s.store.Read(ctx, func(tx *store.Tx) (err error) {
			t, err = tx.SCIMTokenByHash(ctx, hashOf(tok))
			return err
		})
	}
	if ward.ErrorCode(err) == ward.CodeNotFound {
		if due, folded := s.refusal(ip); due {
			ev := audit.Event{Action: audit.SCIMRefused, ResourceType: "scim", ResourceID: "token", Outcome: audit.Failure,
				Actor: audit.Actor{Role: "scim", IP: ip}, Reason: "missing or unknown bearer token"}
			if folded > 0 {
				ev.Reason += fmt.Sprintf("; %d more from this address since the last event", folded)
			}
			if aerr := s.store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, ev) }); aerr != nil {
				return SCIMCaller{}, aerr
			}
		}
		return SCIMCaller{}, &SCIMError{Status: 401, Detail: "a valid SCIM bearer token is required"}
	}
	if err != nil {
		return SCIMCaller{}, err
	}
	return SCIMCaller{OrgID: t.OrgID, IP: ip}, nil
}

// scimTime is how SCIM meta times are written.
func scimTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// refusalEvery is how often a refused SCIM address is audited: a client
// with a stale token, or a scan, leaves one scim.refused a minute per
// address, with the count of the others.
const refusalEvery = time.Minute

// refusal counts a refused SCIM request from ip and reports whether it is
// due an audit event, with how many were folded since the last one.
func (s *Service) refusal(ip string) (due bool, folded int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	r := s.refusals[ip]
	if !r.last.IsZero() && now.Sub(r.last) < refusalEvery {
		r.folded++
		s.refusals[ip] = r
		return false, 0
	}
	if len(s.refusals) >= 10000 { // bounded: forget the lot rather than grow
		clear(s.refusals)
	}
	s.refusals[ip] = refusalCount{last: now}
	return true, r.folded
}

type refusalCount struct {
	last   time.Time
	folded int
}
