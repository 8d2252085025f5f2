package archive

// SetPartSize makes parts of n bytes until the test ends.
func SetPartSize(t interface{ Cleanup(func()) }, n int) {
	old := partSize
	partSize = n
	t.Cleanup(func() { partSize = old })
}
