package authz

import (
	"slices"
	"sync"

	"github.com/wardhealth/ward"
)

// roleBit gives each role one bit of a mask; unknown roles get none.
func roleBit(r ward.Role) uint64 {
	if i := slices.Index(ward.Roles, r); i >= 0 && i < 64 {
		return 1 << i
	}
	return 0
}

// index is the table as action → role mask, built once.
var index = sync.OnceValue(func() map[Action]uint64 {
	m := make(map[Action]uint64)
	for _, r := range rules() {
		if _, dup := m[r.action]; dup {
			panic("authz: action " + string(r.action) + " has two rows")
		}
		var mask uint64
		for _, role := range r.roles {
			mask |= roleBit(role)
		}
		m[r.action] = mask
	}
	return m
})

// Allowed reports whether role may do action. Unknown roles and actions are
// refused.
func Allowed(role ward.Role, action Action) bool {
	bit := roleBit(role)
	return bit != 0 && index()[action]&bit != 0
}

// Require returns nil if role may do action, and otherwise a *ward.Error
// with CodeForbidden.
func Require(role ward.Role, action Action) error {
	if Allowed(role, action) {
		return nil
	}
	return ward.Errorf(ward.CodeForbidden, "your role may not do this (%s)", action)
}

// Actions lists every action in the table, in table order.
func Actions() []Action {
	rs := rules()
	out := make([]Action, len(rs))
	for i, r := range rs {
		out[i] = r.action
	}
	return out
}

// Table returns a copy of the table: for each action, the roles allowed it,
// in the order of ward.Roles. Tests and the route × role test walk it.
func Table() map[Action][]ward.Role {
	out := make(map[Action][]ward.Role, len(index()))
	for a, mask := range index() {
		roles := []ward.Role{}
		for _, r := range ward.Roles {
			if mask&roleBit(r) != 0 {
				roles = append(roles, r)
			}
		}
		out[a] = roles
	}
	return out
}
