// Package demo seeds "Demo Clinic": an org with MFA off (for this org only),
// an owner who administers it, a compliance officer, clinicians and a front
// desk member, and conversations with history, one of them urgent and not
// yet acknowledged. It goes through internal/app like any caller, so every
// step is validated, encrypted and audited (as "system"). Seeding again
// changes nothing: each step finds what an earlier run made. `ward demo`
// and `make run` use it; the e2e tests sign in with its logins.
package demo
