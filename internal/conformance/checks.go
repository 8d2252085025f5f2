package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/wardhealth/ward/internal/audit"
)

// Sections of the report, in order.
const (
	SecAccess    = "164.312(a)(1) Access control"
	SecAudit     = "164.312(b) Audit controls"
	SecIntegrity = "164.312(c)(1) Integrity"
	SecAuthn     = "164.312(d) Person or entity authentication"
	SecTransmit  = "164.312(e)(1) Transmission security"
	SecAdmin     = "164.308 Administrative safeguards"
	SecDocs      = "164.316 Policies, procedures and documentation"
)

// Thresholds the built-in checks judge by.
const (
	IdleTimeoutPass     = 15 * time.Minute // at most this: pass
	IdleTimeoutWarn     = time.Hour        // at most this: warn; longer: fail
	SessionLifetimePass = 12 * time.Hour
	KEKMaxAge           = 365 * 24 * time.Hour // an org's key-encryption key older than this: warn (rotate)
	CheckpointMaxAge    = 24 * time.Hour       // the last checkpoint older than this while events follow it: warn
)

// Default is a registry of the built-in checks, with placeholders for
// backups, incidents and BAAs that the wiring (internal/server
// ConformanceRegistry) replaces with BackupCheck, IncidentCheck and
// BAACheck over their packages' evidence.
func Default() *Registry {
	r := &Registry{}
	for _, c := range []Check{
		{"164.312(a)(1)", SecAccess, "Access control (deny by default)", checkAccessControl},
		{"164.312(a)(2)(i)", SecAccess, "Unique user identification", checkUniqueUsers},
		{"164.312(a)(2)(ii)", SecAccess, "Emergency access procedure (break-glass)", checkBreakGlass},
		{"164.312(a)(2)(iii)", SecAccess, "Automatic logoff (idle timeout)", checkIdleTimeout},
		{"164.312(a)(2)(iii) session", SecAccess, "Automatic logoff (absolute session lifetime)", checkSessionLifetime},
		{"164.312(a)(2)(iv)", SecAccess, "Encryption and decryption (at rest)", checkEncryption},
		{"164.312(b)", SecAudit, "Audit chain verified", checkAuditChain},
		{"164.312(b) checkpoints", SecAudit, "Signed checkpoints kept outside the database", checkCheckpointSink},
		{"164.312(c)(1)", SecIntegrity, "Integrity: every audit event authenticated (MAC)", checkIntegrity},
		{"164.312(c)(2)", SecIntegrity, "Mechanism to authenticate ePHI (AEAD)", checkAEAD},
		{"164.312(d)", SecAuthn, "Person or entity authentication (second factor)", checkMFA},
		{"164.312(e)(1)", SecTransmit, "Transmission security (TLS)", checkTLS},
		{"164.312(e)(2)(i)", SecTransmit, "Integrity controls in transit", checkTLSIntegrity},
		{"164.312(e)(2)(ii)", SecTransmit, "Encryption in transit", checkTLSEncryption},
		{"164.308(a)(1)(ii)(D)", SecAdmin, "Information system activity review", checkActivityReview},
		{"164.308(a)(5)(ii)(C)", SecAdmin, "Log-in monitoring", checkLoginMonitoring},
		{"164.308(a)(6)", SecAdmin, "Security incident procedures", NotAvailable("Breach incidents")},
		{"164.308(a)(7)", SecAdmin, "Contingency plan (backups)", NotAvailable("Backups")},
		{"164.308(b)(1)", SecAdmin, "Business associate agreements", NotAvailable("Business associate agreements")},
		{"164.316(b)(2)(i)", SecDocs, "Documentation kept six years (audit retention)", checkRetention},
	} {
		r.Register(c)
	}
	return r
}

func checkAccessControl(_ context.Context, f *Facts) Result {
	return Result{Pass, "every route passes one authorization table (roles x actions), deny by default; owners and admins never read message content",
		"enforced by construction (internal/authz; a test walks every route and role)"}
}

func checkUniqueUsers(_ context.Context, f *Facts) Result {
	return Result{Pass, fmt.Sprintf("%d active staff accounts, one per person and email; sessions bound to a device", f.Users),
		"no shared logins: each account has its own credentials and every event names its user"}
}

func checkBreakGlass(_ context.Context, f *Facts) Result {
	ev := fmt.Sprintf("%d break-glass uses, %d not reviewed; time box %s", f.BreakGlassUses, f.BreakGlassUnreviewed, f.Policy.BreakGlassAccess.D())
	if f.BreakGlassUnreviewed > 0 {
		return Result{Warn, ev, fmt.Sprintf("%d break-glass uses wait for compliance's verdict", f.BreakGlassUnreviewed)}
	}
	return Result{Pass, ev, "emergency access is available, time-boxed, alerted and every use is reviewed"}
}

func checkIdleTimeout(_ context.Context, f *Facts) Result {
	d := f.Policy.IdleTimeout.D()
	ev := "idle timeout " + d.String()
	switch {
	case d <= 0:
		return Result{Fail, ev, "no idle timeout: sessions never log off"}
	case d <= IdleTimeoutPass:
		return Result{Pass, ev, "sessions end after at most " + IdleTimeoutPass.String() + " without a request"}
	case d <= IdleTimeoutWarn:
		return Result{Warn, ev, "longer than the recommended " + IdleTimeoutPass.String()}
	}
	return Result{Fail, ev, "longer than " + IdleTimeoutWarn.String() + ": an unattended workstation stays signed in"}
}

func checkSessionLifetime(_ context.Context, f *Facts) Result {
	d := f.Policy.SessionLifetime.D()
	ev := "absolute session lifetime " + d.String()
	if d > 0 && d <= SessionLifetimePass {
		return Result{Pass, ev, "every session ends within a shift"}
	}
	return Result{Warn, ev, "longer than " + SessionLifetimePass.String() + ": sessions outlive a shift"}
}

func checkEncryption(_ context.Context, f *Facts) Result {
	k := f.OrgKeys
	if k.KEKVersion == 0 {
		return Result{Warn, "master key " + f.Keys.MasterKeyID + "; the org has no key-encryption key yet", "no PHI has been sealed yet"}
	}
	age := f.Now.Sub(k.KEKCreated).Round(24 * time.Hour)
	ev := fmt.Sprintf("AES-256-GCM envelope encryption; master key %s; org key-encryption key v%d, %d days old; %d data keys",
		f.Keys.MasterKeyID, k.KEKVersion, int(age.Hours()/24), k.DEKs)
	if !k.OldestDEK.IsZero() {
		ev += fmt.Sprintf(", the oldest %d days old", int(f.Now.Sub(k.OldestDEK).Hours()/24))
	}
	switch {
	case k.DEKsOnOldKEK > 0:
		return Result{Warn, ev, fmt.Sprintf("%d data keys still wrapped by an older key-encryption key: finish the rotation ('ward keys rotate')", k.DEKsOnOldKEK)}
	case age > KEKMaxAge:
		return Result{Warn, ev, "the key-encryption key is over a year old: rotate it ('ward keys rotate')"}
	}
	return Result{Pass, ev, "every PHI field and attachment is sealed before it reaches the store"}
}

func checkAuditChain(_ context.Context, f *Facts) Result {
	a := f.Audit
	ev := fmt.Sprintf("verified %s: %d sealed events (seq %d to %d), %d checkpoints signed",
		f.AuditVerifiedAt.UTC().Format(time.RFC3339), a.Events, a.FirstSeq, a.LastSeq, a.Checkpoints)
	if f.LastCheckpoint.N > 0 {
		ev += fmt.Sprintf("; last checkpoint #%d at seq %d, %s", f.LastCheckpoint.N, f.LastCheckpoint.Seq, f.LastCheckpoint.At.UTC().Format(time.RFC3339))
	}
	switch {
	case f.AuditErr != nil:
		return Result{Fail, ev, "the chain does not verify: " + f.AuditErr.Error()}
	case a.LastSeq > 0 && f.LastCheckpoint.N == 0:
		return Result{Warn, ev, "no signed checkpoint yet: run 'ward serve' (its sealer signs them)"}
	case a.Unanchored() > 0 && f.Now.Sub(f.LastCheckpoint.At) > CheckpointMaxAge:
		return Result{Warn, ev, fmt.Sprintf("%d events after a checkpoint older than a day: is the sealer running?", a.Unanchored())}
	}
	return Result{Pass, ev, "the hash chain, every event's MAC and every checkpoint signature verify"}
}

func checkCheckpointSink(_ context.Context, f *Facts) Result {
	if f.Deployment.CheckpointSink == "" {
		return Result{Warn, "no --audit-checkpoint-sink", "without a copy outside the database, deleting the newest events with their checkpoints is not detectable"}
	}
	return Result{Pass, "checkpoint sink set", "each signed checkpoint is also written outside the database"}
}

func checkIntegrity(_ context.Context, f *Facts) Result {
	ev := fmt.Sprintf("%d events; MACs checked: %t; %d from before MACs", f.Audit.Events, f.Audit.MACsChecked, f.Audit.WithoutMAC)
	if f.AuditErr != nil {
		return Result{Fail, ev, "the audit trail was altered: " + f.AuditErr.Error()}
	}
	return Result{Pass, ev, "no event was written or changed without the audit key"}
}

func checkAEAD(_ context.Context, f *Facts) Result {
	return Result{Pass, "AES-256-GCM with associated data binding org, record and field",
		"a changed or swapped ciphertext fails to open"}
}

func checkMFA(_ context.Context, f *Facts) Result {
	enrolled := fmt.Sprintf("%d of %d active staff accounts have no second factor yet", f.WithoutSecondFactor, f.Users)
	if !f.Policy.MFARequired {
		return Result{Fail, "mfa_required false; " + enrolled, "MFA is optional: staff may sign in with a password alone; set mfa_required in the policy"}
	}
	ev := "mfa_required true (TOTP or WebAuthn); argon2id passwords; sign-ins throttled; " + enrolled
	if f.WithoutSecondFactor > 0 {
		return Result{Pass, ev, "every staff sign-in needs a second factor: an account without one must enrol one before anything else"}
	}
	return Result{Pass, ev, "every staff account signs in with a second factor"}
}

func checkTLS(_ context.Context, f *Facts) Result {
	switch {
	case f.Deployment.TLS:
		return Result{Pass, "TLS 1.2+ served by ward (1.3 preferred), HSTS", "no plaintext listener"}
	case f.Deployment.BehindTLSProxy:
		return Result{Warn, "plain HTTP behind a TLS-terminating proxy (--insecure-behind-tls-proxy)",
			"transmission security depends on the proxy's configuration: keep its evidence"}
	}
	return Result{Fail, "no TLS", "PHI would cross the network in the clear"}
}

func checkTLSIntegrity(ctx context.Context, f *Facts) Result {
	r := checkTLS(ctx, f)
	if r.Status == Pass {
		r.Evidence, r.Reason = "TLS AEAD cipher suites only", "every record in transit is authenticated"
	}
	return r
}

func checkTLSEncryption(ctx context.Context, f *Facts) Result {
	r := checkTLS(ctx, f)
	if r.Status == Pass {
		r.Evidence, r.Reason = "TLS 1.2 minimum, forward-secret key exchange", "PHI is encrypted in transit"
	}
	return r
}

func checkActivityReview(_ context.Context, f *Facts) Result {
	ev := fmt.Sprintf("%d audit or compliance searches and reviews in the last 90 days", f.AuditSearches90d)
	if f.AuditSearches90d == 0 {
		return Result{Warn, ev, "no one reviewed the audit trail in 90 days"}
	}
	return Result{Pass, ev, "compliance reviews the activity records"}
}

func checkLoginMonitoring(_ context.Context, f *Facts) Result {
	return Result{Pass, fmt.Sprintf("%d failed or throttled sign-ins recorded in the last 30 days", f.LoginFailures30d),
		"every failed sign-in is audited and throttled (aggregated as login.throttled)"}
}

func checkRetention(_ context.Context, f *Facts) Result {
	d := f.Policy.AuditRetention.D()
	ev := fmt.Sprintf("audit_retention %d days", int(d.Hours()/24))
	if d.Hours() < float64(audit.MinRetentionYears)*365*24 {
		return Result{Fail, ev, "under six years (164.316(b)(2)(i))"}
	}
	return Result{Pass, ev, "audit and policy records are kept at least six years"}
}
