package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/wardhealth/ward"
)

// SessionOwner is what authenticating a request reads: a session, its
// device, its user and their org's policy.
type SessionOwner struct {
	Session ward.Session
	Device  ward.Device
	User    ward.User
	Policy  ward.Policy
	// SecondFactor says whether the user has a confirmed TOTP authenticator
	// or a passkey, so that a policy requiring one applies to live sessions.
	SecondFactor bool
}

// sessionOwnerQuery joins the four in one statement. A request whose
// session is not in the cache (app/sessioncache.go) reads them; one statement instead
// of four matters at 10,000 users, where such reads took 12 % of the
// server's CPU (docs/BENCHMARKS.md).
var sessionOwnerQuery = "SELECT " + qualified("s", sessionCols) + ", " + qualified("d", deviceCols) + ", " +
	qualified("u", userCols) + ", p.policy," +
	" EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = s.user_id AND m.totp_confirmed = 1)" +
	" OR EXISTS (SELECT 1 FROM webauthn_credentials w WHERE w.user_id = s.user_id) FROM sessions s" +
	" JOIN devices d ON d.org_id = s.org_id AND d.id = s.device_id" +
	" JOIN users u ON u.org_id = s.org_id AND u.id = s.user_id" +
	" LEFT JOIN org_policies p ON p.org_id = s.org_id" +
	" WHERE s.token_hash = $1"

// SessionOwnerByTokenHash finds a session, revoked or not, by its token's
// hash, with its device, its user and their org's policy (the default when
// the org never set one). It fails with CodeNotFound when any of the
// session, device or user is missing.
func (tx *Tx) SessionOwnerByTokenHash(ctx context.Context, hash string) (SessionOwner, error) {
	var s sessionRow
	var d deviceRow
	var u userRow
	var policy sql.NullString
	var second bool
	dest := append(append(append(s.dest(), d.dest()...), u.dest()...), &policy, &second)
	if err := tx.queryRow(ctx, sessionOwnerQuery, hash).Scan(dest...); err != nil {
		return SessionOwner{}, tx.d.wrap(err)
	}
	p, err := parsePolicy(policy)
	if err != nil {
		return SessionOwner{}, err
	}
	return SessionOwner{Session: s.session(), Device: d.device(), User: u.user(), Policy: p, SecondFactor: second}, nil
}

// qualified prefixes each column of a column list with a table alias.
func qualified(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = alias + "." + parts[i]
	}
	return strings.Join(parts, ", ")
}
