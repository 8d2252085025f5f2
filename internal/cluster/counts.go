package cluster

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/store"
)

// callTimeout bounds each database call of the shared throttle: a sign-in
// that cannot reach the database in time falls back on the node's count.
const callTimeout = 2 * time.Second

// Counts keeps one throttle's counts (accounts, or addresses) in the
// database, where every node sees them (auth.SharedCounts). Keys are
// stored as an HMAC under the keyring's throttle key with the scope, never
// as the email, user id or address they name.
type Counts struct {
	st    *store.Store
	key   []byte
	scope string
}

var _ auth.SharedCounts = (*Counts)(nil)

// NewCounts returns the shared counts of one throttle: scope tells the
// throttles apart ("account", "address"); key is keyring.ThrottleKey.
func NewCounts(st *store.Store, key []byte, scope string) *Counts {
	return &Counts{st: st, key: append([]byte(nil), key...), scope: scope}
}

// name is the row key that stands for key.
func (c *Counts) name(key string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(c.scope))
	m.Write([]byte{0})
	m.Write([]byte(key))
	return c.scope + ":" + hex.EncodeToString(m.Sum(nil))
}

// State implements auth.SharedCounts.
func (c *Counts) State(key string, now time.Time, drain time.Duration) (float64, time.Time, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	n, err := c.st.ThrottleCount(ctx, c.name(key))
	if err != nil {
		return 0, time.Time{}, err
	}
	return n.Drained(now, drain), n.Blocked, nil
}

// Failure implements auth.SharedCounts.
func (c *Counts) Failure(key string, now time.Time, drain time.Duration, delay func(float64) time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	n, err := c.st.ThrottleFailure(ctx, c.name(key), now, drain, delay)
	return n.Blocked, err
}

// Forget implements auth.SharedCounts.
func (c *Counts) Forget(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	return c.st.ForgetThrottle(ctx, c.name(key))
}

// Throttles returns the app's account and address throttles with their
// counts shared through st (auth.AccountThrottle and auth.AddressThrottle
// otherwise), on the clock now.
func Throttles(st *store.Store, key []byte, now func() time.Time) (account, address *auth.Throttle) {
	ac, ad := auth.AccountThrottle(), auth.AddressThrottle()
	ac.Now, ad.Now = now, now
	ac.Shared, ad.Shared = NewCounts(st, key, "account"), NewCounts(st, key, "address")
	return auth.NewThrottle(ac), auth.NewThrottle(ad)
}
