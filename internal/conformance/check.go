package conformance

import (
	"context"
	"slices"
)

// Status is a check's verdict.
type Status string

// The verdicts, best first.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Result is what a check found: the verdict, the evidence (the live
// values it looked at) and the reason for the verdict.
type Result struct {
	Status   Status `json:"status"`
	Evidence string `json:"evidence"`
	Reason   string `json:"reason"`
}

// Check is one requirement and how to check it.
type Check struct {
	ID      string // the regulation's paragraph, e.g. "164.312(a)(2)(iii)"; unique in a registry
	Section string // the standard it belongs to, e.g. "164.312(a)(1) Access control": the report's heading
	Title   string // e.g. "Automatic logoff"
	Run     func(ctx context.Context, f *Facts) Result
}

// Registry is an ordered set of checks.
type Registry struct{ checks []Check }

// Register adds c, or replaces the check with the same id in its place
// (how a later capability replaces a placeholder).
func (r *Registry) Register(c Check) {
	if i := slices.IndexFunc(r.checks, func(x Check) bool { return x.ID == c.ID }); i >= 0 {
		r.checks[i] = c
		return
	}
	r.checks = append(r.checks, c)
}

// Checks lists the registered checks in order.
func (r *Registry) Checks() []Check { return slices.Clone(r.checks) }

// NotAvailable is the placeholder of a check whose data this build does
// not hold yet: a warning that says so.
func NotAvailable(what string) func(context.Context, *Facts) Result {
	return func(context.Context, *Facts) Result {
		return Result{Status: Warn, Evidence: "not available yet", Reason: what + " are not recorded by this version of ward: keep the evidence outside it"}
	}
}
