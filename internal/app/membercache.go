package app

import (
	"time"

	"github.com/wardhealth/ward/internal/ttlcache"
)

// The member cache remembers which users this node recently found to be
// members of which conversations, so a send does not read the conversation
// before sealing its body. It is a hint, never the check: the send's own
// transaction checks membership again (store.InsertMessage), so a member
// removed a moment ago, on this node or another, is refused all the same.
// Only positive answers are kept: a refusal always reads the store.
// Besides a send's own check, the cache learns from what the node sees
// anyway: a conversation's creation and a committed send (every member),
// and a listing (the caller in each conversation listed), so the recipient
// who replies and a client that lists its conversations after connecting
// read nothing before they send. Being a hint, an entry may live long: 10
// minutes. Both were found at 10,000 users sending in their own
// conversations, where the reads on a miss took 7 % of the server's CPU
// (with 30 s entries; and again on a server started just before, until the
// cache learned from creations).
type memberKey struct{ conv, user string }

func newMemberCache() *ttlcache.Cache[memberKey, struct{}] {
	return ttlcache.New[memberKey, struct{}](10*time.Minute, 100_000)
}

// rememberMembers notes that users are members of conv, as a commit or a
// read of this node just showed.
func (a *App) rememberMembers(conv string, users ...string) {
	now := a.now()
	for _, u := range users {
		a.members.Put(memberKey{conv, u}, struct{}{}, now)
	}
}
