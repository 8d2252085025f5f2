package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
)

// throttleEventWindow is how often at most one key (an account, an
// address) gets a login.throttled event; the attempts refused in between
// are folded into the next one.
const throttleEventWindow = time.Minute

// refused counts a sign-in attempt a throttle refused, under key
// ("user:<id>", "email:<email>" or "address:<address key>"), and audits
// the folded count when its event is due. orgID is the account's org when
// known.
func (a *App) refused(ctx context.Context, key, orgID, ip string) error {
	r, due := a.refusals.Refused(key, orgID, ip)
	if !due {
		return nil
	}
	ev, err := a.throttleEvent(ctx, r)
	if err != nil {
		return err
	}
	return a.audit.Record(ctx, ev)
}

// FlushThrottleEvents audits the refused sign-in attempts folded since
// each key's last login.throttled event, for the keys whose window has
// passed (every key when all is set). The server runs it every minute.
func (a *App) FlushThrottleEvents(ctx context.Context, all bool) error {
	due := a.refusals.Due(all)
	if len(due) == 0 {
		return nil
	}
	evs := make([]audit.Event, 0, len(due))
	for _, r := range due {
		ev, err := a.throttleEvent(ctx, r)
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	}
	return a.audit.Record(ctx, evs...)
}

// throttleEvent is the login.throttled event of a folded count. The
// resource is the account (a user id, or unknown-<email HMAC>) or the
// address; the email itself is never recorded. The reason names the
// addresses the attempts came from (the first few, and how many others);
// the actor's address is theirs when there was one.
func (a *App) throttleEvent(ctx context.Context, r auth.Refusal) (audit.Event, error) {
	kind, id, _ := strings.Cut(r.Key, ":")
	ev := audit.Event{OrgID: r.Tag, Action: audit.LoginThrottled, Outcome: audit.Denied}
	if len(r.Addresses) == 1 && r.MoreAddresses == 0 {
		ev.Actor.IP = r.Addresses[0]
	}
	by := "account"
	switch kind {
	case "user":
		ev.ResourceType, ev.ResourceID = "user", id
	case "email":
		tag, err := a.emailTag(ctx, id)
		if err != nil {
			return ev, err
		}
		ev.ResourceType, ev.ResourceID = "user", "unknown-"+tag
	default: // "address", "overflow"
		by = "address"
		ev.ResourceType, ev.ResourceID = "address", id
		if kind == "overflow" {
			ev.ResourceID = "(too many keys to count apart)"
		}
	}
	ev.Reason = fmt.Sprintf("%d sign-in attempts refused by the %s throttle since %s", r.Count, by,
		r.Since.UTC().Format(time.RFC3339))
	if len(r.Addresses) > 0 {
		ev.Reason += ", from " + strings.Join(r.Addresses, ", ")
		if r.MoreAddresses > 0 {
			ev.Reason += fmt.Sprintf(" and %d more", r.MoreAddresses)
		}
	}
	return ev, nil
}

// emailKey holds the HMAC key that names unknown emails in the audit
// trail, read from the keyring once.
type emailKey struct {
	mu  sync.Mutex
	key []byte
}

// emailTag names an email that matched no account, in the audit trail:
// an HMAC under a keyring secret, so failures for one email can be grouped
// without the email being stored. The email is normalized already.
func (a *App) emailTag(ctx context.Context, email string) (string, error) {
	a.emailKey.mu.Lock()
	key := a.emailKey.key
	a.emailKey.mu.Unlock()
	if key == nil {
		k, err := a.keys.LoginEmailKey(ctx)
		if err != nil {
			return "", err
		}
		a.emailKey.mu.Lock()
		a.emailKey.key, key = k, k
		a.emailKey.mu.Unlock()
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(email))
	return hex.EncodeToString(m.Sum(nil)[:12]), nil
}
