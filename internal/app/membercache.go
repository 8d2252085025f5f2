package app

import "time"

// The member cache remembers which users this node recently found to be
// members of which conversations, so a send does not read the conversation
// before sealing its body. It is a hint, never the check: the send's own
// transaction checks membership again (store.InsertMessage), so a member
// removed a moment ago, on this node or another, is refused all the same.
// Only positive answers are kept: a refusal always reads the store.
type memberKey struct{ conv, user string }

func newMemberCache() *ttlCache[memberKey, struct{}] {
	return newTTLCache[memberKey, struct{}](30*time.Second, 100_000)
}
