package realtime

// SilencePresence stops p beating and answering without a bye: a node
// killed with -9, for the tests.
func SilencePresence(p *Presence) {
	p.closeOnce.Do(func() {
		close(p.stop)
		<-p.done
		p.sub.Unsubscribe()
	})
}
