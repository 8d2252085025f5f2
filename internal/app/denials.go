package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
)

// Denials: the audit of refused requests on PHI.
//
// Every refusal of an authenticated caller on a PHI resource (403, or the
// 404 that answers for a conversation, message or attachment the caller
// may not see, another org's ids included) is recorded as access.denied
// with outcome denied, naming the refused authz action and the requested
// id when it is a UUID (anything else is not recorded: it may be free
// text). internal/httpapi calls AuditDenial from its one error path of
// authenticated routes and from the socket's, so that each refusal is
// recorded once.
//
// A loop must not flood the trail: each user gets at most denialBudget
// events a window (denialWindow). Denials past the budget are folded, and
// the count is recorded once: on the user's first denial of a later window
// ("… (folded N earlier denials)"), or by FlushDenials, which
// internal/server runs on every node, in an event of its own.

const (
	denialBudget = 20
	denialWindow = time.Minute
)

// denialLimiter counts each user's recorded and folded denials.
type denialLimiter struct {
	mu     sync.Mutex
	byUser map[string]*denialCount // org/user → the current window
}

type denialCount struct {
	start    time.Time
	recorded int
	folded   int
	last     audit.Event // the last denial, for FlushDenials' summary
}

// phiResources are the authz resources whose refusals are audited.
var phiResources = map[string]bool{
	"conversation": true, "message": true, "receipt": true, "attachment": true, "patient": true,
	"compliance": true, "breakglass": true, "disclosure": true, "incident": true,
}

// AuditDenial records err, the refusal of action to p on resource (type
// and id, id "" for none), when it is a denial on PHI: p is a signed-in
// user, err is forbidden or not found, and action is on a PHI resource.
// Anything else is ignored. The event is written before AuditDenial
// returns, unless it is folded; a failure to write it is logged (the
// request is refused anyway).
func (a *App) AuditDenial(ctx context.Context, p *Principal, action authz.Action, resourceType, resourceID string, err error) {
	if p == nil || p.System || !phiResources[action.Resource()] {
		return
	}
	var why string
	switch ward.ErrorCode(err) {
	case ward.CodeForbidden:
		why = "forbidden"
	case ward.CodeNotFound:
		why = "not found or not visible"
	default:
		return
	}
	if resourceType == "" {
		resourceType = action.Resource()
	}
	e := p.Event(audit.AccessDenied, resourceType, "")
	e.Outcome = audit.Denied
	e.Reason = string(action) + ": " + why
	if resourceID != "" {
		if opaqueID(resourceID) {
			e.ResourceID = resourceID
		} else {
			e.Reason += " (the requested id is not a UUID and is not recorded)"
		}
	}
	ok, folded := a.denials.admit(e, a.now())
	if !ok {
		return
	}
	if folded > 0 {
		e.Reason += fmt.Sprintf(" (folded %d earlier denials)", folded)
	}
	a.recordDenials(ctx, e)
}

// FlushDenials records the count of each user's folded denials whose
// window has ended, in one event per user, and forgets ended windows.
// internal/server runs it every denialWindow/2 on every node, and once
// more with all set at shutdown (windows that have not ended too).
func (a *App) FlushDenials(ctx context.Context, all bool) {
	var events []audit.Event
	now := a.now()
	a.denials.mu.Lock()
	for k, c := range a.denials.byUser {
		if !all && now.Sub(c.start) < denialWindow {
			continue
		}
		if c.folded > 0 {
			e := c.last
			e.Reason = fmt.Sprintf("%d denials folded (over %d a minute); the last: %s", c.folded, denialBudget, e.Reason)
			events = append(events, e)
		}
		delete(a.denials.byUser, k)
	}
	a.denials.mu.Unlock()
	a.recordDenials(ctx, events...)
}

// recordDenials writes denial events through the recorder, with a context
// of its own: the client hanging up does not cancel its refusal's record.
func (a *App) recordDenials(ctx context.Context, events ...audit.Event) {
	if len(events) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.audit.Record(ctx, events...); err != nil {
		a.log.ErrorContext(ctx, "recording a denial failed", "events", len(events), "err", err.Error())
	}
}

// admit decides whether e, a denial, is recorded (and how many earlier
// denials of the user it reports as folded) or folded.
func (l *denialLimiter) admit(e audit.Event, now time.Time) (ok bool, folded int) {
	key := e.OrgID + "/" + e.Actor.UserID
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byUser == nil {
		l.byUser = map[string]*denialCount{}
	}
	c := l.byUser[key]
	if c == nil || now.Sub(c.start) >= denialWindow || now.Before(c.start) {
		if c != nil {
			folded = c.folded
		}
		c = &denialCount{start: now}
		l.byUser[key] = c
	}
	c.last = e
	if c.recorded >= denialBudget {
		c.folded++
		return false, 0
	}
	c.recorded++
	return true, folded
}

// opaqueID reports whether s is a UUID in its canonical form: the only
// kind of requested id an audit event records.
func opaqueID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
