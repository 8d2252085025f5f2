package app

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/wardhealth/ward"
)

// The detail that privilege and policy changes record in their audit
// event's reason: what changed, old -> new. Never PHI: roles and flags as
// they are, a name only as "name changed".

// userChangeDetail says what an account change did.
func userChangeDetail(old, cur ward.User) string {
	var parts []string
	if old.Role != cur.Role {
		parts = append(parts, fmt.Sprintf("role %s -> %s", old.Role, cur.Role))
	}
	if old.Disabled != cur.Disabled {
		parts = append(parts, fmt.Sprintf("disabled %t -> %t", old.Disabled, cur.Disabled))
	}
	if old.Name != cur.Name {
		parts = append(parts, "name changed")
	}
	if old.Email != cur.Email {
		parts = append(parts, "email changed")
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

// policyChangeDetail names every policy field that changed, by its JSON
// name, with the old and new values as the API shows them (durations in
// seconds), e.g. "mfa_required true -> false; idle_timeout 900 -> 1800".
func policyChangeDetail(old, cur ward.Policy) string {
	var parts []string
	ov, cv := reflect.ValueOf(old), reflect.ValueOf(cur)
	for i := range ov.NumField() {
		f := ov.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			name = f.Name
		}
		a, _ := json.Marshal(ov.Field(i).Interface())
		b, _ := json.Marshal(cv.Field(i).Interface())
		if string(a) != string(b) {
			parts = append(parts, fmt.Sprintf("%s %s -> %s", name, a, b))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}
