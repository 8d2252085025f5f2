package app

// KnownMember reports whether the member cache holds user as a member of
// conv: for tests of what the cache learns.
func (a *App) KnownMember(conv, user string) bool {
	_, ok := a.members.get(memberKey{conv, user}, a.now())
	return ok
}

// FlushDeliveries runs the shared flush of the sockets' delivery records
// now, instead of at its timer.
func (a *App) FlushDeliveries() { a.flushDeliveries() }
