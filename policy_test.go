package ward

import (
	"testing"
	"time"
)

// TestPolicyInvitationTTL (issue 22): invitation links work 72 hours by
// default; a policy may set 1 hour to 30 days; a policy stored before the
// field existed (0) means the default.
func TestPolicyInvitationTTL(t *testing.T) {
	p := DefaultPolicy()
	if p.InvitationLifetime() != 72*time.Hour || p.Validate() != nil {
		t.Fatalf("default: %v %v", p.InvitationLifetime(), p.Validate())
	}
	p.InvitationTTL = 0
	if p.InvitationLifetime() != 72*time.Hour || p.Validate() != nil {
		t.Errorf("unset: %v %v", p.InvitationLifetime(), p.Validate())
	}
	for _, d := range []time.Duration{time.Minute, 59 * time.Minute, 31 * 24 * time.Hour, -time.Hour} {
		p.InvitationTTL = Duration(d)
		if ErrorCode(p.Validate()) != CodeInvalid {
			t.Errorf("invitation_ttl %v: %v, want invalid_input", d, p.Validate())
		}
	}
	p.InvitationTTL = Duration(time.Hour)
	if p.InvitationLifetime() != time.Hour || p.Validate() != nil {
		t.Errorf("1 hour: %v %v", p.InvitationLifetime(), p.Validate())
	}
}

// TestPolicyPatientRetention (issue 22): 0 keeps deactivated records
// forever (the default); otherwise at least a day.
func TestPolicyPatientRetention(t *testing.T) {
	p := DefaultPolicy()
	if p.PatientRetention != 0 || p.Validate() != nil {
		t.Fatalf("default patient_retention %v: %v", p.PatientRetention, p.Validate())
	}
	for _, d := range []time.Duration{time.Second, time.Hour, 23 * time.Hour} {
		p.PatientRetention = Duration(d)
		if ErrorCode(p.Validate()) != CodeInvalid {
			t.Errorf("patient_retention %v: %v, want invalid_input", d, p.Validate())
		}
	}
	p.PatientRetention = Duration(MinPatientRetention)
	if err := p.Validate(); err != nil {
		t.Errorf("patient_retention 1 day: %v", err)
	}
}

// TestPolicyOutsideAccess (issue 22): an outside recipient has 72 hours by
// default; a policy may set 1 hour to 30 days; 0 (a policy stored before
// the field existed) means the default.
func TestPolicyOutsideAccess(t *testing.T) {
	p := DefaultPolicy()
	if p.OutsideAccessTime() != 72*time.Hour || p.Validate() != nil {
		t.Fatalf("default: %v %v", p.OutsideAccessTime(), p.Validate())
	}
	p.OutsideAccess = 0
	if p.OutsideAccessTime() != 72*time.Hour || p.Validate() != nil {
		t.Errorf("unset: %v %v", p.OutsideAccessTime(), p.Validate())
	}
	for _, d := range []time.Duration{time.Minute, 59 * time.Minute, 31 * 24 * time.Hour, -time.Hour} {
		p.OutsideAccess = Duration(d)
		if ErrorCode(p.Validate()) != CodeInvalid {
			t.Errorf("outside_access %v: %v, want invalid_input", d, p.Validate())
		}
	}
	p.OutsideAccess = Duration(2 * time.Hour)
	if p.OutsideAccessTime() != 2*time.Hour || p.Validate() != nil {
		t.Errorf("2 hours: %v %v", p.OutsideAccessTime(), p.Validate())
	}
}
