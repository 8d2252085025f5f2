package app

import "time"

// The member cache remembers which users this node recently found to be
// members of which conversations, so a send does not read the conversation
// before sealing its body. It is a hint, never the check: the send's own
// transaction checks membership again (store.InsertMessage), so a member
// removed a moment ago, on this node or another, is refused all the same.
// Only positive answers are kept: a refusal always reads the store.
// Being a hint, an entry may live long: 10 minutes. At 30 s, 10,000 users
// each sending every few seconds in their own conversations missed often
// enough for the conversation reads to take 7 % of the server's CPU.
type memberKey struct{ conv, user string }

func newMemberCache() *ttlCache[memberKey, struct{}] {
	return newTTLCache[memberKey, struct{}](10*time.Minute, 100_000)
}
