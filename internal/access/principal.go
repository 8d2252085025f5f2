package access

import (
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
)

// Principal is an authenticated caller: a user on a device in a session.
type Principal struct {
	User    ward.User
	Session ward.Session
	Device  ward.Device
	Policy  ward.Policy
	IP      string
	// System marks an administrative command run on the host (ward device
	// wipe, …): it acts with the owner's rights and is audited as "system".
	System bool
	// Service names an org's machine client acting with admin rights (an
	// IdP's SCIM provisioning, "scim"; an OIDC sign-in's role sync, "sso"):
	// the audit trail records it as that role, with no user.
	Service string
	// EnrolByPolicy: the session was not enrol-only at its sign-in; the
	// org's policy made it so later. Its sign-in may be old, so enrolling
	// still needs a recent re-authentication.
	EnrolByPolicy bool
}

// SystemActor is the audit actor for administrative commands run on the host.
func SystemActor() audit.Actor { return audit.Actor{Role: "system"} }

// Actor is p as the audit trail records it.
func (p *Principal) Actor() audit.Actor {
	if p.System {
		return SystemActor()
	}
	if p.Service != "" {
		return audit.Actor{Role: p.Service, IP: p.IP}
	}
	return audit.Actor{UserID: p.User.ID, Role: string(p.User.Role), DeviceID: p.Device.ID, IP: p.IP}
}

// Event starts an audit event done by p.
func (p *Principal) Event(action audit.Action, resourceType, resourceID string) audit.Event {
	return audit.Event{OrgID: p.User.OrgID, Actor: p.Actor(), Action: action,
		ResourceType: resourceType, ResourceID: resourceID, Outcome: audit.Success}
}

// Can returns nil if p may do action, and a forbidden error otherwise. A
// session that must first enrol a second factor may do nothing else.
func (p *Principal) Can(action authz.Action) error {
	if p.Session.MFAPending && action != authz.MFAEnroll && action != authz.SessionDelete && action != authz.AccountRead {
		return ward.Errorf(ward.CodeMFAEnrollment, "enrol a second factor first (POST /api/v1/mfa/totp or /api/v1/mfa/webauthn)")
	}
	return authz.Require(p.User.Role, action)
}
