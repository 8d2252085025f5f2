package authz_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/authz"
)

// golden is the table written out by hand: one row per action, one column
// per role (y = allowed, . = denied). A change to the table that is not also
// made here fails TestGolden, and the other way round.
const golden = `
action               owner admin compliance clinician staff patient guest
session.create       y     y     y          y         y     y     .
session.delete       y     y     y          y         y     y     y
session.list         y     y     y          y         y     y     y
session.revoke       y     y     .          .         .     .     .
account.read         y     y     y          y         y     y     y
account.update       y     y     y          y         y     y     .
mfa.enroll           y     y     y          y         y     y     .
user.list            y     y     y          y         y     .     .
user.read            y     y     y          y         y     .     .
user.create          y     y     .          .         .     .     .
user.update          y     y     .          .         .     .     .
user.disable         y     y     .          .         .     .     .
user.mfa.reset       y     y     .          .         .     .     .
patient.invite       y     y     .          y         y     .     .
outside.send         .     .     .          y         y     .     .
patient.create       .     .     .          y         y     .     .
patient.read         .     .     .          y         y     .     .
patient.update       .     .     .          y         y     .     .
patient.deactivate   y     y     .          y         y     .     .
team.list            y     y     y          y         y     .     .
team.manage          y     y     .          .         .     .     .
team.assign_patient  y     y     .          y         y     .     .
reply.use            y     y     .          y         y     .     .
team.hours           y     y     .          y         y     .     .
inbox.write          .     .     .          .         .     y     .
inbox.read           .     .     .          y         y     .     .
inbox.manage         .     .     .          y         y     .     .
oncall.list          y     y     y          y         y     .     .
oncall.manage        y     y     .          .         .     .     .
oncall.address       .     .     .          y         y     .     .
device.list.own      y     y     y          y         y     y     .
device.list          y     y     .          .         .     .     .
device.approve       y     y     .          .         .     .     .
device.lock          y     y     .          .         .     .     .
device.unlock        y     y     .          .         .     .     .
device.wipe          y     y     .          .         .     .     .
push.key.read        y     y     y          y         y     y     .
push.subscribe       .     .     y          y         y     y     .
push.unsubscribe     y     y     y          y         y     y     .
notifications.manage y     y     y          y         y     y     .
presence.set         y     y     y          y         y     .     .
presence.read        y     y     y          y         y     .     .
org.read             y     y     y          y         y     y     .
org.update           y     .     .          .         .     .     .
policy.read          y     y     y          .         .     .     .
policy.update        y     y     .          .         .     .     .
sso.manage           y     y     .          .         .     .     .
stats.read           y     y     y          .         .     .     .
conversation.create  .     .     .          y         y     y     .
conversation.list    .     .     .          y         y     y     y
conversation.read    .     .     .          y         y     y     y
conversation.update  .     .     .          y         y     .     .
message.send         .     .     .          y         y     y     y
message.read         .     .     .          y         y     y     y
message.recall       .     .     .          y         y     .     .
receipt.write        .     .     .          y         y     y     y
attachment.upload    .     .     .          y         y     y     .
attachment.download  .     .     .          y         y     y     y
audit.read           .     .     y          .         .     .     .
audit.export         .     .     y          .         .     .     .
compliance.review    .     .     y          .         .     .     .
compliance.export    .     .     y          .         .     .     .
disclosure.report    .     .     y          .         .     .     .
incident.manage      .     .     y          .         .     .     .
baa.manage           y     y     y          .         .     .     .
breakglass.open      .     .     .          y         .     .     .
hold.manage          .     .     y          .         .     .     .
hold.read            y     .     y          .         .     .     .
retention.read       y     y     y          .         .     .     .
compliance.log       y     .     y          .         .     .     .
breakglass.review    .     .     y          .         .     .     .
alert.manage         .     .     y          .         .     .     .
conformance.read     y     y     y          .         .     .     .
`

type cell struct {
	Action authz.Action
	Role   ward.Role
}

// parseGolden reads golden into the answer for every action × role, and the
// actions in order.
func parseGolden(t *testing.T) (map[cell]bool, []authz.Action) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(golden), "\n")
	header := strings.Fields(lines[0])[1:]
	var roles []ward.Role
	for _, h := range header {
		roles = append(roles, ward.Role(h))
	}
	if diff := cmp.Diff(ward.Roles, roles); diff != "" {
		t.Fatalf("golden columns are not ward.Roles (-roles +columns):\n%s", diff)
	}
	want := map[cell]bool{}
	var actions []authz.Action
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) != len(roles)+1 {
			t.Fatalf("golden row %q has %d fields, want %d", line, len(f), len(roles)+1)
		}
		a := authz.Action(f[0])
		actions = append(actions, a)
		for i, v := range f[1:] {
			if v != "y" && v != "." {
				t.Fatalf("golden row %q: %q is neither y nor .", line, v)
			}
			want[cell{a, roles[i]}] = v == "y"
		}
	}
	return want, actions
}

func TestGolden(t *testing.T) {
	want, actions := parseGolden(t)
	if diff := cmp.Diff(actions, authz.Actions()); diff != "" {
		t.Fatalf("the table's actions differ from golden's (-golden +table):\n%s", diff)
	}
	for c, w := range want {
		if got := authz.Allowed(c.Role, c.Action); got != w {
			t.Errorf("Allowed(%s, %s) = %v, golden says %v", c.Role, c.Action, got, w)
		}
	}
	// Table() says the same thing.
	gotTable := authz.Table()
	for _, a := range actions {
		var roles []ward.Role
		for _, r := range ward.Roles {
			if want[cell{a, r}] {
				roles = append(roles, r)
			}
		}
		if roles == nil {
			roles = []ward.Role{}
		}
		if diff := cmp.Diff(roles, gotTable[a]); diff != "" {
			t.Errorf("Table()[%s] (-golden +table):\n%s", a, diff)
		}
	}
	if len(gotTable) != len(actions) {
		t.Errorf("Table() has %d actions, golden %d", len(gotTable), len(actions))
	}
}

func TestDenyByDefault(t *testing.T) {
	for _, tt := range []struct {
		role   ward.Role
		action authz.Action
	}{
		{"", authz.SessionCreate},
		{"superuser", authz.UserCreate},
		{"Owner", authz.UserCreate}, // roles are case-sensitive
		{ward.RoleOwner, ""},
		{ward.RoleOwner, "user.delete_everything"},
		{ward.RoleClinician, "message.send "},
		{ward.RoleCompliance, "audit"},
	} {
		if authz.Allowed(tt.role, tt.action) {
			t.Errorf("Allowed(%q, %q) = true, want false", tt.role, tt.action)
		}
		err := authz.Require(tt.role, tt.action)
		if ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("Require(%q, %q) = %v, want forbidden", tt.role, tt.action, err)
		}
	}
	if err := authz.Require(ward.RoleClinician, authz.MessageSend); err != nil {
		t.Errorf("Require(clinician, message.send) = %v", err)
	}
}

// The rules of issue 4, stated once more as properties, so that the golden
// table cannot drift from them unnoticed.
func TestKeyRules(t *testing.T) {
	content := []authz.Action{authz.ConversationList, authz.ConversationRead, authz.MessageRead,
		authz.AttachmentDownload, authz.MessageSend, authz.ConversationCreate}
	for _, a := range content {
		for _, r := range []ward.Role{ward.RoleOwner, ward.RoleAdmin, ward.RoleCompliance} {
			if authz.Allowed(r, a) {
				t.Errorf("%s may %s: only members who message see content", r, a)
			}
		}
	}
	for _, a := range authz.Actions() {
		if a == authz.ComplianceReview || a == authz.ComplianceExport {
			if got := authz.Table()[a]; !slices.Equal(got, []ward.Role{ward.RoleCompliance}) {
				t.Errorf("%s is allowed to %v, want compliance alone", a, got)
			}
		}
	}
	for _, a := range []authz.Action{authz.UserList, authz.UserRead, authz.TeamList, authz.DeviceList,
		authz.AuditRead, authz.PolicyRead, authz.UserCreate} {
		for _, r := range []ward.Role{ward.RolePatient, ward.RoleGuest} {
			if authz.Allowed(r, a) {
				t.Errorf("%s may %s", r, a)
			}
		}
	}
	for _, a := range []authz.Action{authz.UserCreate, authz.UserDisable, authz.DeviceLock, authz.DeviceWipe,
		authz.DeviceApprove, authz.PolicyUpdate, authz.SessionRevoke} {
		for _, r := range []ward.Role{ward.RoleOwner, ward.RoleAdmin} {
			if !authz.Allowed(r, a) {
				t.Errorf("%s may not %s", r, a)
			}
		}
	}
	for _, a := range []authz.Action{authz.AuditRead, authz.AuditExport} {
		if !authz.Allowed(ward.RoleCompliance, a) {
			t.Errorf("compliance may not %s", a)
		}
	}
}

func TestActions(t *testing.T) {
	seen := map[authz.Action]bool{}
	for _, a := range authz.Actions() {
		if seen[a] {
			t.Errorf("%s listed twice", a)
		}
		seen[a] = true
		if !a.Valid() {
			t.Errorf("%s not Valid", a)
		}
		if a.Resource() == "" || strings.HasPrefix(string(a), ".") || a.Resource() == string(a) {
			t.Errorf("%s is not resource.verb", a)
		}
	}
	if authz.Action("nope.nope").Valid() {
		t.Error("unknown action is Valid")
	}
	if got := authz.DeviceListOwn.Resource(); got != "device" {
		t.Errorf("Resource(device.list.own) = %q", got)
	}
}

func TestTableIsACopy(t *testing.T) {
	tab := authz.Table()
	tab[authz.AuditRead] = append(tab[authz.AuditRead], ward.RolePatient)
	tab["made.up"] = []ward.Role{ward.RoleOwner}
	if authz.Allowed(ward.RolePatient, authz.AuditRead) || authz.Allowed(ward.RoleOwner, "made.up") {
		t.Fatal("changing Table()'s result changed the table")
	}
}

func BenchmarkAllowed(b *testing.B) {
	for b.Loop() {
		_ = authz.Allowed(ward.RoleClinician, authz.MessageSend)
	}
}
