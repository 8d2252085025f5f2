package app

// KnownMember reports whether the member cache holds user as a member of
// conv: for tests of what the cache learns.
func (a *App) KnownMember(conv, user string) bool {
	_, ok := a.members.Get(memberKey{conv, user}, a.now())
	return ok
}
